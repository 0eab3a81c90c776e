"""Payments sent by the finance system (/api/v1/projects/<id>/payments): every item checked, then all or none.

The shape of each item is the API schema's (strings, so an amount never passes through a float); its content
is the payment form's own check (funds.services.parse_payment). Every item's problems are reported together,
by the item's index, before anything is written; funds.imports.import_payments then enters them in one go.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError

from ..api.errors import BadRequestError, PaymentRowsError
from ..api.schemas import MAX_PAYMENTS, PaymentInSchema
from ..funds.errors import PaymentImportError, PaymentNotFoundError
from ..funds.imports import FIELD_LABELS, import_payments
from ..funds.models import PaymentEntry
from ..funds.services import Vocabulary, parse_payment
from ..orgs.models import User
from ..projects.errors import ProjectNotFoundError
from ..projects.models import Project


def enter_payments(user: User, project: Project, body: Any) -> list[int]:
    """Enter the payments of `body` (a JSON list) for the project (flush only); their ids in order."""
    if not isinstance(body, list) or not body:
        raise BadRequestError({"_body": [_("Send a JSON list of payments.")]})
    if len(body) > MAX_PAYMENTS:
        raise BadRequestError({"_body": [_("Send at most %(n)s payments at once.", n=MAX_PAYMENTS)]})
    schema = PaymentInSchema()
    vocabulary = Vocabulary.of(project.id)
    rows: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    for index, raw in enumerate(body):
        try:
            row = schema.load(raw)
        except ValidationError as exc:
            errors[str(index)] = _messages(exc.messages)
            continue
        _fields, problems = parse_payment(row, vocabulary)
        if problems:
            errors[str(index)] = [f"{FIELD_LABELS.get(n, n)}: {m}" for n, m in problems.items()]
        rows.append({**row, "row": index + 1})
    if errors:
        raise PaymentRowsError(errors)
    try:
        made = import_payments(user, project, rows, entry=PaymentEntry.API)
    except PaymentNotFoundError:
        raise ProjectNotFoundError(str(project.id)) from None
    except PaymentImportError as exc:  # checked above already; kept for a check the import adds later
        raise PaymentRowsError({str(max(r - 1, 0)): [m] for r, m in exc.problems}) from None
    return [p.id for p in made]


def _messages(found: Any) -> list[str]:
    if isinstance(found, dict):
        return [
            f"{FIELD_LABELS.get(n, n)}: {'; '.join(map(str, m)) if isinstance(m, list) else m}"
            for n, m in found.items()
        ]
    return [str(m) for m in (found if isinstance(found, list) else [found])]
