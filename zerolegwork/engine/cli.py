"""`flask zlw engine compact [--dry-run]`, `flask zlw engine diff` and `flask zlw engine migrate`.

Stored instances made compact, and what deploying a change would touch.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("engine")
def engine_group() -> None:
    """Process engine maintenance."""


@engine_group.command("compact")
@click.option("--dry-run", is_flag=True, help="Report bytes before and after; change nothing.")
@click.option("--instance", "instance_ids", type=int, multiple=True, help="Only this instance (repeatable).")
@with_appcontext
def compact_cmd(dry_run: bool, instance_ids: tuple[int, ...]) -> None:
    """Prune earlier loop visits and archive finished called processes of every stored instance."""
    from .compact import compact_instances

    before = after = archived = count = 0
    for c in compact_instances(dry_run, list(instance_ids) or None):
        count += 1
        before += c.bytes_before
        after += c.bytes_after
        archived += c.archived_bytes
        click.echo(
            f"instance {c.instance_id} ({c.process_id}, {c.status}): "
            f"{c.bytes_before:,} -> {c.bytes_after:,} bytes live,"
            f" {c.pruned} task(s) pruned, {c.archived} called process(es) archived ({c.archived_bytes:,} bytes)"
        )
    verb = "would keep" if dry_run else "kept"
    click.echo(
        f"{count} instance(s): {before:,} -> {after:,} bytes live; {verb} {archived:,} bytes in instance_archive"
        + (" (dry run: nothing changed)" if dry_run else "")
    )


@engine_group.command("diff")
@click.option("--bpmn-dir", type=click.Path(file_okay=False), help="Diagrams to compare (default ZLW_BPMN_DIR).")
@click.option("--forms-dir", type=click.Path(file_okay=False), help="Forms (default ZLW_FORMS_DIR).")
@click.argument("process_ids", nargs=-1)
@with_appcontext
def diff_cmd(bpmn_dir: str | None, forms_dir: str | None, process_ids: tuple[str, ...]) -> None:
    """What deploying the diagrams would change against the live versions, and the running instances it touches."""
    from flask import current_app

    from .catalog import load_catalog

    cfg = current_app.config["ZLW"]
    catalog = load_catalog(bpmn_dir or cfg.bpmn_dir, forms_dir or cfg.forms_dir)
    for problem in catalog.problems:
        click.echo(str(problem), err=True)
    wanted = sorted(process_ids) or sorted(catalog.bundles)
    unknown = [pid for pid in wanted if pid not in catalog.bundles]
    if unknown:
        raise click.ClickException(f"not among the good diagrams: {', '.join(unknown)}")
    for pid in wanted:
        for line in describe_draft(pid, catalog.bundles[pid].as_dict()):
            click.echo(line)


def describe_draft(process_id: str, draft: dict) -> list[str]:  # type: ignore[type-arg]
    """Lines saying what a draft changes against the live version and which running instances it touches."""
    from sqlalchemy import func, select

    from ..extensions import db
    from .deploy import versions_of
    from .diff import diff_bundles
    from .impact import affected_instances
    from .models import InstanceState, ProcessInstance

    versions = versions_of(process_id)
    if not versions:
        return [f"{process_id}: new process (not deployed yet)"]
    live = versions[0]
    diff = diff_bundles(live.bundle, draft)
    if diff.empty:
        return [f"{process_id}: same as the live version v{live.version}"]
    lines = [f"{process_id}: draft against the live version v{live.version}"]
    for c in diff.elements:
        what = "; ".join(f"{aspect}: {before or '—'} → {after or '—'}" for aspect, (before, after) in c.aspects.items())
        lines.append(f"  {c.kind} {c.element_type} {c.element_id} {c.name}".rstrip() + (f": {what}" if what else ""))
    for d in diff.decisions:
        lines.append(
            f"  {d.kind} decision {d.decision_id} {d.name}".rstrip() + "".join(f"\n    {x}" for x in d.details)
        )
    running = dict(
        db.session.execute(
            select(ProcessInstance.definition_id, func.count())
            .where(
                ProcessInstance.process_id == process_id,
                ProcessInstance.status.in_([InstanceState.RUNNING, InstanceState.INCIDENT]),
            )
            .group_by(ProcessInstance.definition_id)
        ).all()
    )
    for version in versions:
        if not running.get(version.id):
            continue
        against = diff if version is live else diff_bundles(version.bundle, draft)
        found = list(affected_instances([version.id], against))
        lines.append(
            f"  v{version.version}: {running[version.id]} running, {len(found)} affected,"
            f" {running[version.id] - len(found)} only before every change"
        )
        for a in found:
            parts = []
            if a.waiting:
                holders = f" ({', '.join(sorted(a.holders))})" if a.holders else ""
                parts.append("waiting at " + ", ".join(e for _, e in sorted(a.waiting)) + holders)
            if a.passed:
                parts.append("passed " + ", ".join(e for _, e in sorted(a.passed)))
            lines.append(f"    instance {a.instance_id} project {a.project_id}: {'; '.join(parts)}")
    return lines


@engine_group.command("migrate")
@click.argument("process_id")
@click.option("--to", "to_version", type=int, help="The target version (default: the live one).")
@click.option("--from", "from_versions", type=int, multiple=True, help="Move instances of this version (repeatable).")
@click.option("--instance", "instance_ids", type=int, multiple=True, help="Only this instance (repeatable).")
@click.option("--dry-run", is_flag=True, help="Say what would move and why the others stay; change nothing.")
@with_appcontext
def migrate_cmd(
    process_id: str,
    to_version: int | None,
    from_versions: tuple[int, ...],
    instance_ids: tuple[int, ...],
    dry_run: bool,
) -> None:
    """Move running instances to another version: only those that reached nothing the change touches."""
    from sqlalchemy import select

    from ..extensions import db
    from .migrate import migrate_instances
    from .models import InstanceState, ProcessDefinition, ProcessInstance

    versions = {
        d.version: d
        for d in db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.process_id == process_id))
    }
    if not versions:
        raise click.ClickException(f"{process_id} is not deployed")
    number = to_version or max(versions)
    if number not in versions:
        raise click.ClickException(f"{process_id} has no version {number}")
    target = versions[number]
    ids = list(instance_ids)
    if not ids:
        sources = [versions[v].id for v in from_versions if v in versions] or [
            d.id for d in versions.values() if d.id != target.id
        ]
        ids = list(
            db.session.scalars(
                select(ProcessInstance.id)
                .where(
                    ProcessInstance.definition_id.in_(sources),
                    ProcessInstance.status.in_([InstanceState.RUNNING, InstanceState.INCIDENT]),
                )
                .order_by(ProcessInstance.id)
            )
        )
    moved = 0
    for start in range(0, len(ids), 200):
        for o in migrate_instances(ids[start : start + 200], target.id, None, dry_run=dry_run):
            moved += o.moved
            verb = ("would move" if dry_run else "moved") if o.moved else "stays"
            why = f": {'; '.join(o.reasons)}" if o.reasons else ""
            click.echo(f"instance {o.instance_id} project {o.project_id} v{o.from_version} {verb}{why}")
        if not dry_run:
            db.session.commit()
    click.echo(
        f"{len(ids)} instance(s): {moved} {'would move' if dry_run else 'moved'} to v{number},"
        f" {len(ids) - moved} stay" + (" (dry run: nothing changed)" if dry_run else "")
    )
