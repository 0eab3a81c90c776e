"""A review case (评审案卷): one application to a call under review by the `review` process."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..calls.models import CallApplication, ProjectCall
from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..orgs.models import Organisation


class CaseState(StrEnum):
    IN_REVIEW = "in_review"
    EXCLUDED = "excluded"  # 确定项目 answered "do not review"
    CONCLUDED = "concluded"  # 综合评定 done: scores frozen, verdict and amount set
    ARCHIVED = "archived"  # 资料归档 done: the dossier's manifest is frozen


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 (通过, not a password)
    PASS_AFTER_REVISION = "pass_after_revision"  # noqa: S105 (修改后通过)
    FAIL = "fail"  # 不通过


class ReviewCase(db.Model):
    """The review of one application: its process instance, plan, panel, conclusion and archive."""

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("project_call.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("call_application.id"), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    review_centre_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    panel_id: Mapped[int | None] = mapped_column(ForeignKey("review_panel.id"))
    state: Mapped[str] = mapped_column(String(20), default=CaseState.IN_REVIEW, index=True)
    # the 制定方案 answers: method, mix, aggregation, dates, which optional steps
    plan: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    score: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    verdict: Mapped[str | None] = mapped_column(String(30))
    recommended_amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 4))
    opinion: Mapped[str | None] = mapped_column(String(5000))
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # [{kind, name, sha256, size}] in a stable order; manifest_sha256 digests its canonical JSON
    manifest: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    manifest_sha256: Mapped[str | None] = mapped_column(String(64))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    call: Mapped[ProjectCall] = relationship(foreign_keys=[call_id])
    application: Mapped[CallApplication] = relationship(foreign_keys=[application_id])
    review_centre: Mapped[Organisation] = relationship(foreign_keys=[review_centre_id])


__all__ = ["CaseState", "ReviewCase", "Verdict"]
