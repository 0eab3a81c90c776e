"""Instance state: stored without the spec (kept once per content hash), restored with the restricted engine."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any
from uuid import UUID

from flask import current_app
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .catalog import BuiltSpec
from .scripting import make_script_engine


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
    workflow.script_engine = _engine()
    return workflow


def _engine() -> Any:
    cfg = current_app.config["ZLW"]
    return _cached_engine(cfg.script_time_limit, cfg.script_max_range, cfg.script_memory_mb, cfg.script_workers)


@lru_cache(maxsize=8)
def _cached_engine(time_limit: float, max_range: int, memory_mb: int, workers: int) -> Any:
    # The restricted environment keeps no per-run state, so one engine serves every instance.
    return make_script_engine(time_limit, max_range, memory_mb, workers)
