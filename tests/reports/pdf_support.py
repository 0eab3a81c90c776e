"""Fill every process of a demo project through the real runtime, and read a PDF's text back."""

from __future__ import annotations

import io
from typing import Any

from pdfminer.high_level import extract_text

from tests.engine.lifecycle_support import (
    ALL_FUNCTIONS,
    CONFIRM,
    GOALS,
    INFORMATION,
    RESULTS_USE,
    acceptance,
    act,
    contract,
    evaluation,
    investment_plan,
    procedure_document,
    procurement,
    progress_report,
    sign_off,
)
from tests.files.samples import image
from zerolegwork.extensions import db
from zerolegwork.files import services as files
from zerolegwork.projects import library, life
from zerolegwork.projects.models import Project

PHOTO_NAME = "现场照片-路基.png"  # site photos take pictures only
SIGNOFF_OPINION = "同意。"


def fill_every_process(people: dict[str, Any], index: int = 0) -> Project:
    """Drive demo project `index` through its whole life with every process chosen; commit as each user would."""
    project = people["projects"][index]
    unit = people["users"]["unit1"]
    library.choose_functions(unit, project, ALL_FUNCTIONS)
    life.start_lifecycle(unit, project.id)
    db.session.commit()
    iid = project.lifecycle_id
    act(people, iid, "record_information", INFORMATION)
    act(people, iid, "check_information", CONFIRM)
    act(people, iid, "record_investment", investment_plan())
    act(people, iid, "check_investment", CONFIRM)
    sign_off(people, iid)
    for p in ALL_FUNCTIONS["procedures"]:
        act(people, iid, "record_procedure", procedure_document(p), procedure=p)
        act(people, iid, "check_procedure", CONFIRM, procedure=p)
    act(people, iid, "record_procurement", procurement("works"))
    act(people, iid, "check_procurement", CONFIRM)
    act(people, iid, "record_contract", contract())
    act(people, iid, "check_contract", CONFIRM)
    act(people, iid, "next_contract", {"next_step": "done"})
    act(people, iid, "report_progress", progress_report("2026-06"))
    act(people, iid, "check_progress", CONFIRM)
    act(people, iid, "report_progress", progress_report("2027-10", complete=True))
    act(people, iid, "check_progress", CONFIRM)
    for kind in ALL_FUNCTIONS["acceptance"]:
        act(people, iid, "record_acceptance", acceptance(kind))
        act(people, iid, "check_acceptance", CONFIRM)
    act(people, iid, "set_goals", GOALS)
    act(people, iid, "check_goals", CONFIRM)
    for stage in ["monitoring", "self"]:
        act(people, iid, "record_evaluation", evaluation(stage), stage=stage)
        act(people, iid, "check_evaluation", CONFIRM, stage=stage)
    act(people, iid, "key_evaluation", evaluation("key"))
    act(people, iid, "use_of_results", RESULTS_USE)
    files.upload(unit, project.id, "site_photo", PHOTO_NAME, io.BytesIO(image("PNG")))
    db.session.commit()
    db.session.refresh(project)
    return project


def pdf_text(data: bytes) -> str:
    """The text of a PDF as pdfminer.six reads it (it maps the STSong-Light CID font back to Unicode)."""
    return extract_text(io.BytesIO(data))
