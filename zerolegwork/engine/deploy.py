"""Deploy a checked catalog: one ProcessDefinition row per process and content hash."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from ..audit import services as audit
from ..extensions import db
from .catalog import Catalog
from .models import ProcessDefinition


@dataclass
class DeployReport:
    """Which processes got a new version, which were unchanged, which were refused."""

    deployed: dict[str, int] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def versions_of(process_id: str) -> list[ProcessDefinition]:
    """Every deployed version of a process, newest (the live one) first."""
    return list(
        db.session.scalars(
            select(ProcessDefinition)
            .where(ProcessDefinition.process_id == process_id)
            .order_by(ProcessDefinition.version.desc())
        )
    )


def live_definition(process_id: str) -> ProcessDefinition | None:
    """The newest deployed version of a process (None when it was never deployed)."""
    return db.session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_id == process_id)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    ).first()


def deploy_catalog(
    catalog: Catalog, actor_id: int | None = None, note: str | None = None, only: set[str] | None = None
) -> DeployReport:
    """Store each good bundle once per hash; a refused process keeps its last good version live.

    `only` limits the deployment to these processes (a draft deployed from the browser); `note` is
    the change note kept with every new version.
    """
    report = DeployReport(refused=sorted(catalog.refused if only is None else catalog.refused & only))
    for pid, bundle in sorted(catalog.bundles.items()):
        if only is not None and pid not in only:
            continue
        sha = bundle.sha256
        latest = live_definition(pid)
        if latest is not None and latest.sha256 == sha:
            report.unchanged.append(pid)
            continue
        version = (latest.version if latest else 0) + 1
        db.session.add(
            ProcessDefinition(
                process_id=pid,
                version=version,
                sha256=sha,
                bundle=bundle.as_dict(),
                deployed_by_id=actor_id,
                note=note or None,
            )
        )
        report.deployed[pid] = version
        audit.record("process.deploy", "process_definition", pid, actor_id, version=version, sha256=sha, note=note)
    db.session.flush()
    return report
