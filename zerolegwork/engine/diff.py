"""What a new version of a process changes, element by element, before it is deployed.

Two bundles (the live version's and a draft's: their BPMN files, decision tables and forms) are read as
XML, never run. Every flow element and sequence flow is keyed by the process it belongs to (an embedded
sub-process is its own process, as the engine runs it) and its id, and described by the aspects that
decide what the engine does with it: its type, name, form (the form key and the form's content), lane,
condition, timer, script, multi-instance settings, the decision it calls (and that table's content),
the process it calls, where a flow goes, and the element's other properties. An element present in
both with a different aspect is *changed*, with each aspect's before and after; a gateway whose
outgoing flows change is changed under `flows`, so adding a path marks the node it leaves from.
Decision tables are compared as a whole, rule by rule.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .catalog import declares_doctype
from .errors import DiagramUnreadableError

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"

FLOW_NODES = frozenset(
    {
        "startEvent",
        "endEvent",
        "intermediateCatchEvent",
        "intermediateThrowEvent",
        "boundaryEvent",
        "task",
        "userTask",
        "manualTask",
        "scriptTask",
        "serviceTask",
        "businessRuleTask",
        "sendTask",
        "receiveTask",
        "callActivity",
        "subProcess",
        "exclusiveGateway",
        "parallelGateway",
        "inclusiveGateway",
        "eventBasedGateway",
    }
)
SCOPES = frozenset({"process", "subProcess"})
# the aspects of an element, in the order they are shown
ASPECTS = (
    "type",
    "name",
    "form",
    "lane",
    "condition",
    "timer",
    "script",
    "multi_instance",
    "decision",
    "called",
    "flows",
    "properties",
)
ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class ElementChange:
    """One element added, removed or changed; `aspects` maps each changed aspect to (before, after)."""

    process_id: str
    element_id: str
    element_type: str
    name: str
    kind: str
    aspects: dict[str, tuple[str, str]] = field(default_factory=dict)
    source: str = ""  # a sequence flow's source node (before the change, or after it when added)


@dataclass(frozen=True)
class DecisionChange:
    """A decision table added, removed or changed (rules added, removed, changed; inputs or outputs changed)."""

    decision_id: str
    name: str
    kind: str
    details: tuple[str, ...] = ()


@dataclass
class BundleDiff:
    """Everything a draft changes against the live version; `touched` names what impact analysis looks for."""

    elements: list[ElementChange] = field(default_factory=list)
    decisions: list[DecisionChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.elements and not self.decisions

    def touched(self) -> set[tuple[str, str]]:
        """(process id, element id) of every element removed or changed: where a running instance is affected."""
        return {(c.process_id, c.element_id) for c in self.elements if c.kind != ADDED}

    def watched(self) -> set[tuple[str, str]]:
        """The flow nodes whose visit makes an instance affected: every touched node, and for each
        touched sequence flow its source (an instance that left that node took or weighed the flow)."""
        return {(c.process_id, c.source or c.element_id) for c in self.elements if c.kind != ADDED}


def diff_bundles(old: Mapping[str, Any], new: Mapping[str, Any]) -> BundleDiff:
    """Compare two bundles ({"bpmn": {file: xml}, "dmn": {file: xml}, "forms": {key: form}})."""
    old_tables, new_tables = _decisions(old), _decisions(new)
    before = _elements(old, old_tables)
    after = _elements(new, new_tables)
    out = BundleDiff()
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        if a is None:
            assert b is not None
            out.elements.append(ElementChange(*key, b["type"], b["name"], ADDED, source=b.get("source", "")))
        elif b is None:
            out.elements.append(ElementChange(*key, a["type"], a["name"], REMOVED, source=a.get("source", "")))
        else:
            changed = {k: (a.get(k, ""), b.get(k, "")) for k in ASPECTS if a.get(k, "") != b.get(k, "")}
            if changed:
                out.elements.append(
                    ElementChange(*key, b["type"], b["name"] or a["name"], CHANGED, changed, a.get("source", ""))
                )
    for did in sorted(old_tables.keys() | new_tables.keys()):
        change = _decision_change(did, old_tables.get(did), new_tables.get(did))
        if change is not None:
            out.decisions.append(change)
    return out


def element_names(bundle: Mapping[str, Any]) -> dict[str, str]:
    """The names of a bundle's flow elements: element id → name (the id where the diagram gives none)."""
    return {eid: d["name"] or eid for (_scope, eid), d in _elements(bundle, _decisions(bundle)).items()}


