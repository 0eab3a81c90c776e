"""Platform step hooks: the domain work a step does when a person completes it.

A form names a hook (`"hook": "review_plan"`); the module that owns the step's domain registers it
at import (`hooks.register("review_plan", check=..., after=...)`). On completion, once the engine
is about to finish the task (the last level of a department's chain):
- `check(user, task, answers)` runs under the instance lock, before the engine moves; it refuses by
  raising FormValidationError (field -> Chinese message) and may add keys to `answers` (what it
  wrote: a panel's id, a manifest's digest), which the task's data keeps;
- `after(user, task, result)` runs after the engine moved, in the same transaction.
Either failing rolls the whole completion back: a step's domain work and its answers land together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # nothing of the engine at run time: the catalog reads this registry
    from ..orgs.models import User
    from .models import HumanTask
    from .steps import StepResult

Check = Callable[["User", "HumanTask", dict[str, Any]], None]
After = Callable[["User", "HumanTask", "StepResult"], None]


@dataclass
class Summary:
    """What the task page shows of the step's domain beside the form: a titled list and links."""

    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url)


Summarize = Callable[["User", "HumanTask", dict[str, Any]], Summary | None]


@dataclass(frozen=True)
class StepHook:
    name: str
    check: Check | None = None
    after: After | None = None
    summary: Summarize | None = None  # (user, task, the task's data) -> what the page shows of the domain


_HOOKS: dict[str, StepHook] = {}


def register(
    name: str, *, check: Check | None = None, after: After | None = None, summary: Summarize | None = None
) -> None:
    """Register (or replace) the hook a form names by `name`."""
    _HOOKS[name] = StepHook(name, check, after, summary)


def summary_of(form: dict[str, Any], user: User, task: HumanTask, data: dict[str, Any]) -> Summary | None:
    """The task page's summary of the step's domain, when the form's hook gives one."""
    hook = _HOOKS.get(form.get("hook") or "")
    return hook.summary(user, task, data) if hook is not None and hook.summary is not None else None


def hook_of(name: str) -> StepHook:
    """The registered hook; a form naming an unknown one cannot be completed (a deployment mistake)."""
    hook = _HOOKS.get(name)
    if hook is None:
        raise LookupError(f"no step hook {name!r} is registered")
    return hook


def names() -> frozenset[str]:
    """Every registered hook's name (check-bpmn warns about a form naming another)."""
    return frozenset(_HOOKS)


def last_level(task: HumanTask) -> bool:
    """Does completing the task now finish its engine task (not only one level of a chain of posts)?"""
    return not task.chain or task.chain_pos >= len(task.chain) - 1
