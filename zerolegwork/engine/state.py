"""Instance state: stored without the spec (kept once per content hash), restored with the restricted engine."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from flask import current_app
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from ..extensions import db
from .catalog import BuiltSpec, build_spec
from .errors import ProcessNotDeployedError
from .models import ProcessDefinition
from .scripting import make_script_engine
from .store import InstanceRow


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Serialize a workflow without its spec; the spec lives once per hash in ProcessDefinition."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], built: BuiltSpec | None = None) -> BpmnWorkflow:  # type: ignore[override]
        assert built is not None, "a specless state needs its spec"
        dct = dict(dct, spec=None, subprocess_specs={})
        workflow = self.target_class(built.spec, built.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_config = dict(SPIFF_CONFIG)
_config[BpmnWorkflow] = SpeclessWorkflowConverter
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config))


def dump_state(workflow: BpmnWorkflow) -> str:
    """Serialize an instance's state (no spec) to JSON."""
    return str(SERIALIZER.serialize_json(workflow))


def load_state(state: str, built: BuiltSpec) -> BpmnWorkflow:
    """Restore a workflow from its stored state and its spec, with the restricted engine attached."""
    dct = json.loads(state)
    dct.pop(SERIALIZER.VERSION_KEY, None)
    workflow = SERIALIZER.registry.restore(dct, built=built)
    workflow.script_engine = script_engine()
    return workflow


def spec_for(instance: InstanceRow | Any) -> BuiltSpec:
    """Return the parsed spec an instance (row or model) is pinned to, cached by content hash."""
    return build_spec(instance.process_id, instance.spec_hash, lambda: _bundle(instance.definition_id))


def _bundle(definition_id: int) -> dict[str, Any]:
    d = db.session.get(ProcessDefinition, definition_id)
    if d is None:
        raise ProcessNotDeployedError(str(definition_id))
    return d.bundle


def restore(instance: InstanceRow | Any) -> BpmnWorkflow:
    """Restore an instance's workflow from its stored state and the spec it is pinned to."""
    return load_state(instance.state, spec_for(instance))


def next_timer(workflow: BpmnWorkflow) -> datetime | None:
    """The earliest due time of the workflow's waiting timer events (stored as next_timer_at)."""
    due: list[datetime] = []
    for t in workflow.get_tasks(state=TaskState.WAITING):
        value = t.internal_data.get("event_value")
        if isinstance(value, str):
            try:
                when = datetime.fromisoformat(value)
            except ValueError:
                continue
            due.append(when if when.tzinfo else when.replace(tzinfo=UTC))
    return min(due) if due else None


def script_engine() -> Any:
    """The restricted script engine for the app's limits (one per setting, shared by every instance)."""
    cfg = current_app.config["ZLW"]
    return _cached_engine(cfg.script_time_limit, cfg.script_max_range, cfg.script_memory_mb, cfg.script_workers)


@lru_cache(maxsize=8)
def _cached_engine(time_limit: float, max_range: int, memory_mb: int, workers: int) -> Any:
    # The restricted environment keeps no per-run state, so one engine serves every instance.
    return make_script_engine(time_limit, max_range, memory_mb, workers)