def decision_names(bundle: Mapping[str, Any]) -> dict[str, str]:
    """The decision tables of a bundle: id → name."""
    return {did: table["name"] for did, table in _decisions(bundle).items()}


def _parse(xml: str, file: str) -> Any:
    if declares_doctype(xml):
        raise DiagramUnreadableError(f"{file}: document type declarations are not allowed")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        return etree.fromstring(xml.encode(), parser)
    except etree.XMLSyntaxError as exc:
        raise DiagramUnreadableError(f"{file}: {exc}") from exc


def _local(el: Any) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(el: Any | None) -> str:
    return "" if el is None else " ".join((el.text or "").split())


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]


def _elements(bundle: Mapping[str, Any], tables: Mapping[str, dict[str, Any]]) -> dict[tuple[str, str], dict[str, str]]:
    forms: Mapping[str, Any] = bundle.get("forms", {})
    found: dict[tuple[str, str], dict[str, str]] = {}
    for file, xml in sorted(bundle.get("bpmn", {}).items()):
        root = _parse(xml, file)
        for process in root.iter(f"{BPMN}process"):
            lanes = {
                _text(ref): lane.get("name") or lane.get("id", "")
                for lane in process.iter(f"{BPMN}lane")
                for ref in lane.findall(f"{BPMN}flowNodeRef")
            }
            for scope, el in _walk(process, process.get("id", "")):
                found[(scope, el.get("id", ""))] = _describe(el, lanes, forms, tables)
    return found


def _walk(scope_el: Any, scope: str) -> Iterator[tuple[str, Any]]:
    """Each flow element with the id of the process or embedded sub-process it runs in."""
    for el in scope_el:
        name = _local(el)
        if name not in FLOW_NODES and name != "sequenceFlow":
            continue
        if el.get("id"):
            yield scope, el
        if name in SCOPES:
            yield from _walk(el, el.get("id", ""))


def _lane_of(el: Any, lanes: Mapping[str, str]) -> str:
    node: Any = el
    while node is not None:
        lane = lanes.get(node.get("id", ""))
        if lane:
            return lane
        node = node.getparent()
        if node is not None and _local(node) == "process":
            break
    return ""


