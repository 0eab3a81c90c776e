"""What a human task is called on screen, whose step it is, and a process's name as the diagram gives it.

A task's title is its BPMN name plus what tells it apart from its siblings: the item of the
multi-instance (or loop) it runs in, labelled by the bundle's forms (登记项目手续·可行性研究报告,
not three rows of 登记项目手续). Everything here reads the task and the parsed spec; no SQL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

SEPARATOR = "·"
TITLE_LENGTH = 200
# how far up the task tree (and through calling processes) a title looks for its multi-instance
_MAX_ANCESTORS = 400
# an item value shown as it is only when it is not a machine name (snake_case, dotted, CamelCase)
_MACHINE = re.compile(r"^[A-Za-z0-9_.:-]+$")
_BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

# the roles lanes are named by (docs/bpmn-conventions.md), as a diagram on a page labels them
LANE_LABELS = {
    "project_unit": "项目单位",
    "competent_department": "主管部门",
    "department": "会签部门",
    "agency": "中介机构",
    "issuer": "委托方",
}

# process id -> the name its diagram gives it (filled from every spec the catalog builds)
_process_names: dict[str, str] = {}
_folders_read: set[str] = set()


def _enclosing_item(task: Any) -> tuple[str, Any] | None:
    """The innermost multi-instance around a task: its item's variable name and this task's value of it."""
    current = task
    for _ in range(_MAX_ANCESTORS):
        if current is None:
            return None
        item = getattr(current.task_spec, "input_item", None)
        name = getattr(item, "bpmn_id", None)
        if isinstance(name, str) and name in task.data:
            return name, task.data[name]
        if current.parent is not None:
            current = current.parent
            continue
        # the root of a sub-workflow (a sub-process or a called process): go on in the calling workflow
        workflow = current.workflow
        parent_id = getattr(workflow, "parent_task_id", None)
        outer = getattr(workflow, "parent_workflow", None)
        current = outer.get_task_from_id(parent_id) if outer is not None and parent_id is not None else None
    return None


def choice_label(forms: Mapping[str, Any], field_name: str, value: Any) -> str | None:
    """The zh-CN label of `value` in a choice field called `field_name` in any of the bundle's forms."""
    for form in forms.values():
        for field in form.get("fields", []):
            if field.get("name") != field_name or field.get("type") != "choice":
                continue
            for choice in field.get("choices", []):
                if choice.get("value") == value:
                    label = choice.get("label") or {}
                    return str(label.get("zh_CN") or label.get("en") or "") or None
    return None


def task_title(task: Any, forms: Mapping[str, Any]) -> str:
    """The task's name, then the item that distinguishes it (a multi-instance item, labelled by the forms)."""
    spec = task.task_spec
    name = str(spec.bpmn_name or spec.bpmn_id)
    found = _enclosing_item(task)
    if found is not None:
        field_name, value = found
        label = choice_label(forms, field_name, value)
        if label is None and isinstance(value, str) and value and not _MACHINE.match(value):
            label = value
        if label:
            name = f"{name}{SEPARATOR}{label}"
    return name[:TITLE_LENGTH]


def is_unit_step(org_code: str, data: Mapping[str, Any]) -> bool:
    """Whether a task falls to the project's own unit (its kind badge and statutory clock are a department's)."""
    unit = data.get("project_unit")
    return bool(org_code) and isinstance(unit, str) and org_code == unit


def boundary_deadline(task: Any) -> datetime | None:
    """The earliest waiting timer attached to the task (a boundary timer, e.g. 逾期未处理): its due time."""
    parent = task.parent
    if parent is None or not str(parent.task_spec.name).endswith("BoundaryEventSplit"):
        return None
    due: list[datetime] = []
    for sibling in parent.children:
        if sibling is task:
            continue
        when = timer_due(sibling)
        if when is not None:
            due.append(when)
    return min(due) if due else None


def timer_due(task: Any) -> datetime | None:
    """When a waiting timer event fires (UTC), from what SpiffWorkflow keeps on the task; None if it keeps none."""
    value = task.internal_data.get("event_value")
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def remember_process_names(*specs: Any) -> None:
    """Keep the names of parsed process specs (called by the catalog when it builds a bundle's specs)."""
    for spec in specs:
        name = getattr(spec, "description", None) or ""
        if spec is not None and name and name != spec.name:
            _process_names[spec.name] = str(name)


def process_name(process_id: str, bpmn_dir: str | Path | None = None) -> str:
    """The name a process's diagram gives it (项目全生命周期), from the specs built so far or the diagram files."""
    if process_id not in _process_names and bpmn_dir is not None and str(bpmn_dir) not in _folders_read:
        _folders_read.add(str(bpmn_dir))
        _read_names(Path(bpmn_dir))
    return _process_names.get(process_id, process_id)


def _read_names(folder: Path) -> None:
    """Read `<bpmn:process id name>` of every diagram in the folder (once per folder)."""
    if not folder.is_dir():
        return
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for path in sorted(folder.glob("*.bpmn")):
        try:
            root = etree.parse(str(path), parser).getroot()
        except (OSError, etree.XMLSyntaxError):
            continue
        for process in root.iter(f"{{{_BPMN_NS}}}process"):
            pid, name = process.get("id"), process.get("name")
            if pid and name:
                _process_names.setdefault(pid, name)


@lru_cache(maxsize=32)
def display_xml(xml: str) -> str:
    """A diagram as a page draws it: lanes labelled by role (项目单位, not project_unit), pools by their process.

    Lane names are roles in snake_case (routing reads them); a pool's name may mix languages. Only
    these labels change; ids, flows and layout stay as deployed. XML that does not parse is returned as is.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(xml.encode(), parser)
    except etree.XMLSyntaxError:
        return xml
    names = {p.get("id"): p.get("name") for p in root.iter(f"{{{_BPMN_NS}}}process") if p.get("name")}
    for lane in root.iter(f"{{{_BPMN_NS}}}lane"):
        label = LANE_LABELS.get(lane.get("name") or "")
        if label:
            lane.set("name", label)
    for pool in root.iter(f"{{{_BPMN_NS}}}participant"):
        name = names.get(pool.get("processRef"))
        if name:
            pool.set("name", name)
    return str(etree.tostring(root, encoding="unicode"))
