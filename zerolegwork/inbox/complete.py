"""Completing a task, as one orchestration: claim, countersign, engine, record, project.

A completion refuses a task a colleague has claimed, refuses while countersign invitations of the
step are open, checks the form's required evidence and record, runs the engine (which locks the
instance), withdraws invitations of a step left behind, ends the claim when the task moved to the
next post, writes the form's record and lets the project follow the outcome. It flushes, never commits.
"""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _

from ..audit import services as audit
from ..engine import hooks, runtime
from ..engine.forms import FormValidationError
from ..engine.models import HumanTask, HumanTaskState
from ..engine.routing import Actor
from ..extensions import db
from ..files import services as files
from ..files.slots import slots_of
from ..orgs.models import User
from ..projects import services as projects
from ..records import services as records
from . import claims, countersign
from .errors import CountersignError, TaskClaimedError

READY = HumanTaskState.READY.value


def complete(user: User, task_id: int, answers: dict[str, Any]) -> runtime.StepResult:
    """Complete a task as `user` and let the project follow the outcome (flush only).

    A task a colleague has claimed is refused (TaskClaimedError) before the engine runs. When
    a level of a department's chain is done, the claim ends: the task moves on to the next post.
    """
    # one read says who holds the task and whether its step still waits for countersigns; whoever
    # is not of the task's organisation learns nothing here: the runtime answers them 404
    held = claims.claim_of(user.id, task_id)
    if held is not None and held.state == READY and held.org_code == user.org.code:
        if held.blocks(user.id):
            raise TaskClaimedError(task_id, held.holder_id or 0, held.holder_name)
        if held.countersign_open:
            raise CountersignError("pending")
    # the runtime reads the user's standing towards the task's post together with its lock
    actor = Actor(user.id, user.display_name, user.org.code, user.org.name)
    with audit.batched():  # every audit event of the completion in one statement
        return _complete(user, task_id, answers, actor, held)


def _complete(
    user: User, task_id: int, answers: dict[str, Any], actor: Actor, held: claims.Claim | None
) -> runtime.StepResult:
    hooked: list[tuple[HumanTask, hooks.StepHook]] = []
    result = runtime.complete_task(task_id, answers, actor, check=_evidence_and_record_check(user, task_id, hooked))
    if held is not None and held.countersigned:
        countersign.withdraw_stale(task_id)
    if held is not None and held.holder_id is not None and task_id in result.new_task_ids:
        claims.clear_claim(task_id)
    if result.record and result.project_id is not None:
        records.write(result.record, result.project_id, result.answers, user.id, result.task_id)
    projects.follow_outcome(result.project_id, result.data, result.previous_data)
    if hooked and result.task_id is not None:
        task, hook = hooked[0]
        if hook.after is not None:
            hook.after(user, task, result)
    return result


def _evidence_and_record_check(
    user: User, task_id: int, hooked: list[tuple[HumanTask, hooks.StepHook]]
) -> runtime.AnswerCheck:
    """Refuse a completion whose form's required evidence is not uploaded or whose record does not add up.

    A form naming a step hook has it checked last, when the completion finishes the engine task; the
    hook goes into `hooked` for its `after` part.
    """

    def check(form: Any, answers: dict[str, Any], project_id: int | None) -> None:
        evidence_and_record(form, answers, project_id)
        if form.get("hook"):
            task = db.session.get(HumanTask, task_id)
            if task is not None and hooks.last_level(task):
                hook = hooks.hook_of(form["hook"])
                if hook.check is not None:
                    hook.check(user, task, answers)
                hooked.append((task, hook))

    def evidence_and_record(form: Any, answers: dict[str, Any], project_id: int | None) -> None:
        if not form.get("record") and not form.get("evidence"):
            return  # most department forms: nothing to check, nothing to read
        errors: dict[str, str] = {}
        if form.get("record"):
            errors.update(records.validate(form["record"], answers, project_id))
        slots = slots_of(form)
        if project_id is not None and any(s.required for s in slots):
            missing = files.missing_evidence(user, project_id, slots)
            if missing:
                loc = "en" if str(get_locale()) == "en" else "zh_CN"
                names = "、".join(m.title(loc) for m in missing)
                errors["_form"] = _("Upload the required documents first: %(names)s", names=names)
        if errors:
            raise FormValidationError(errors)

    return check
