"""The restricted evaluator: policy, compile-time guards, and running compiled diagram code.

Standard library and RestrictedPython only: a script worker process (sandbox_worker.py) imports
this module without the rest of the platform.
"""

from __future__ import annotations

import ast
import builtins
import math
import operator
import re
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from types import CodeType, FrameType, ModuleType
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from RestrictedPython.transformer import RestrictingNodeTransformer

SCRIPT_FILENAME = "<diagram-script>"

# Attribute names refused even though they do not start with an underscore: they reach
# object internals through format strings or frames.
DENIED_ATTRIBUTES = frozenset(
    {"format", "format_map", "mro", "gi_frame", "gi_code", "f_globals", "f_back", "cr_frame", "tb_frame"}
)

# Bounds of single operations, checked before the operation runs (at run time by the guards,
# at check time on constants by bounds.py). Far above anything an approval rule needs.
MAX_INT_BITS = 65_536  # an int of about 19 700 decimal digits
MAX_SEQUENCE = 1_000_000  # items (or characters) a repetition `seq * n` may produce
MAX_FORMAT_WIDTH = 10_000  # width or precision in a format spec (`%999999999d`, `f"{x:>999999999}"`)


class ScriptRefusedError(ValueError):
    """A script or expression uses something the restricted engine does not allow."""


class ScriptOverLimitError(ScriptRefusedError):
    """A guard refused one operation before it ran: its result would be over a size limit."""


class ScriptLimitError(RuntimeError):
    """A script or expression went past a hard limit (time or memory) and was stopped."""


class ScriptTimeoutError(ScriptLimitError):
    """A script or expression ran past the configured time limit."""


class ScriptMemoryError(ScriptLimitError):
    """A script or expression tried to use more memory than its worker process may."""


# ---- guards the compiled code calls ------------------------------------------------------------


def _bounded_range(limit: int) -> Callable[..., range]:
    def bounded(*args: int) -> range:
        r = range(*args)
        if len(r) > limit:
            raise ScriptOverLimitError(f"range() of {len(r)} items is larger than the allowed {limit}")
        return r

    return bounded


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


_SEQUENCES = (str, bytes, bytearray, list, tuple)


def guarded_pow(a: Any, b: Any) -> Any:
    """`a ** b`, refused when an int result would exceed MAX_INT_BITS."""
    if _is_int(a) and _is_int(b) and b > 0 and abs(a) > 1:
        bits = b * math.log2(abs(a))
        if bits > MAX_INT_BITS:
            digits, limit = int(bits * math.log10(2)) + 1, int(MAX_INT_BITS * math.log10(2)) + 1
            raise ScriptOverLimitError(f"a power of about {digits} digits (**) is over the limit of {limit} digits")
    return a**b


def guarded_mul(a: Any, b: Any) -> Any:
    """`a * b`, refused when a repetition or an int product would be too large."""
    seq, n = (a, b) if isinstance(a, _SEQUENCES) else (b, a)
    if isinstance(seq, _SEQUENCES) and _is_int(n):
        if len(seq) * n > MAX_SEQUENCE:
            raise ScriptOverLimitError(
                f"repeating {len(seq)} item(s) {n} times (*) is over the limit of {MAX_SEQUENCE}"
            )
    elif _is_int(a) and _is_int(b) and a.bit_length() + b.bit_length() > MAX_INT_BITS:
        raise ScriptOverLimitError(f"an int product (*) of more than {MAX_INT_BITS} bits is over the limit")
    return a * b


def guarded_lshift(a: Any, b: Any) -> Any:
    """`a << b`, refused when the int result would exceed MAX_INT_BITS."""
    if _is_int(a) and _is_int(b) and a and a.bit_length() + b > MAX_INT_BITS:
        raise ScriptOverLimitError(f"a shift (<<) to more than {MAX_INT_BITS} bits is over the limit")
    return a << b


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def check_format_spec(spec: str) -> None:
    """Refuse format widths and precisions that would allocate more than MAX_FORMAT_WIDTH characters."""
    for run in re.findall(r"\d+", spec):
        if int(run) > MAX_FORMAT_WIDTH:
            raise ScriptOverLimitError(f"a format width of {run} is over the limit of {MAX_FORMAT_WIDTH}")


