"""`flask zlw engine compact [--dry-run]`: migrate stored instances to the compact live state."""

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
