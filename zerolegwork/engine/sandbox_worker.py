"""The loop of a script worker process, and the framed, allow-listed pickle messages it speaks.

A worker is a fresh interpreter (`python -I`, scrubbed environment) started by sandbox.py; it
imports only this module and restricted.py (the package's __init__ modules are stubbed, so no
Flask, database or settings are loaded). It sets its own limits before the first request:
RLIMIT_AS (baseline + ZLW_SCRIPT_MEMORY_MB), no core files, and before every request an
RLIMIT_CPU budget of the time limit + 1 s, so that even a worker whose platform process is gone
cannot spin for long.
"""

from __future__ import annotations

import io
import math
import os
import pickle
import resource
import struct
import sys
from typing import Any

from .restricted import Evaluator, ScriptTimeoutError

# ---- the wire between the platform and a worker ----------------------------------------------

_HEADER = struct.Struct("!I")
MAX_MESSAGE_BYTES = 16 * 1024 * 1024  # the largest answer a worker may send (task data included)
# Classes a message may name; anything else in a message is refused (a worker's reply is not trusted).
_ALLOWED_CLASSES = {
    ("decimal", "Decimal"),
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("builtins", "complex"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("zoneinfo", "ZoneInfo"),
    ("zoneinfo", "ZoneInfo._unpickle"),
}


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED_CLASSES:
            raise pickle.UnpicklingError(f"a value of type {module}.{name} cannot cross into or out of diagram code")
        return super().find_class(module, name)


def encode(message: Any) -> bytes:
    """Frame a message: a 4-byte length, then its pickle."""
    body = pickle.dumps(message, protocol=5)
    return _HEADER.pack(len(body)) + body


def decode(body: bytes) -> Any:
    """Read a message body, refusing every class outside the small allow-list."""
    return _SafeUnpickler(io.BytesIO(body)).load()


def _read_exactly(fd: int, n: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < n:
        chunk = os.read(fd, n - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


# ---- the worker process ----------------------------------------------------------------------


def _address_space() -> int:
    """Bytes of address space this process maps now (its baseline before any diagram code)."""
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _set_cpu_budget(seconds: float) -> None:
    """Let this process use `seconds` more CPU from now; past that the kernel kills it (SIGXCPU)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    resource.setrlimit(resource.RLIMIT_CPU, (math.ceil(used + seconds), hard))


def _reply_for(request: tuple[Any, ...], evaluators: dict[tuple[float, int], Evaluator]) -> tuple[Any, ...]:
    kind, source, context, external, time_limit, max_range = request
    key = (time_limit, max_range)
    evaluator = evaluators.get(key) or evaluators.setdefault(key, Evaluator(time_limit, max_range))
    _set_cpu_budget(time_limit + 1)
    if kind == "eval":
        return ("ok", evaluator.evaluate(source, context, external), None)
    evaluator.execute(source, context, external)
    return ("ok", True, context)


def _error(exc: BaseException) -> tuple[Any, ...]:
    args = tuple(a if isinstance(a, (str, int, float, bool, type(None))) else str(a) for a in exc.args)
    return ("error", type(exc).__name__, args)


def serve(memory_mb: int) -> None:
    """Worker loop: read a request from stdin, evaluate it, answer on the original stdout."""
    channel = os.dup(1)
    os.dup2(2, 1)  # anything printed goes to stderr, never into the channel
    sys.stdout = sys.stderr
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    limit = _address_space() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    _write_all(channel, encode(("ready", os.getpid(), limit)))
    evaluators: dict[tuple[float, int], Evaluator] = {}
    while True:
        header = _read_exactly(0, _HEADER.size)
        if header is None:
            return  # the platform process closed the pipe: it is done with us, or gone
        body = _read_exactly(0, _HEADER.unpack(header)[0])
        if body is None:
            return
        reply, recycle = _run_request(body, evaluators, memory_mb)
        try:
            frame = encode(reply)
        except MemoryError:
            frame, recycle = encode(("limit", "memory", _memory_message(memory_mb))), True
        except Exception as exc:  # a value pickle cannot carry (a generator, a range …)
            frame = encode(("error", "TypeError", (f"the script left a value that cannot be kept: {exc}",)))
        if len(frame) > MAX_MESSAGE_BYTES:
            size = len(frame) // 2**20
            frame = encode(("limit", "memory", f"the script left {size} MB of task data; the limit is 16 MB"))
        _write_all(channel, frame)
        if recycle:
            return  # after a MemoryError the interpreter may be in a poor state: start afresh


def _memory_message(memory_mb: int) -> str:
    return f"script needed more than the {memory_mb} MB of memory a script may use"


def _run_request(
    body: bytes, evaluators: dict[tuple[float, int], Evaluator], memory_mb: int
) -> tuple[tuple[Any, ...], bool]:
    try:
        return _reply_for(decode(body), evaluators), False
    except MemoryError:
        pass  # leave the except block first, so that the traceback and its big locals are freed
    except ScriptTimeoutError as exc:
        return ("limit", "time", str(exc)), False
    except Exception as exc:  # diagram code failed: its error goes back by name
        return _error(exc), False
    return ("limit", "memory", _memory_message(memory_mb)), True
