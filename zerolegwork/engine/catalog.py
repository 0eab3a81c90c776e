"""Load and validate the diagrams of bpmn/ and the forms of forms/; build specs from a bundle."""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from . import hooks
from .forms import FormError, parse_form
from .scripting import lint_expression, lint_script
from .variables import undefined_names

MAX_DIAGRAM_BYTES = 2 * 1024 * 1024
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN_NS_PREFIX = "https://www.omg.org/spec/DMN/"


@dataclass(frozen=True)
class Problem:
    """One reason a diagram or form cannot be deployed."""

    file: str
    element: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.element or '-'}: {self.reason}"


@dataclass
class ProcessBundle:
    """Everything one executable process needs: its files, the files it calls, its forms."""

    process_id: str
    bpmn: dict[str, str]
    dmn: dict[str, str]
    forms: dict[str, Any]

    @property
    def sha256(self) -> str:
        payload = json.dumps({"bpmn": self.bpmn, "dmn": self.dmn, "forms": self.forms}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        return {"bpmn": self.bpmn, "dmn": self.dmn, "forms": self.forms}


@dataclass
class Catalog:
    """The result of loading bpmn/ and forms/: bundles that passed, problems that did not."""

    bundles: dict[str, ProcessBundle] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    # not refusals: names a diagram's code reads that nothing defines (engine/variables.py)
    warnings: list[Problem] = field(default_factory=list)


def _read_files(folder: Path, suffix: str, problems: list[Problem]) -> dict[str, str]:
    files: dict[str, str] = {}
    if not folder.is_dir():
        problems.append(Problem(str(folder), "", "folder does not exist"))
        return files
    for path in sorted(folder.glob(f"*{suffix}")):
        if path.stat().st_size > MAX_DIAGRAM_BYTES:
            problems.append(Problem(path.name, "", f"file larger than {MAX_DIAGRAM_BYTES} bytes"))
            continue
        try:
            files[path.name] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(path.name, "", "file is not UTF-8 text"))
    return files


def declares_doctype(text: str) -> bool:
    """Whether an XML text carries a document type declaration (where entities, and entity bombs, live).

    libxml2 expands internal entities even with resolve_entities=False, so such a diagram is refused.
    """
    lowered = text.lower()
    return "<!doctype" in lowered or "<!entity" in lowered


def _xml(name: str, text: str, problems: list[Problem]) -> etree._Element | None:
    if declares_doctype(text):
        problems.append(Problem(name, "", "document type declarations (<!DOCTYPE>, <!ENTITY>) are not allowed"))
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        problems.append(Problem(name, f"line {exc.lineno}", f"malformed XML: {exc.msg}"))
        return None


def load_catalog(bpmn_dir: str | Path, forms_dir: str | Path) -> Catalog:
    """Read and check every diagram and form; return the deployable bundles and every problem."""
    catalog = Catalog()
    problems = catalog.problems
    bpmn_files = _read_files(Path(bpmn_dir), ".bpmn", problems)
    dmn_files = _read_files(Path(bpmn_dir), ".dmn", problems)
    forms = _load_forms(Path(forms_dir), problems)
    _check_slot_owners(forms, problems)

    process_file: dict[str, str] = {}
    decision_file: dict[str, str] = {}
    bad_files: set[str] = set()
    for name, text in bpmn_files.items():
        root = _xml(name, text, problems)
        if root is None:
            bad_files.add(name)
            continue
        if not _xsd_ok(name, text, problems, dmn=False):
            bad_files.add(name)
        for proc in root.iter(f"{{{BPMN_NS}}}process"):
            pid = proc.get("id", "")
            if pid in process_file:
                problems.append(Problem(name, pid, f"process id also defined in {process_file[pid]}"))
                bad_files.add(name)
            elif proc.get("isExecutable") == "true":
                process_file[pid] = name
    for name, text in dmn_files.items():
        root = _xml(name, text, problems)
        if root is None or not _xsd_ok(name, text, problems, dmn=True):
            bad_files.add(name)
            continue
        for dec in root.iter():
            if isinstance(dec.tag, str) and dec.tag.endswith("}decision"):
                decision_file[dec.get("id", "")] = name

    for pid, fname in process_file.items():
        if Path(fname).stem != pid:
            problems.append(Problem(fname, pid, "process id must equal the file name without .bpmn"))
            bad_files.add(fname)

    for pid in sorted(process_file):
        bundle, bundle_problems = _build_bundle(
            pid, bpmn_files, dmn_files, forms, process_file, decision_file, catalog.warnings
        )
        if bundle_problems or (bundle and (set(bundle.bpmn) | set(bundle.dmn)) & bad_files):
            problems.extend(bundle_problems)
            catalog.refused.add(pid)
        elif bundle is not None:
            catalog.bundles[pid] = bundle
    # keep one line per problem, in file order
    catalog.problems[:] = sorted(set(problems), key=lambda p: (p.file, p.element, p.reason))
    catalog.warnings[:] = sorted(set(catalog.warnings), key=lambda p: (p.file, p.element, p.reason))
    return catalog


