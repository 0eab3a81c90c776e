"""The restricted script engine: every script and expression of a diagram runs through here."""

from __future__ import annotations

import ast
import builtins
import operator
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from types import CodeType, FrameType
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

SCRIPT_FILENAME = "<diagram-script>"

# Attribute names refused even though they do not start with an underscore: they reach
# object internals through format strings or frames.
DENIED_ATTRIBUTES = frozenset(
    {"format", "format_map", "mro", "gi_frame", "gi_code", "f_globals", "f_back", "cr_frame", "tb_frame"}
)


class ScriptRefusedError(ValueError):
    """A script or expression uses something the restricted engine does not allow."""


class ScriptTimeoutError(RuntimeError):
    """A script or expression ran past the configured time limit."""


def _bounded_range(limit: int) -> Callable[..., range]:
    def bounded(*args: int) -> range:
        r = range(*args)
        if len(r) > limit:
            raise ScriptRefusedError(f"range() of {len(r)} items is larger than the allowed {limit}")
        return r

    return bounded


_INPLACE = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
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


def _builtins(max_range: int) -> dict[str, Any]:
    allowed = {name: getattr(builtins, name) for name in ALLOWED_BUILTIN_NAMES if hasattr(builtins, name)}
    allowed.update({k: v for k, v in safe_builtins.items() if k in ALLOWED_BUILTIN_NAMES})
    allowed["range"] = _bounded_range(max_range)
    return allowed


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> CodeType:
    """Compile an expression under RestrictedPython, refusing what the policy forbids."""
    _lint_names(source, "eval")
    result = compile_restricted_eval(source, filename=SCRIPT_FILENAME)
    if result.errors or result.code is None:
        raise ScriptRefusedError("; ".join(result.errors) or "expression could not be compiled")
    return result.code


@lru_cache(maxsize=4096)
def compile_script(source: str) -> CodeType:
    """Compile a script under RestrictedPython, refusing what the policy forbids."""
    _lint_names(source, "exec")
    result = compile_restricted_exec(source, filename=SCRIPT_FILENAME)
    if result.errors or result.code is None:
        raise ScriptRefusedError("; ".join(result.errors) or "script could not be compiled")
    return result.code


def _lint_names(source: str, mode: str) -> None:
    """Refuse builtins outside the allow-list and denied attribute names, before compiling."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise ScriptRefusedError(f"syntax error on line {exc.lineno}: {exc.msg}") from None
    helpers = set(default_helpers())
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if hasattr(builtins, node.id) and node.id not in ALLOWED_BUILTIN_NAMES and node.id not in helpers:
                raise ScriptRefusedError(f"{node.id} is not an allowed function or name")
        elif isinstance(node, ast.Attribute) and node.attr in DENIED_ATTRIBUTES:
            raise ScriptRefusedError(f'attribute "{node.attr}" is not allowed')
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            raise ScriptRefusedError("import is not allowed")


class _Deadline:
    """Stop code compiled from a diagram once a wall-clock deadline passes (line tracing)."""

    local = threading.local()

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __enter__(self) -> None:
        depth = getattr(self.local, "depth", 0)
        self.local.depth = depth + 1
        if depth:
            return  # nested evaluation (a DMN inside a script run): the outer deadline rules
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


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluate and execute diagram code with RestrictedPython guards, no modules and a time limit."""

    def __init__(self, time_limit: float = 2.0, max_range: int = 100_000) -> None:
        super().__init__(default_helpers())
        self.time_limit = time_limit
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
        }

    def _globals(self, context: dict[str, Any], external: dict[str, Any] | None) -> dict[str, Any]:
        g = dict(context)
        g.update(self.globals)
        g.update(external or {})
        g.update(self.guards)
        return g

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        code = compile_expression(expression)
        with _Deadline(self.time_limit):
            return eval(code, self._globals(context, external_context))  # noqa: S307 - restricted code

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        code = compile_script(script)
        clash = (set(self.globals) | set(external_context or {})) & set(context)
        if clash:
            raise ScriptRefusedError(f"task data overwrites helper names: {sorted(clash)}")
        g = self._globals(context, external_context)
        injected = set(self.globals) | set(external_context or {}) | set(self.guards)
        with _Deadline(self.time_limit):
            exec(code, g)  # noqa: S102 - restricted code
        for key in list(context):
            if key not in g:
                del context[key]
        for key, value in g.items():
            if key in injected or callable(value) or isinstance(value, type(sys)):
                continue
            context[key] = value
        return True


def make_script_engine(time_limit: float = 2.0, max_range: int = 100_000) -> PythonScriptEngine:
    """Return a script engine that runs everything through the restricted environment."""
    engine = PythonScriptEngine(environment=RestrictedEnvironment(time_limit, max_range))
    return engine


def lint_expression(source: str) -> str | None:
    """Return why an expression would be refused, or None if it compiles."""
    try:
        compile_expression(source)
    except ScriptRefusedError as exc:
        return str(exc)
    return None


def lint_script(source: str) -> str | None:
    """Return why a script would be refused, or None if it compiles."""
    try:
        compile_script(source)
    except ScriptRefusedError as exc:
        return str(exc)
    return None
