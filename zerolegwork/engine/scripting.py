"""The restricted script engine: every script and expression of a diagram runs through here.

Policy and guards live in restricted.py, static bounds in bounds.py, worker processes in
sandbox.py. This module decides where a piece of code runs:

- an expression that bounds.is_bounded_expression clears (loop-free, linear in its inputs:
  `route == "a"`, `amount >= Decimal("5000")`, a DMN cell) is evaluated in this process;
- a script that bounds.is_bounded_script clears (assignments of such expressions, none reading what
  another assigned: `progress_reports = (progress_reports + [row])[-12:]`) is run in this process too;
- every other script, and every other expression, is sent with its task data to a worker process
  that has CPU, wall-clock and memory limits; the changed task data comes back.
"""

from __future__ import annotations

import builtins
from typing import Any

from flask import current_app, has_app_context
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from . import sandbox
from .bounds import is_bounded_expression, is_bounded_script, static_problem
from .restricted import (
    ALLOWED_BUILTIN_NAMES,
    DENIED_ATTRIBUTES,
    SCRIPT_FILENAME,
    Evaluator,
    ScriptLimitError,
    ScriptMemoryError,
    ScriptOverLimitError,
    ScriptRefusedError,
    ScriptTimeoutError,
    compile_expression,
    compile_script,
    default_helpers,
)
from .sandbox import SandboxUnavailableError

__all__ = [
    "ALLOWED_BUILTIN_NAMES",
    "DENIED_ATTRIBUTES",
    "SCRIPT_FILENAME",
    "RestrictedEnvironment",
    "SandboxUnavailableError",
    "ScriptFailedError",
    "ScriptLimitError",
    "ScriptMemoryError",
    "ScriptOverLimitError",
    "ScriptRefusedError",
    "ScriptTimeoutError",
    "caused_by_limit",
    "lint_expression",
    "lint_script",
    "make_script_engine",
]

DEFAULT_MAX_RANGE = 100_000
_MISSING = object()
_OWN_ERRORS: dict[str, type[Exception]] = {
    cls.__name__: cls
    for cls in (ScriptRefusedError, ScriptOverLimitError, ScriptTimeoutError, ScriptMemoryError, ScriptLimitError)
}


class ScriptFailedError(RuntimeError):
    """Diagram code failed in its worker with an error that is not a builtin exception."""


def _rebuild(name: str, args: tuple[Any, ...]) -> Exception:
    """Recreate, in this process, the error diagram code raised in its worker."""
    cls = _OWN_ERRORS.get(name) or getattr(builtins, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        try:
            return cls(*args)
        except Exception:  # noqa: S110 - an exception class with a special signature
            pass
    return ScriptFailedError(f"{name}: {', '.join(map(str, args))}")


def _apply(context: dict[str, Any], new: dict[str, Any]) -> None:
    """Make `context` equal to the task data a script left, keeping unchanged values as they are."""
    for key in [k for k in context if k not in new]:
        del context[key]
    for key, value in new.items():
        old = context.get(key, _MISSING)
        if old is _MISSING or type(old) is not type(value) or old != value:
            context[key] = value


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluate and execute diagram code with RestrictedPython guards, no modules and hard limits."""

    def __init__(
        self, time_limit: float = 2.0, max_range: int = DEFAULT_MAX_RANGE, memory_mb: int = 256, workers: int = 2
    ) -> None:
        super().__init__(default_helpers())
        self.time_limit = time_limit
        self.max_range = max_range
        self.memory_mb = memory_mb
        self.workers = workers
        self.local = Evaluator(time_limit, max_range)
        self.in_process = 0  # evaluations that static bounds allowed here (read by tests and the bench)
        self.in_worker = 0

    def _remote(self, kind: str, source: str, context: dict[str, Any], external: Any) -> tuple[Any, Any]:
        request = (kind, source, context, dict(external or {}), self.time_limit, self.max_range)
        reply = sandbox.pool(self.memory_mb, self.workers).run(request, self.time_limit)
        self.in_worker += 1
        if reply[0] == "ok":
            return reply[1], reply[2]
        if reply[0] == "limit":
            raise (ScriptMemoryError if reply[1] == "memory" else ScriptTimeoutError)(reply[2])
        raise _rebuild(reply[1], tuple(reply[2]))

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        compile_expression(expression)  # a refusal is raised here, before any process is involved
        if is_bounded_expression(expression):
            self.in_process += 1
            return self.local.evaluate(expression, context, external_context)
        return self._remote("eval", expression, context, external_context)[0]

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        compile_script(script)
        if is_bounded_script(script):
            self.in_process += 1
            self.local.execute(script, context, external_context)
            return True
        _, new = self._remote("exec", script, context, external_context)
        _apply(context, new)
        return True


def make_script_engine(
    time_limit: float = 2.0, max_range: int = DEFAULT_MAX_RANGE, memory_mb: int = 256, workers: int = 2
) -> PythonScriptEngine:
    """Return a script engine that runs everything through the restricted environment."""
    return PythonScriptEngine(environment=RestrictedEnvironment(time_limit, max_range, memory_mb, workers))


def caused_by_limit(exc: BaseException) -> bool:
    """Whether an error (an incident, a SpiffWorkflow task error …) comes from a script past a limit.

    Past a limit: stopped by the worker's time, CPU or memory limit, or refused by a guard because
    one operation's result would be too large.
    """
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, (ScriptLimitError, ScriptOverLimitError)):
            return True
        inner = getattr(e, "exception", None)
        todo.extend([e.__cause__, e.__context__, inner if isinstance(inner, BaseException) else None])
    return False


def _max_range() -> int:
    if has_app_context():
        return int(current_app.config["ZLW"].script_max_range)
    return DEFAULT_MAX_RANGE


def lint_expression(source: str) -> str | None:
    """Return why an expression would be refused (policy or a limit visible in the source), or None."""
    try:
        compile_expression(source)
        return static_problem(source, "eval", _max_range())
    except ScriptRefusedError as exc:
        return str(exc)


def lint_script(source: str) -> str | None:
    """Return why a script would be refused (policy or a limit visible in the source), or None."""
    try:
        compile_script(source)
        return static_problem(source, "exec", _max_range())
    except ScriptRefusedError as exc:
        return str(exc)
