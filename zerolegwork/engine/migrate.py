"""Move running instances from one version of a process to another (issue 14 item 4).

An instance may move only when it has not reached anything the change touches: impact analysis
(impact.py) finds every instance waiting at or having passed a changed or removed element, and each
of those is refused with the elements named. A safe instance is restored on its own version, its
task tree re-pointed at the target's task specs of the same ids, and saved pinned to the target. Its
people's task rows stay as they are, and the ids of its waiting tasks must not change: an instance
whose waiting tasks would be made anew is refused. Each move writes one audit event; a dry run
decides the same and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update

from ..audit import services as audit
from ..db import utcnow
from ..extensions import db
from .diff import diff_bundles, element_names
from .impact import Affected, affected_instances
from .models import InstanceState, ProcessDefinition, ProcessInstance
from .specs import build_spec
from .state import SERIALIZER, dump_live, load_state, next_timer, spec_for, visited_nodes
from .steps import ready_manual
from .store import archive, lock_instance

LIVE = (InstanceState.RUNNING, InstanceState.INCIDENT, InstanceState.SUSPENDED)


@dataclass
class Outcome:
    """What became (or, in a dry run, would become) of one instance."""

    instance_id: int
    project_id: int | None
    from_version: int | None
    moved: bool
    reasons: list[str] = field(default_factory=list)
    # the same as (code, detail) for a page to say in its language: waiting / passed (a step's name),
    # missing (step ids), other_process, already (a version), not_running (a state), gone, ended,
    # remade, raced
    codes: list[tuple[str, str]] = field(default_factory=list)

    def refuse(self, code: str, detail: str, reason: str) -> None:
        self.codes.append((code, detail))
        self.reasons.append(reason)


class MigrationError(ValueError):
    """The request itself cannot be carried out (an unknown target version)."""


def migrate_instances(
    instance_ids: Iterable[int], target_id: int, actor_id: int | None, dry_run: bool = False
) -> list[Outcome]:
    """Move each instance that is safe to the target version; refuse the rest with their reasons."""
    target = db.session.get(ProcessDefinition, target_id)
    if target is None:
        raise MigrationError(f"no process version {target_id}")
    ids = sorted(set(instance_ids))
    rows = db.session.execute(
        select(
            ProcessInstance.id,
            ProcessInstance.definition_id,
            ProcessInstance.process_id,
            ProcessInstance.status,
            ProcessInstance.project_id,
        ).where(ProcessInstance.id.in_(ids))
    ).all()
    found = {r.id: r for r in rows}
    sources = {r.definition_id for r in rows if r.process_id == target.process_id and r.definition_id != target_id}
    versions = dict(
        db.session.execute(
            select(ProcessDefinition.id, ProcessDefinition.version).where(
                ProcessDefinition.id.in_(sources | {r.definition_id for r in rows})
            )
        ).all()
    )
    touched: dict[int, Affected] = {}
    names: dict[str, str] = element_names(target.bundle)
    for source_id in sources:
        source = db.session.get(ProcessDefinition, source_id)
        assert source is not None
        names = {**names, **element_names(source.bundle)}  # the names the instance knows
        touched.update(
            (a.instance_id, a) for a in affected_instances([source_id], diff_bundles(source.bundle, target.bundle))
        )
    built = build_spec(target.process_id, target.sha256, lambda: target.bundle)
    out = []
    for instance_id in ids:
        row = found.get(instance_id)
        outcome = Outcome(
            instance_id, row.project_id if row else None, versions.get(row.definition_id) if row else None, False
        )
        out.append(outcome)
        if row is None:
            outcome.refuse("gone", "", "no such instance")
        elif row.process_id != target.process_id:
            outcome.refuse("other_process", row.process_id, f"runs another process ({row.process_id})")
        elif row.definition_id == target_id:
            outcome.refuse("already", str(target.version), f"already runs v{target.version}")
        elif row.status not in LIVE:
            outcome.refuse("not_running", row.status, f"not running ({row.status})")
        elif instance_id in touched:
            _why(outcome, touched[instance_id], names)
        else:
            _move(outcome, target, built, actor_id, dry_run)
    return out


def _why(outcome: Outcome, affected: Affected, names: dict[str, str]) -> None:
    for _p, e in sorted(affected.waiting):
        outcome.refuse("waiting", names.get(e, e), f"waiting at a changed step: {names.get(e, e)} ({e})")
    for _p, e in sorted(affected.passed):
        outcome.refuse("passed", names.get(e, e), f"has passed a changed step: {names.get(e, e)} ({e})")


def _repoint(workflow: Any, spec: Any) -> list[str]:
    """Point every task of a (sub-)workflow at the target's task spec of the same id; return the ids it lacks.

    By id, not by SpiffWorkflow's alignment (`SpecDiff`), which follows outputs from the start and so
    leaves a multi-instance task's child spec on the old version: its parent would then never see its
    children complete. Every task keeps its state and data (SpiffWorkflow's `migrate_workflow` resets
    ready and waiting tasks, which drops a department sign-off's department and restarts timers).
    """
    workflow.spec = spec
    missing = []
    for task in workflow.tasks.values():
        new = spec.task_specs.get(task.task_spec.name)
        if new is None:
            missing.append(task.task_spec.name)
        else:
            task.task_spec = new
    if not missing:
        _predict_again(workflow)
    return missing


_AHEAD = TaskState.PREDICTED_MASK | TaskState.FUTURE


def _predict_again(workflow: Any) -> None:
    """Lay out what lies ahead from the new specs: below each first task not yet reached (a child of a
    task that is running, waiting or done), drop the predicted tree and predict it again. A step added
    after the tally, say, is then on the path; the tasks reached keep their state and data."""
    frontier = [
        t for t in workflow.tasks.values() if t.has_state(_AHEAD) and not (t.parent and t.parent.has_state(_AHEAD))
    ]
    for task in frontier:
        if task.id in workflow.tasks:
            task._drop_children(force=True)
            task.task_spec._predict(task, mask=_AHEAD)


def _move(outcome: Outcome, target: ProcessDefinition, built, actor_id: int | None, dry_run: bool) -> None:  # type: ignore[no-untyped-def]
    row = lock_instance(outcome.instance_id)
    if row is None or row.status not in LIVE:
        outcome.refuse("ended", "", "ended meanwhile")
        return
    workflow = load_state(row.state, spec_for(row))
    waiting_before = set(ready_manual(workflow))
    missing = _repoint(workflow, built.spec)
    for sub in workflow.subprocesses.values():
        target_sub = built.subprocess_specs.get(sub.spec.name)
        if target_sub is None:
            missing.append(sub.spec.name)
        else:
            missing += _repoint(sub, target_sub)
    workflow.subprocess_specs = built.subprocess_specs
    if missing:
        lacking = ", ".join(sorted(set(missing)))
        outcome.refuse("missing", lacking, f"the target lacks steps it holds: {lacking}")
        return
    if set(ready_manual(workflow)) != waiting_before:
        outcome.refuse("remade", "", "its waiting tasks would be made anew")
        return
    outcome.moved = True
    if dry_run:
        return
    visited = visited_nodes(workflow, row.visited)
    state, archived = dump_live(workflow)
    done = db.session.execute(
        update(ProcessInstance)
        .where(ProcessInstance.id == row.id, ProcessInstance.version == row.version)
        .values(
            definition_id=target.id,
            spec_hash=target.sha256,
            state=state,
            serializer_version=SERIALIZER.VERSION,
            next_timer_at=next_timer(workflow),
            visited=visited,
            version=row.version + 1,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        outcome.moved = False
        outcome.refuse("raced", "", "changed meanwhile; try again")
        return
    if archived:  # finished called processes leave the live state, as on every save
        archive(row.id, [(a.task_guid, a.process_id, a.state) for a in archived])
    audit.record(
        "instance.migrate",
        "process_instance",
        row.id,
        actor_id,
        process=target.process_id,
        before={"version": outcome.from_version, "definition_id": row.definition_id},
        after={"version": target.version, "definition_id": target.id},
    )
