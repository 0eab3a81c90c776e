"""Build a small test diagram (user task, timer, DMN, script, gateway) with chosen code in each slot."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAFE = {
    "SCRIPT": 'outcome = route + "-done"',
    "CONDITION": 'route == "a"',
    "TIMER": "review_limit",
    "DMN_INPUT": '"resubmit"',
    "DMN_OUTPUT": '"a"',
}


def write_probe(folder: Path, **slots: str) -> Path:
    """Write probe.bpmn and route_decision.dmn into `folder` with `slots` replacing the safe code."""
    folder.mkdir(parents=True, exist_ok=True)
    values = {**SAFE, **slots}
    for template, name in [("probe.bpmn.tpl", "probe.bpmn"), ("route_decision.dmn.tpl", "route_decision.dmn")]:
        text = (FIXTURES / template).read_text(encoding="utf-8")
        for key, code in values.items():
            text = text.replace("{" + key + "}", escape(code))
        (folder / name).write_text(text, encoding="utf-8")
    return folder


REPAIR_SAFE = {"PREPARE": "y = 1", "CHECK": "z = y + 1", "FINISH": "w = z + 1"}


def write_repair_probe(folder: Path, **slots: str) -> Path:
    """Write repair_probe.bpmn (script, script, a person's task, script) into `folder` with `slots`' code."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (FIXTURES / "repair_probe.bpmn.tpl").read_text(encoding="utf-8")
    for key, code in {**REPAIR_SAFE, **slots}.items():
        text = text.replace("{" + key + "}", escape(code))
    (folder / "repair_probe.bpmn").write_text(text, encoding="utf-8")
    return folder
