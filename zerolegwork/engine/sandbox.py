"""Script worker processes: diagram code runs there under hard CPU, wall-clock and memory limits.

A pool per platform process (per memory limit) keeps up to `keep` idle workers and starts more
on demand (up to 4 × keep); each request checks a worker out, so one worker serves one thread at
a time. A worker that does not answer within the time limit + GRACE is killed (SIGKILL, which
stops any single C-level operation) and reaped, never left as a zombie; the next request starts a
fresh one. After a fork (rq's work-horse, gunicorn's pre-fork) the child forgets the inherited
workers (they are the parent's children) and starts its own. If no worker can be started the
request fails with SandboxUnavailableError: diagram code never runs without its limits.
"""

from __future__ import annotations

import atexit
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .restricted import ScriptLimitError, ScriptTimeoutError
from .sandbox_worker import MAX_MESSAGE_BYTES, decode, encode

ROOT = Path(__file__).resolve().parents[2]
GRACE = 0.5  # seconds past the time limit before a silent worker is killed
START_TIMEOUT = 10.0  # seconds a new worker may take to say it is ready
CHECKOUT_TIMEOUT = 30.0  # seconds a request waits for a free worker when all are busy

# The worker imports only sandbox_worker.py and restricted.py: the package modules are stubbed so
# that zerolegwork/__init__.py (Flask, settings) is not loaded. -I: no PYTHON* variables, no user
# site, no current directory on sys.path.
BOOT = (
    "import sys, types\n"
    "for name in ('zerolegwork', 'zerolegwork.engine'):\n"
    "    module = types.ModuleType(name)\n"
    "    module.__path__ = [sys.argv[1] + '/' + name.replace('.', '/')]\n"
    "    sys.modules[name] = module\n"
    "from zerolegwork.engine.sandbox_worker import serve\n"
    "serve(int(sys.argv[2]))\n"
)


class SandboxUnavailableError(RuntimeError):
    """No script worker process could be started (or none became free); diagram code was not run."""


class _LostError(Exception):
    """The worker did not answer: it timed out, exited, or sent something it must not."""


class _Worker:
    def __init__(self, memory_mb: int) -> None:
        try:
            self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and code
                [sys.executable, "-I", "-c", BOOT, str(ROOT), str(memory_mb)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env={"LC_ALL": "C.UTF-8"},  # nothing of the platform's environment (secrets, URLs)
                close_fds=True,
                start_new_session=True,  # Ctrl-C in a terminal does not reach workers mid-request
                bufsize=0,
            )
        except OSError as exc:
            raise SandboxUnavailableError(f"cannot start a script worker process: {exc}") from exc
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.send_fd, self.recv_fd = self.proc.stdin.fileno(), self.proc.stdout.fileno()
        self.poll = select.poll()
        self.poll.register(self.recv_fd, select.POLLIN)
        try:
            hello = self._read(time.monotonic() + START_TIMEOUT)
        except _LostError as exc:
            self.kill()
            raise SandboxUnavailableError(f"a script worker process did not start: {exc}") from None
        if not (isinstance(hello, tuple) and hello[:1] == ("ready",)):
            self.kill()
            raise SandboxUnavailableError("a script worker process did not start")

    def _read_exactly(self, n: int, deadline: float) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self.poll.poll(remaining * 1000):
                raise _LostError("timeout")
            chunk = os.read(self.recv_fd, n - len(buf))
            if not chunk:
                raise _LostError("exited")
            buf += chunk
        return bytes(buf)

    def _read(self, deadline: float) -> Any:
        size = int.from_bytes(self._read_exactly(4, deadline), "big")
        if size > MAX_MESSAGE_BYTES:
            raise _LostError("oversized answer")
        try:
            return decode(self._read_exactly(size, deadline))
        except _LostError:
            raise
        except Exception as exc:  # an answer naming a class outside the allow-list, or garbage
            raise _LostError(f"unreadable answer: {exc}") from None

    def call(self, request: Any, timeout: float) -> Any:
        frame = encode(request)
        deadline = time.monotonic() + timeout
        rest = memoryview(frame)
        try:
            while rest:
                rest = rest[os.write(self.send_fd, rest) :]
        except OSError:  # BrokenPipeError: it is gone
            raise _LostError("exited") from None
        return self._read(deadline)

    def kill(self) -> None:
        """Stop the worker and reap it (no zombie), whatever it is doing."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.close_pipes()

    def close_pipes(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


def _lost_error(worker: _Worker, lost: _LostError, time_limit: float) -> Exception:
    """Turn a worker that stopped answering into the error the diagram's incident will name."""
    if str(lost) == "timeout":
        return ScriptTimeoutError(
            f"script ran longer than the {time_limit:g} s limit and was stopped (its worker process was killed)"
        )
    code = worker.proc.returncode
    if code == -signal.SIGXCPU:
        return ScriptTimeoutError(f"script used more than its {time_limit:g} s of CPU time and was stopped")
    if code == -signal.SIGKILL:
        return ScriptLimitError("the script's worker process was killed (out of memory?)")
    return ScriptLimitError(f"the script's worker process stopped ({lost}, exit status {code})")