def guarded_mod(a: Any, b: Any) -> Any:
    """`a % b`; for %-formatting, refuse `*` widths and widths over MAX_FORMAT_WIDTH."""
    if isinstance(a, (str, bytes)):
        text = a if isinstance(a, str) else a.decode("latin-1")
        for width, precision in _PERCENT_SPEC.findall(text):
            for n in (width, precision):
                if n == "*" or (n and int(n) > MAX_FORMAT_WIDTH):
                    raise ScriptOverLimitError(f"a %-format width of {n} is not allowed (at most {MAX_FORMAT_WIDTH})")
    return a % b


def guarded_format(value: Any, conversion: int, spec: str) -> str:
    """One f-string field with a format spec: the spec's widths are checked before formatting."""
    check_format_spec(spec)
    if conversion == ord("r"):
        value = repr(value)
    elif conversion == ord("s"):
        value = str(value)
    elif conversion == ord("a"):
        value = ascii(value)
    return format(value, spec)


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": guarded_mul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": guarded_mod,
    "|=": operator.ior,
    "&=": operator.iand,
}


def _inplacevar(op: str, x: Any, y: Any) -> Any:
    if op not in _INPLACE:
        raise ScriptRefusedError(f"operator {op} is not allowed")
    return _INPLACE[op](x, y)


def _getitem(ob: Any, index: Any) -> Any:
    return ob[index]