def _load_forms(folder: Path, problems: list[Problem]) -> dict[str, Any]:
    forms: dict[str, Any] = {}
    for name, text in _read_files(folder, ".json", problems).items():
        key = Path(name).stem
        try:
            data = json.loads(text)
            parse_form(key, data)
        except json.JSONDecodeError as exc:
            problems.append(Problem(name, f"line {exc.lineno}", f"malformed JSON: {exc.msg}"))
            continue
        except FormError as exc:
            problems.append(Problem(name, exc.field or key, str(exc)))
            continue
        hook = data.get("hook")
        if hook and hooks.names() and hook not in hooks.names():  # the app registered its hooks: check
            problems.append(Problem(name, "hook", f"no step hook {hook!r} is registered by the platform"))
            continue
        forms[key] = data
    return forms


def _check_slot_owners(forms: dict[str, Any], problems: list[Problem]) -> None:
    """An evidence slot key names one kind of material: every form naming it declares the same owner."""
    owners: dict[str, tuple[str, str]] = {}
    for key, form in sorted(forms.items()):
        for entry in form.get("evidence") or []:
            slot, owner = (entry, "unit") if isinstance(entry, str) else (entry["slot"], entry.get("owner", "unit"))
            first = owners.setdefault(slot, (owner, key))
            if first[0] != owner:
                problems.append(
                    Problem(
                        f"{key}.json",
                        f"evidence.{slot}",
                        f"owner {owner!r} differs from {first[1]}.json's {first[0]!r}",
                    )
                )


def _xsd_ok(name: str, text: str, problems: list[Problem], dmn: bool) -> bool:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        if dmn:
            parser.add_dmn_str(text.encode("utf-8"), filename=name)
        else:
            parser.add_bpmn_str(text.encode("utf-8"), filename=name)
    except ValidationException as exc:
        problems.append(Problem(name, f"line {exc.line_number}" if exc.line_number else exc.id or "", _msg(exc)))
        return False
    except Exception as exc:  # the parser raises bare errors on some malformed input
        problems.append(Problem(name, "", f"{type(exc).__name__}: {exc}"))
        return False
    return True


def _msg(exc: ValidationException) -> str:
    return str(exc.args[0] if exc.args else exc).splitlines()[0]


def _build_bundle(
    pid: str,
    bpmn_files: dict[str, str],
    dmn_files: dict[str, str],
    forms: dict[str, Any],
    process_file: dict[str, str],
    decision_file: dict[str, str],
    warnings: list[Problem],
) -> tuple[ProcessBundle | None, list[Problem]]:
    fname = process_file[pid]
    try:
        parser, used_bpmn, used_dmn = _resolving_parser(pid, bpmn_files, dmn_files, process_file, decision_file)
        spec = parser.get_spec(pid)
        subs = parser.get_subprocess_specs(pid)
    except LookupError as exc:
        return None, [Problem(fname, pid, str(exc.args[0]))]
    except ValidationException as exc:
        return None, [Problem(exc.file_name or fname, exc.id or pid, _msg(exc))]
    except Exception as exc:
        return None, [Problem(fname, pid, f"{type(exc).__name__}: {exc}")]
    problems: list[Problem] = []
    used_forms: dict[str, Any] = {}
    for owner, ts in _all_task_specs(spec, subs):
        owner_file = process_file.get(owner, fname)
        problems.extend(_lint_task_spec(ts, owner_file, {n: dmn_files[n] for n in used_dmn}))
        if isinstance(ts, UserTask):
            key = (getattr(ts, "extensions", {}) or {}).get("properties", {}).get("formKey")
            if not key:
                problems.append(Problem(owner_file, ts.bpmn_id, "user task has no formKey property"))
            elif key not in forms:
                problems.append(Problem(owner_file, ts.bpmn_id, f"form {key!r} not found in forms/"))
            else:
                used_forms[key] = forms[key]
            if not ts.lane:
                problems.append(Problem(owner_file, ts.bpmn_id, "user task is not in a lane"))
            elif not re.fullmatch(r"[a-z][a-z0-9_]*", ts.lane):
                problems.append(Problem(owner_file, ts.bpmn_id, f"lane name {ts.lane!r} is not a snake_case role"))
    if not problems:
        warnings.extend(_unknown_names(spec, subs, process_file, fname, used_forms))
    bundle = ProcessBundle(
        pid,
        {n: bpmn_files[n] for n in sorted(used_bpmn)},
        {n: dmn_files[n] for n in sorted(used_dmn)},
        dict(sorted(used_forms.items())),
    )
    return bundle, problems


