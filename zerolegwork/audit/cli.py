"""`flask zlw audit seal|verify`: chain waiting audit events; check the whole chain."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..extensions import db
from . import chain, services


@click.group("audit")
def audit_group() -> None:
    """Seal and verify the audit event hash chain."""


@audit_group.command("seal")
@with_appcontext
def seal_cmd() -> None:
    """Chain every audit event not yet sealed."""
    count = chain.seal()
    db.session.commit()
    click.echo(f"sealed {count} audit event(s)")


@audit_group.command("verify")
@with_appcontext
def verify_cmd() -> None:
    """Seal, then check the whole chain; print the head, or the first bad row and exit 1."""
    sealed = chain.seal()
    db.session.commit()  # release the seal lock before the long read
    report = services.check_chain()
    db.session.commit()
    click.echo(f"sealed {sealed} audit event(s)")
    click.echo(report.describe())
    if not report.ok:
        sys.exit(1)
