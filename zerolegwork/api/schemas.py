"""Marshmallow schemas of the data exchange API: what it answers, what it reads, and so its OpenAPI document.

Money (万元) and percentages travel as decimal strings with four places, never as JSON numbers, so no
system on either side ever rounds through a float. Dates are ISO 8601 (YYYY-MM-DD), timestamps ISO
8601 in UTC.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_dump, validate, validates_schema

from ..dictionaries import services as dictionaries
from ..projects.classification import STAGES
from ..projects.levels import LEVEL_NAMES
from ..projects.library import SORTS
from ..projects.models import ProjectState
from ..records.fields import SOURCES

MAX_PER_PAGE = 100
MAX_ARRANGEMENTS = 1000
# what an imported amount may be (the column holds 12 integer digits); answers always carry four places
AMOUNT_PATTERN = r"^-?[0-9]{1,12}(\.[0-9]{1,4})?$"
DECIMAL4_PATTERN = r"^-?[0-9]+\.[0-9]{4}$"
_AMOUNT_RE = re.compile(AMOUNT_PATTERN)


def money(**kwargs: Any) -> fields.Decimal:
    """A 万元 amount dumped as a string with four places."""
    meta = {"type": "string", "format": "decimal", "pattern": DECIMAL4_PATTERN, "example": "12800.0000"}
    meta.update(kwargs.pop("metadata", {}))
    return fields.Decimal(as_string=True, places=4, metadata=meta, **kwargs)


def percent(**kwargs: Any) -> fields.Decimal:
    meta = {"type": "string", "format": "decimal", "pattern": DECIMAL4_PATTERN, "example": "45.5000"}
    meta.update(kwargs.pop("metadata", {}))
    return fields.Decimal(as_string=True, places=4, metadata=meta, **kwargs)


class AmountField(fields.Field):
    """An amount read from a decimal string of at most four places; numbers are refused (they may be floats)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else format(Decimal(value).quantize(Decimal("0.0001")), "f")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        message = _('Send the amount as a decimal string with at most four places, such as "120.5000".')
        if not isinstance(value, str) or not _AMOUNT_RE.fullmatch(value):
            raise ValidationError(message)
        try:
            return Decimal(value)
        except InvalidOperation:
            raise ValidationError(message) from None


# -- what the API answers ---------------------------------------------------------------------------


class OrgRefSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class UnitSchema(OrgRefSchema):
    credit_code = fields.String(allow_none=True, metadata={"description": "统一社会信用代码"})


class RegionSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True, validate=validate.OneOf(list(LEVEL_NAMES)))


class ProjectSchema(Schema):
    """A project of the library (项目库) with its classification and money."""

    id = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "项目代码"})
    name = fields.String(required=True)
    unit = fields.Nested(UnitSchema, required=True)
    region = fields.Nested(RegionSchema, required=True)
    level = fields.String(required=True, validate=validate.OneOf(list(LEVEL_NAMES)))
    competent_department = fields.Nested(OrgRefSchema, allow_none=True, required=True)
    category = fields.String(required=True)
    investment_policy = fields.String(allow_none=True, required=True)
    industry_type = fields.String(allow_none=True, required=True)
    construction_mode = fields.String(allow_none=True, required=True)
    investment_mode = fields.String(allow_none=True, required=True)
    management_status = fields.String(required=True)
    planned_investment = money(required=True)
    cumulative_investment = money(required=True)
    start_year = fields.Integer(allow_none=True, required=True)
    end_year = fields.Integer(allow_none=True, required=True)
    state = fields.String(required=True, validate=validate.OneOf(list(ProjectState)))
    stage = fields.String(allow_none=True, required=True)
    created_at = fields.AwareDateTime(required=True)


class FundingSourceSchema(Schema):
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    amount = money(required=True)


class InvestmentPlanSchema(Schema):
    """A submitted investment plan; the highest version is the current one."""

    id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    total = money(required=True)
    term_years = fields.Integer(required=True)
    construction_cost = money(required=True)
    equipment_cost = money(required=True)
    other_cost = money(required=True)
    contingency = money(required=True)
    sources = fields.List(fields.Nested(FundingSourceSchema), required=True)
    created_at = fields.AwareDateTime(required=True)


