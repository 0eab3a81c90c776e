"""A review's dossier: what the result carries into the library, and the manifest that freezes it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select

from ..audit import services as audit
from ..experts import panels
from ..experts.models import ReviewPanel, ScoreSheet
from ..extensions import db
from ..files.models import Attachment
from ..orgs.models import User
from .models import ReviewCase

# the evidence slots the review's own forms declare (forms/review_*.json)
REVIEW_SLOTS = ("review_supplement", "review_minutes", "review_answers", "review_survey_photo")


def canonical(value: Any) -> bytes:
    """The JSON a digest is taken of: sorted keys, no spaces, UTF-8, decimals as strings."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def digest(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def documents(case: ReviewCase) -> dict[str, Any]:
    """The review's own records, as data: plan, draw, scores, conclusion."""
    docs: dict[str, Any] = {"plan": case.plan or {}}
    panel = db.session.get(ReviewPanel, case.panel_id) if case.panel_id else None
    if panel is not None:
        record = panels.record_of(panel)
        docs["draw"] = {
            "seed": record.seed,
            "mix": record.mix,
            "candidates": [c["expert_id"] for c in record.candidates],
            "exclusions": record.exclusions,
            "chosen": record.chosen,
            "replacements": record.replacements,
        }
        sheets = db.session.scalars(select(ScoreSheet).where(ScoreSheet.panel_id == panel.id).order_by(ScoreSheet.id))
        docs["scores"] = [
            {
                "expert_id": s.member.expert_id,
                "items": {i.criterion: str(i.score) for i in s.items},
                "comments": {i.criterion: i.comment for i in s.items if i.comment},
                "opinion": s.opinion,
            }
            for s in sheets
        ]
    docs["conclusion"] = {
        "verdict": case.verdict,
        "score": str(case.score) if case.score is not None else None,
        "recommended_amount": str(case.recommended_amount) if case.recommended_amount is not None else None,
        "opinion": case.opinion,
    }
    return docs


def manifest(case: ReviewCase) -> tuple[list[dict[str, Any]], str]:
    """[{kind, name, sha256, size}] of every file and record of the review, and the digest of the whole list."""
    application = case.application
    ids = [int(i) for i in (application.attachments or {}).values()]
    files = list(
        db.session.scalars(
            select(Attachment)
            .where(
                (Attachment.id.in_(ids))
                | ((Attachment.project_id == case.project_id) & Attachment.slot.in_(REVIEW_SLOTS))
            )
            .where(Attachment.withdrawn_at.is_(None))
            .order_by(Attachment.id)
        )
    )
    entries = [
        {"kind": "file", "name": f"{a.slot}/{a.filename}", "sha256": a.sha256, "size": a.size, "attachment_id": a.id}
        for a in files
    ]
    for name, value in documents(case).items():
        body = canonical(value)
        entries.append({"kind": "record", "name": name, "sha256": hashlib.sha256(body).hexdigest(), "size": len(body)})
    return entries, digest(entries)


def use_result(user: User, case: ReviewCase) -> None:
    """结果运用: the concluded result enters the review library (once; a retried step keeps the first entry)."""
    from ..review_library import services as library  # the library stands on the reviews: import it late

    entry = library.enter(user, case)
    audit.record(
        "review.use",
        "review_case",
        case.id,
        user.id,
        after={"verdict": case.verdict, "score": str(case.score), "amount": str(case.recommended_amount or "")},
        library_entry_id=entry.id,
    )