def _resolving_parser(
    pid: str,
    bpmn_files: dict[str, str],
    dmn_files: dict[str, str],
    process_file: dict[str, str],
    decision_file: dict[str, str],
) -> tuple[SpiffBpmnParser, set[str], set[str]]:
    """Add the entry file, then every file its call activities and rule tasks need, to a fixed point."""
    parser = SpiffBpmnParser()
    used_bpmn = {process_file[pid]}
    used_dmn: set[str] = set()
    parser.add_bpmn_str(bpmn_files[process_file[pid]].encode(), filename=process_file[pid])
    while True:
        added = False
        for dep in sorted(parser.get_process_dependencies()):
            f = process_file.get(dep)
            if f is None:
                raise LookupError(f"called process {dep!r} is not defined in any file of bpmn/")
            if f not in used_bpmn:
                parser.add_bpmn_str(bpmn_files[f].encode(), filename=f)
                used_bpmn.add(f)
                added = True
        for dep in sorted(parser.get_dmn_dependencies()):
            f = decision_file.get(dep)
            if f is None:
                raise LookupError(f"decision {dep!r} is not defined in any .dmn file of bpmn/")
            if f not in used_dmn:
                parser.add_dmn_str(dmn_files[f].encode(), filename=f)
                used_dmn.add(f)
                added = True
        if not added:
            return parser, used_bpmn, used_dmn


def _all_task_specs(spec: BpmnProcessSpec, subs: dict[str, BpmnProcessSpec]) -> Iterator[tuple[str, Any]]:
    for owner in [spec, *subs.values()]:
        for ts in owner.task_specs.values():
            yield owner.name, ts


def _expressions_of(ts: Any) -> Iterator[tuple[str, str, bool]]:
    """Yield (what, source, is_script) for every piece of code a task spec will run (DMN aside)."""
    for attr in ("script", "prescript", "postscript"):
        src = getattr(ts, attr, None)
        if src:
            yield attr, src, True
    for cond, _target in getattr(ts, "cond_task_specs", []) or []:
        source = getattr(cond, "args", [cond])[0] if cond is not None else None
        if isinstance(source, str) and source:
            yield "condition", source, False
    for attr in ("condition", "cardinality"):
        src = getattr(ts, attr, None)
        if isinstance(src, str) and src:
            yield attr, src, False
    ed = getattr(ts, "event_definition", None)
    for d in [ed, *(getattr(ed, "event_definitions", None) or [])]:
        if d is None:
            continue
        if isinstance(getattr(d, "expression", None), str) and d.expression:
            yield type(d).__name__, d.expression, False
        for prop in getattr(d, "correlation_properties", None) or []:
            if prop.retrieval_expression:
                yield "correlation", prop.retrieval_expression, False


def _dmn_expressions(table: Any) -> Iterator[tuple[str, str]]:
    """Yield (element id, expression) exactly as the DMN engine will evaluate them."""
    for inp in table.inputs:
        if inp.expression:
            yield inp.id, inp.expression
    for rule in table.rules:
        for entry in rule.inputEntries:
            for lhs in entry.lhs:
                if not lhs:
                    continue
                expr = re.sub(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)", "dmninputexpr", lhs)
                if "dmninputexpr" not in expr:
                    try:
                        ast.parse(expr, mode="eval")
                        expr = f"(dmninputexpr) == ({expr})"
                    except SyntaxError:
                        expr = f"dmninputexpr {expr}"
                yield rule.id, expr
        for out in rule.outputEntries:
            if out.text:
                yield rule.id, out.text


def _lint_task_spec(ts: Any, file: str, dmn_files: dict[str, str]) -> Iterator[Problem]:
    element = ts.bpmn_id or ts.name
    if type(ts).__name__ == "ServiceTask":
        yield Problem(file, element, "service tasks are not supported; use a script task calling an allowed helper")
    for what, src, is_script in _expressions_of(ts):
        why = lint_script(src) if is_script else lint_expression(src)
        if why:
            yield Problem(file, element, f"{what} refused: {why}")
    engine = getattr(ts, "dmnEngine", None)
    if engine is not None:
        table = engine.decision_table
        dmn_file = next((n for n, text in dmn_files.items() if f'id="{table.id}"' in text), file)
        for rule_id, src in _dmn_expressions(table):
            why = lint_expression(src)
            if why:
                yield Problem(dmn_file, rule_id, f"DMN expression refused (called by {element} in {file}): {why}")


def _unknown_names(
    spec: BpmnProcessSpec, subs: dict[str, BpmnProcessSpec], process_file: dict[str, str], fname: str, forms: Any
) -> list[Problem]:
    """Warnings for the names a bundle's code reads that no form, script, rule or start data defines."""
    from flask_babel import gettext as _

    tasks = [(process_file.get(owner, fname), ts) for owner, ts in _all_task_specs(spec, subs)]
    return [
        Problem(
            file,
            element,
            _(
                "%(what)s reads %(name)s, which no form field, script, rule output or start data defines (misspelled?)",
                what=what,
                name=name,
            ),
        )
        for file, element, what, name in undefined_names(tasks, forms, _expressions_of, _dmn_expressions)
    ]


def form_key_of(task_spec: Any) -> str:
    """Return the form a user task names."""
    return str((getattr(task_spec, "extensions", {}) or {}).get("properties", {}).get("formKey", ""))