class FundingSchema(Schema):
    """Money of a project by where it comes from: planned (current plan), arranged (budget), disbursed."""

    project_id = fields.Integer(required=True)
    plan_version = fields.Integer(allow_none=True, required=True)
    planned_total = money(allow_none=True, required=True)
    sources = fields.List(fields.Nested(FundingSourceSchema), required=True)
    budget_arranged_total = money(required=True)
    funds_disbursed = money(allow_none=True, required=True, metadata={"description": "cumulative, latest report"})


class ProcurementSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    method = fields.String(required=True)
    procurement_type = fields.String(required=True)
    budget = money(required=True)
    award_amount = money(required=True)
    savings = money(required=True, metadata={"description": "budget − award_amount"})
    winner = fields.String(required=True)
    awarded_on = fields.Date(required=True)
    created_at = fields.AwareDateTime(required=True)

    @pre_dump
    def with_savings(self, row: Any, **kwargs: Any) -> dict[str, Any]:
        values = {name: getattr(row, name) for name in self.fields if name != "savings"}
        return {**values, "savings": row.budget - row.award_amount}


class ContractSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    contract_type = fields.String(required=True)
    party_a = fields.String(required=True)
    party_b = fields.String(required=True)
    amount = money(required=True)
    signed_on = fields.Date(required=True)
    start_on = fields.Date(required=True)
    end_on = fields.Date(required=True)
    created_at = fields.AwareDateTime(required=True)


class ProgressReportSchema(Schema):
    """A monthly progress report; investment and disbursement are cumulative to the period's end."""

    id = fields.Integer(required=True)
    period = fields.String(required=True, metadata={"pattern": r"^[0-9]{4}-[0-9]{2}$"})
    time_progress = percent(allow_none=True, required=True)
    work_quantity_progress = percent(allow_none=True, required=True)
    investment_completed = money(allow_none=True, required=True)
    funds_disbursed = money(allow_none=True, required=True)
    image_note = fields.String(allow_none=True, required=True)
    construction_complete = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)


class OpinionSchema(Schema):
    """One department's decision in one round of the joint sign-off (会签)."""

    round_no = fields.Integer(allow_none=True, required=True)
    department = fields.String(allow_none=True, required=True)
    org_name = fields.String(allow_none=True, required=True)
    decision = fields.String(allow_none=True, required=True)
    opinion = fields.String(allow_none=True, required=True)
    signed_by = fields.String(allow_none=True, required=True)
    signed_at = fields.String(allow_none=True, required=True, metadata={"description": "ISO 8601, UTC"})


class SignoffSchema(Schema):
    outcome = fields.String(
        required=True, validate=validate.OneOf(["not_submitted", "pending", "approved", "returned"])
    )
    rounds = fields.Integer(required=True)
    opinions = fields.List(fields.Nested(OpinionSchema), required=True)


class AcceptanceSchema(Schema):
    id = fields.Integer(required=True)
    acceptance_type = fields.String(required=True)
    result = fields.String(required=True)
    accepted_on = fields.Date(required=True)
    organiser = fields.String(required=True)
    remarks = fields.String(allow_none=True, required=True)
    created_at = fields.AwareDateTime(required=True)


class EvaluationSchema(Schema):
    id = fields.Integer(required=True)
    stage = fields.String(required=True)
    score = percent(required=True)
    grade = fields.String(required=True)
    findings = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)


class ReviewsSchema(Schema):
    """The review results of a project: joint sign-off, acceptances, performance evaluations."""

    project_id = fields.Integer(required=True)
    signoff = fields.Nested(SignoffSchema, required=True)
    acceptances = fields.List(fields.Nested(AcceptanceSchema), required=True)
    performance_evaluations = fields.List(fields.Nested(EvaluationSchema), required=True)


class BudgetArrangementSchema(Schema):
    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    project_code = fields.String(required=True)
    year = fields.Integer(required=True)
    amount = money(required=True)
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    document_no = fields.String(required=True)
    arranged_on = fields.Date(required=True)
    created_at = fields.AwareDateTime(required=True)