def _apply(f: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return f(*args, **kwargs)


# ---- compiling -------------------------------------------------------------------------------


def default_helpers() -> dict[str, Any]:
    """Functions (never modules) that every diagram script may call."""
    return {
        "Decimal": Decimal,
        "today": lambda: datetime.now(UTC).date(),
        "now_utc": lambda: datetime.now(UTC),
        "date": date,
        "timedelta": timedelta,
    }


ALLOWED_BUILTIN_NAMES = frozenset(
    set(safe_builtins) - {"pow", "compile", "setattr", "delattr", "__build_class__"}
    | {"all", "any", "dict", "list", "set", "sum", "min", "max", "enumerate", "map", "filter", "reversed", "zip"}
)
HELPER_NAMES = frozenset(default_helpers())

# Operators routed through a guard (RestrictedPython itself lets every BinOp through).
_BINOP_GUARDS = {ast.Pow: "_pow_", ast.Mult: "_mul_", ast.LShift: "_lshift_", ast.Mod: "_mod_"}


class LimitingTransformer(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus: `**`, `*`, `<<`, `%` and f-string format specs call guards.

    The guard names start with `_`, which the policy refuses in diagram code, so a diagram can
    neither call nor replace them.
    """

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:  # noqa: N802 - ast.NodeVisitor naming
        node = self.node_contents_visit(node)
        guard = _BINOP_GUARDS.get(type(node.op))
        if guard is None:
            return node
        call = ast.Call(func=ast.Name(guard, ast.Load()), args=[node.left, node.right], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:  # noqa: N802
        node = self.node_contents_visit(node)
        if node.format_spec is None:
            return node
        call = ast.Call(
            func=ast.Name("_format_", ast.Load()),
            args=[node.value, ast.Constant(node.conversion), node.format_spec],
            keywords=[],
        )
        new = ast.FormattedValue(value=call, conversion=-1, format_spec=None)
        return ast.fix_missing_locations(ast.copy_location(new, node))


def lint_names(tree: ast.AST) -> None:
    """Refuse builtins outside the allow-list, denied attribute names and imports."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if hasattr(builtins, node.id) and node.id not in ALLOWED_BUILTIN_NAMES and node.id not in HELPER_NAMES:
                raise ScriptRefusedError(f"{node.id} is not an allowed function or name")
        elif isinstance(node, ast.Attribute) and node.attr in DENIED_ATTRIBUTES:
            raise ScriptRefusedError(f'attribute "{node.attr}" is not allowed')
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            raise ScriptRefusedError("import is not allowed")


def parse(source: str, mode: str) -> ast.AST:
    """Parse diagram code, turning a syntax error into a refusal."""
    try:
        return ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise ScriptRefusedError(f"syntax error on line {exc.lineno}: {exc.msg}") from None


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> CodeType:
    """Compile an expression under RestrictedPython and the guards, refusing what the policy forbids."""
    lint_names(parse(source, "eval"))
    result = compile_restricted_eval(source, filename=SCRIPT_FILENAME, policy=LimitingTransformer)
    if result.errors or result.code is None:
        raise ScriptRefusedError("; ".join(result.errors) or "expression could not be compiled")
    return result.code


@lru_cache(maxsize=4096)
def compile_script(source: str) -> CodeType:
    """Compile a script under RestrictedPython and the guards, refusing what the policy forbids."""
    lint_names(parse(source, "exec"))
    result = compile_restricted_exec(source, filename=SCRIPT_FILENAME, policy=LimitingTransformer)
    if result.errors or result.code is None:
        raise ScriptRefusedError("; ".join(result.errors) or "script could not be compiled")
    return result.code


# ---- running ---------------------------------------------------------------------------------


class _Deadline:
    """Stop Python-level loops of diagram code once a wall-clock deadline passes (line tracing).

    This only sees bytecode lines; one long C-level operation is stopped by the worker process's
    limits instead (see sandbox.py).
    """

    local = threading.local()

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __enter__(self) -> None:
        depth = getattr(self.local, "depth", 0)
        self.local.depth = depth + 1
        if depth:
            return  # nested evaluation: the outer deadline rules
        self.local.deadline = time.monotonic() + self.seconds
        self.previous = sys.gettrace()
        sys.settrace(self._global_trace)

    def __exit__(self, *exc: object) -> None:
        self.local.depth -= 1
        if not self.local.depth:
            sys.settrace(self.previous)

    def _global_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename == SCRIPT_FILENAME:
            return self._local_trace
        return None

    def _local_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > self.local.deadline:
            raise ScriptTimeoutError(f"script ran longer than the {self.seconds:g} s limit")
        return self._local_trace


def _builtins(max_range: int) -> dict[str, Any]:
    allowed = {name: getattr(builtins, name) for name in ALLOWED_BUILTIN_NAMES if hasattr(builtins, name)}
    allowed.update({k: v for k, v in safe_builtins.items() if k in ALLOWED_BUILTIN_NAMES})
    allowed["range"] = _bounded_range(max_range)
    return allowed


class Evaluator:
    """Evaluate and execute compiled diagram code on a task-data dict, with guards and a line deadline."""

    def __init__(self, time_limit: float, max_range: int) -> None:
        self.time_limit = time_limit
        self.helpers = default_helpers()
        self.guards: dict[str, Any] = {
            "__builtins__": _builtins(max_range),
            "_getattr_": safer_getattr,
            "_getitem_": _getitem,
            "_getiter_": iter,
            "_write_": full_write_guard,
            "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_unpack_sequence_": guarded_unpack_sequence,
            "_inplacevar_": _inplacevar,
            "_apply_": _apply,
            "_pow_": guarded_pow,
            "_mul_": guarded_mul,
            "_lshift_": guarded_lshift,
            "_mod_": guarded_mod,
            "_format_": guarded_format,
        }

    def _globals(self, context: dict[str, Any], external: dict[str, Any] | None) -> dict[str, Any]:
        g = dict(context)
        g.update(self.helpers)
        g.update(external or {})
        g.update(self.guards)
        return g

    def evaluate(self, source: str, context: dict[str, Any], external: dict[str, Any] | None = None) -> Any:
        code = compile_expression(source)
        with _Deadline(self.time_limit):
            return eval(code, self._globals(context, external))  # noqa: S307 - restricted code

    def execute(self, source: str, context: dict[str, Any], external: dict[str, Any] | None = None) -> None:
        """Run a script; `context` is changed in place to the task data the script leaves."""
        code = compile_script(source)
        clash = (set(self.helpers) | set(external or {})) & set(context)
        if clash:
            raise ScriptRefusedError(f"task data overwrites helper names: {sorted(clash)}")
        g = self._globals(context, external)
        injected = set(self.helpers) | set(external or {}) | set(self.guards)
        with _Deadline(self.time_limit):
            exec(code, g)  # noqa: S102 - restricted code
        for key in list(context):
            if key not in g:
                del context[key]
        for key, value in g.items():
            if key in injected or callable(value) or isinstance(value, ModuleType):
                continue
            context[key] = value
