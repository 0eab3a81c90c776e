"""Parsed specs, once per content hash: what an instance is restored against.

A stored bundle (engine/catalog.py checks it before it is deployed) is parsed on first use in each
process and kept until the cache is dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from .items import install as detachable_items
from .titles import remember_process_names


@dataclass
class BuiltSpec:
    """A parsed process ready to instantiate."""

    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    forms: dict[str, Any]


_spec_cache: dict[str, BuiltSpec] = {}
_spec_lock = threading.Lock()


def build_spec(process_id: str, sha256: str, bundle: Callable[[], dict[str, Any]]) -> BuiltSpec:
    """Parse a stored bundle into specs; cached per content hash (a cache that may be dropped)."""
    cached = _spec_cache.get(sha256)
    if cached is not None:
        return cached
    with _spec_lock:
        files = bundle()
        parser = SpiffBpmnParser()
        for name, text in files["bpmn"].items():
            parser.add_bpmn_str(text.encode(), filename=name)
        for name, text in files.get("dmn", {}).items():
            parser.add_dmn_str(text.encode(), filename=name)
        built = BuiltSpec(parser.get_spec(process_id), parser.get_subprocess_specs(process_id), files["forms"])
        for spec in (built.spec, *built.subprocess_specs.values()):
            detachable_items(spec)
            connect_multi_instance(spec)
        _spec_cache[sha256] = built
        remember_process_names(built.spec, *built.subprocess_specs.values())
        return built


def drop_spec_cache() -> None:
    """Forget every parsed spec (the next use parses again, as a fresh process would)."""
    with _spec_lock:
        _spec_cache.clear()


def connect_multi_instance(spec: BpmnProcessSpec) -> None:
    """Let every multi-instance task hear its children complete, before any instance is restored.

    SpiffWorkflow connects a multi-instance task to its child spec's completion only when it creates
    children. A process that did not create them (another web worker, a restarted one, an rq worker,
    a fresh spec after a migration) would restore the children and never merge them: the last
    department's sign-off would complete and the join would not fire. Connecting at build time makes
    every process equal; the connection is made once per spec object (is_connected guards).
    """
    for ts in spec.task_specs.values():
        if isinstance(ts, MultiInstanceTask):
            child = spec.task_specs.get(ts.task_spec)
            if child is not None and not child.completed_event.is_connected(ts.merge_child):
                child.completed_event.connect(ts.merge_child)