def _describe(
    el: Any, lanes: Mapping[str, str], forms: Mapping[str, Any], tables: Mapping[str, dict[str, Any]]
) -> dict[str, str]:
    kind = _local(el)
    out = {"type": kind, "name": el.get("name", "")}
    if kind == "sequenceFlow":
        out["flows"] = f"{el.get('sourceRef', '')} → {el.get('targetRef', '')}"
        out["source"] = el.get("sourceRef", "")
        out["condition"] = _text(el.find(f"{BPMN}conditionExpression"))
        return out
    out["lane"] = _lane_of(el, lanes)
    props = {p.get("name", ""): p.get("value", "") for p in el.iter(f"{SPIFF}property")}
    form_key = props.pop("formKey", "")
    if form_key:
        out["form"] = f"{form_key}#{_digest(forms.get(form_key))}"
    if props:
        out["properties"] = json.dumps(props, sort_keys=True, ensure_ascii=False)
    scripts = [_text(el.find(f"{BPMN}script"))]
    ext = el.find(f"{BPMN}extensionElements")
    if ext is not None:
        scripts += [f"pre: {_text(ext.find(f'{SPIFF}preScript'))}", f"post: {_text(ext.find(f'{SPIFF}postScript'))}"]
        variable = _text(ext.find(f"{SPIFF}variableName"))
        if variable:
            out["properties"] = (out.get("properties", "") + f" variable={variable}").strip()
        decision = _text(ext.find(f"{SPIFF}calledDecisionId"))
        if decision:
            out["decision"] = f"{decision}#{_digest(tables.get(decision))}"
    script = " | ".join(s for s in scripts if s and s not in ("pre: ", "post: "))
    if script:
        out["script"] = script
    timer = el.find(f"{BPMN}timerEventDefinition")
    if timer is not None:
        out["timer"] = "; ".join(f"{_local(t)}={_text(t)}" for t in timer if _local(t))
    if kind == "boundaryEvent":
        out["flows"] = f"attached to {el.get('attachedToRef', '')}, interrupting={el.get('cancelActivity', 'true')}"
    loop = el.find(f"{BPMN}multiInstanceLoopCharacteristics")
    if loop is not None:
        parts = [f"sequential={loop.get('isSequential', 'false')}"]
        for child in loop:
            value = child.get("name") if _local(child) in ("inputDataItem", "outputDataItem") else _text(child)
            parts.append(f"{_local(child)}={value}")
        out["multi_instance"] = "; ".join(parts)
    if kind == "callActivity":
        out["called"] = el.get("calledElement", "")
    if kind.endswith("Gateway"):
        # where the gateway can send a token: its outgoing flows and which one is the default
        outgoing = sorted(_text(o) for o in el.findall(f"{BPMN}outgoing"))
        out["flows"] = f"out: {', '.join(outgoing)}; default: {el.get('default', '')}"
    return out


def _decisions(bundle: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each decision table: name, inputs, outputs and rules (each as its entries' texts)."""
    tables: dict[str, dict[str, Any]] = {}
    for file, xml in sorted(bundle.get("dmn", {}).items()):
        root = _parse(xml, file)
        for decision in root.iter():
            if _local(decision) != "decision":
                continue
            inputs, outputs, rules = [], [], []
            for el in decision.iter():
                name = _local(el)
                if name == "input":
                    expr = next((c for c in el.iter() if _local(c) == "text"), None)
                    inputs.append(f"{el.get('label', '')}={_text(expr)}")
                elif name == "output":
                    outputs.append(f"{el.get('label', '')}={el.get('name', '')}")
                elif name == "rule":
                    entries = [_text(t) for t in el.iter() if _local(t) == "text"]
                    rules.append(" | ".join(entries))
            tables[decision.get("id", "")] = {
                "name": decision.get("name", ""),
                "inputs": inputs,
                "outputs": outputs,
                "rules": rules,
            }
    return tables


def _decision_change(did: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> DecisionChange | None:
    if old is None:
        assert new is not None
        return DecisionChange(did, new["name"], ADDED, (f"{len(new['rules'])} rules",))
    if new is None:
        return DecisionChange(did, old["name"], REMOVED)
    if old == new:
        return None
    details = []
    if old["inputs"] != new["inputs"]:
        details.append(f"inputs: {'; '.join(old['inputs'])} → {'; '.join(new['inputs'])}")
    if old["outputs"] != new["outputs"]:
        details.append(f"outputs: {'; '.join(old['outputs'])} → {'; '.join(new['outputs'])}")
    before, after = old["rules"], new["rules"]
    added = [r for r in after if r not in before]
    removed = [r for r in before if r not in after]
    details += [f"rule added: {r}" for r in added] + [f"rule removed: {r}" for r in removed]
    if not added and not removed and before != after:
        details.append("rules reordered (the first matching rule may differ)")
    if old["name"] != new["name"]:
        details.append(f"name: {old['name']} → {new['name']}")
    return DecisionChange(did, new["name"], CHANGED, tuple(details))