class ImportResultSchema(Schema):
    created = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    items = fields.List(fields.Nested(BudgetArrangementSchema), required=True)


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"description": "what went wrong, in Chinese"})
    status = fields.Integer(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "per field, or per item index of a list (then per field): the messages"},
    )


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """The pagination envelope {items, page, per_page, total} around `item`."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item), required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
            "total": fields.Integer(required=True),
        },
        name=name,
    )


# -- what the API reads -----------------------------------------------------------------------------


class PageArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


def _vocabulary(name: str) -> fields.String:
    def known(value: str) -> None:  # read when a request is validated, so dictionary edits count
        if value not in dictionaries.names(name, active_only=False):
            raise ValidationError(validate.OneOf.default_message)

    return fields.String(validate=known)


class ProjectArgsSchema(PageArgsSchema):
    """The project list's filters (the same as the project library page's) and its sort."""

    q = fields.String(validate=validate.Length(max=100), metadata={"description": "in the name or the code"})
    region_id = fields.Integer(validate=validate.Range(min=1, max=999_999_999))
    competent_department_id = fields.Integer(validate=validate.Range(min=1, max=999_999_999))
    level = fields.String(validate=validate.OneOf(list(LEVEL_NAMES)))
    category = _vocabulary("category")
    investment_policy = _vocabulary("investment_policy")
    industry_type = _vocabulary("industry_type")
    construction_mode = _vocabulary("construction_mode")
    investment_mode = _vocabulary("investment_mode")
    management_status = _vocabulary("management_status")
    state = fields.String(validate=validate.OneOf(list(ProjectState)))
    stage = fields.String(validate=validate.OneOf(list(STAGES)))
    sort = fields.String(validate=validate.OneOf(list(SORTS)))
    dir = fields.String(validate=validate.OneOf(["asc", "desc"]))


class ArrangementArgsSchema(PageArgsSchema):
    project_id = fields.Integer(validate=validate.Range(min=1, max=999_999_999))
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))


class ArrangementInSchema(Schema):
    """One budget arrangement to import: the project by its id or by its code (项目代码)."""

    class Meta:
        unknown = EXCLUDE

    project_id = fields.Integer(validate=validate.Range(min=1, max=999_999_999))
    project_code = fields.String(validate=validate.Length(min=1, max=40))
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    amount = AmountField(
        required=True,
        metadata={"type": "string", "pattern": AMOUNT_PATTERN, "example": "1200.0000", "description": "万元, not 0"},
    )
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    document_no = fields.String(
        required=True, validate=validate.Length(min=1, max=100), metadata={"description": "文号"}
    )
    arranged_on = fields.Date(required=True)

    @validates_schema
    def one_project(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("project_id" in data) == ("project_code" in data):
            raise ValidationError(_("Name the project by project_id or by project_code, not both."), "project_id")
        if data.get("amount") == 0:
            raise ValidationError(_("The amount cannot be 0."), "amount")
        if not str(data.get("document_no", "x")).strip():
            raise ValidationError(_("The document number cannot be blank."), "document_no")


MAX_PAYMENTS = 1000


class PaymentInSchema(Schema):
    """One payment of the project from the finance system: its fields are checked as the payment form's."""

    class Meta:
        unknown = EXCLUDE

    paid_on = fields.Date(required=True, metadata={"example": "2026-09-01", "description": "not in the future"})
    amount = AmountField(
        required=True,
        metadata={"type": "string", "pattern": AMOUNT_PATTERN, "example": "120.0000", "description": "万元, above 0"},
    )
    payee = fields.String(required=True, validate=validate.Length(min=1, max=200))
    source = fields.String(required=True, validate=validate.OneOf(SOURCES), metadata={"description": "资金来源"})
    contract = fields.String(
        load_default="", validate=validate.Length(max=300), metadata={"description": "the contract's id or exact title"}
    )
    note = fields.String(load_default="", validate=validate.Length(max=500))