class ScriptPool:
    """Worker processes with one memory limit, shared by the threads of one platform process."""

    def __init__(self, memory_mb: int, keep: int) -> None:
        self.memory_mb = memory_mb
        self.keep = max(keep, 1)
        self.cap = self.keep * 4
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._live = 0
        self.started = 0  # workers started so far (tests and the benchmark read it)

    def _checkout(self) -> _Worker:
        deadline = time.monotonic() + CHECKOUT_TIMEOUT
        with self._cond:
            while not self._idle and self._live >= self.cap:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    busy = f"all {self.cap} script workers stayed busy for {CHECKOUT_TIMEOUT:g} s"
                    raise SandboxUnavailableError(busy)
                self._cond.wait(remaining)
            while self._idle:
                worker = self._idle.pop()
                if worker.proc.poll() is None:
                    return worker
                worker.kill()  # died while idle (killed from outside): reap it, take the next
                self._live -= 1
            self._live += 1
        try:
            worker = _Worker(self.memory_mb)
        except BaseException:
            self._release()
            raise
        self.started += 1
        return worker

    def _release(self) -> None:
        with self._cond:
            self._live -= 1
            self._cond.notify()

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        self._release()

    def _checkin(self, worker: _Worker) -> None:
        with self._cond:
            if len(self._idle) < self.keep:
                self._idle.append(worker)
                self._cond.notify()
                return
        self._discard(worker)

    def run(self, request: Any, time_limit: float) -> Any:
        """Send one request to a worker and return its answer; a silent worker is killed."""
        worker = self._checkout()
        try:
            reply = worker.call(request, time_limit + GRACE)
        except _LostError as lost:
            worker.kill()
            self._release()
            raise _lost_error(worker, lost, time_limit) from None
        except BaseException:
            self._discard(worker)  # interrupted mid-request: its pipe may hold half a message
            raise
        if reply[:2] == ("limit", "memory"):
            self._discard(worker)  # it exits after a MemoryError
        else:
            self._checkin(worker)
        return reply

    def shutdown(self) -> None:
        """Stop the idle workers (at exit)."""
        with self._cond:
            idle, self._idle = self._idle, []
        for worker in idle:
            self._discard(worker)

    def abandon(self) -> None:
        """In a forked child: drop the inherited pipes; the workers belong to the parent."""
        for worker in self._idle:
            worker.close_pipes()
            worker.proc.returncode = 0  # never waited for (nor signalled) from this process
        self._idle = []


_pools: dict[tuple[int, int], ScriptPool] = {}
_pools_lock = threading.Lock()
_owner = os.getpid()


def pool(memory_mb: int, keep: int) -> ScriptPool:
    """Return this process's pool for a memory limit (a fresh one in a forked child)."""
    if os.getpid() != _owner:
        _forget_inherited()
    with _pools_lock:
        found = _pools.get((memory_mb, keep))
        if found is None:
            found = _pools[(memory_mb, keep)] = ScriptPool(memory_mb, keep)
        return found


def _forget_inherited() -> None:
    global _pools, _pools_lock, _owner
    for inherited in _pools.values():
        inherited.abandon()
    _pools, _pools_lock, _owner = {}, threading.Lock(), os.getpid()


def shutdown() -> None:
    """Stop every idle worker of this process."""
    if os.getpid() == _owner:
        for each in list(_pools.values()):
            each.shutdown()


os.register_at_fork(after_in_child=_forget_inherited)
atexit.register(shutdown)
