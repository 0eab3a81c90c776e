"""The demo's fund ledger: the project under construction gets arrangements, a contract, payments and one exception.

Added by the showcase (`flask zlw serve` / `seed-demo`) through the services as people would: the
finance system's budget arrangements (central and city money), the filed construction contract, a
progress report, three payments with vouchers and one still waiting for its voucher (the exception).
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from ..api.models import BudgetArrangement
from ..extensions import db
from ..orgs.models import User
from ..projects.models import Project
from ..records import services as records
from . import reconcile, services
from .models import Payment

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
CONTRACTOR = "包头市路桥建设集团有限公司"
BUILDING = "在建"


def seed() -> list[Payment]:
    """Give the demo unit's project under construction (在建) its ledger, once (flush only).

    Not the first project: that one stays a draft with nothing reported, as the README's walkthrough starts it.
    """
    unit = db.session.scalars(select(User).where(User.username == "unit1")).first()
    if unit is None:
        return []
    mine = select(Project).where(Project.unit_id == unit.org_id)
    project = db.session.scalars(mine.where(Project.management_status == BUILDING).order_by(Project.id)).first()
    if project is None or db.session.scalar(select(Payment.id).where(Payment.project_id == project.id).limit(1)):
        return []
    for number, source, amount in ((12, "central", "3000"), (15, "city", "2000")):
        db.session.add(
            BudgetArrangement(
                project_id=project.id,
                year=2026,
                amount=Decimal(amount),
                source=source,
                document_no=f"包财建〔2026〕{number}号",
                arranged_on=date(2026, 3, 1),
            )
        )
    contract = records.write(
        "contract",
        project.id,
        {
            "title": "东河区老旧小区改造（一期）施工合同（HT-2026-01）",
            "contract_type": "施工",
            "party_a": unit.org.name,
            "party_b": CONTRACTOR,
            "amount": "4800.0000",
            "signed_on": "2026-03-20",
            "start_on": "2026-04-01",
            "end_on": "2027-06-30",
        },
        unit.id,
        None,
    )
    records.write(
        "progress_report", project.id, {"period": "2026-06", "investment_completed": "2150.0000"}, unit.id, None
    )
    made = []
    for day, amount, source, note, voucher in (
        ("2026-04-15", "1200.0000", "central", "预付款", True),
        ("2026-05-20", "500.0000", "central", "第一期进度款", True),
        ("2026-06-18", "300.0000", "city", "第二期进度款", True),
        ("2026-06-30", "100.0000", "city", "第三期进度款（凭证待补）", False),
    ):
        form = {
            "paid_on": day,
            "amount": amount,
            "payee": CONTRACTOR,
            "source": source,
            "contract": str(contract.id),
            "note": note,
        }
        upload = (f"支付凭证-{day}.pdf", io.BytesIO(PDF)) if voucher else None
        made.append(services.record_payment(unit, project.id, form, upload))
    reconcile.refresh(project)
    return made
