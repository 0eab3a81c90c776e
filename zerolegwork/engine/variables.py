"""Names a diagram's code reads that nothing defines: most often a misspelled variable (check-bpmn warns).

A name is defined when a form field of the bundle, a script assignment, a rule's output, a task's
variable name or multi-instance item, or the platform's start data (`PLATFORM_INPUTS`) gives it.
Everything else a condition, script, timer or rule reads is reported as a warning, not a refusal:
data can also arrive from code the catalog cannot see (a process started with other data).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from typing import Any

from .forms import RESERVED_NAMES
from .restricted import ALLOWED_BUILTIN_NAMES, HELPER_NAMES

# The data the platform gives a process at its start (projects.life.lifecycle_data and
# projects.services.submit_for_signoff; tests/engine/test_variables.py keeps the two in step) and
# what the runtime adds to a person's answers (runtime.complete_task).
PLATFORM_INPUTS = frozenset(
    {
        "project_unit",
        "competent_department",
        "project_id",
        "project_name",
        "project_code",
        "category",
        "planned_investment",
        "level",
        "region",
        "functions",
        "round_no",
        "opinions",
        "revise_limit",
        "levels",
        "signed_for_id",
        *RESERVED_NAMES,
    }
)
_ALWAYS = frozenset({"True", "False", "None", "dmninputexpr"}) | ALLOWED_BUILTIN_NAMES | HELPER_NAMES


def _names(source: str, script: bool) -> tuple[set[str], set[str]]:
    """The names a piece of code reads and the names it binds (assignments, loop and lambda variables)."""
    try:
        tree = ast.parse(source, mode="exec" if script else "eval")
    except SyntaxError:
        return set(), set()  # refused by the lint already
    read: set[str] = set()
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, ast.Store | ast.Del) else read).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            bound.add(node.name)
    return read, bound


def _item_names(ts: Any) -> set[str]:
    names: set[str] = set()
    for attr in ("data_input", "data_output", "input_item", "output_item"):
        item = getattr(ts, attr, None)
        if item is not None:
            names.add(str(getattr(item, "bpmn_id", None) or getattr(item, "name", "")))
    variable = (getattr(ts, "extensions", {}) or {}).get("variableName")
    if variable:
        names.add(str(variable))
    return names


def undefined_names(
    tasks: Iterable[tuple[str, Any]],
    forms: Mapping[str, Any],
    code_of: Any,
    rule_code_of: Any,
) -> list[tuple[str, str, str, str]]:
    """(file, element, what, name) for each name read that nothing in the bundle defines.

    `tasks` are (file, task spec) pairs of one bundle; `code_of(ts)` yields (what, source, is_script);
    `rule_code_of(table)` yields (rule id, expression) of a decision table.
    """
    defined = set(PLATFORM_INPUTS)
    for form in forms.values():
        defined |= {str(f.get("name")) for f in form.get("fields", [])}
    reads: list[tuple[str, str, str, str]] = []
    for file, ts in tasks:
        element = str(ts.bpmn_id or ts.name)
        defined |= _item_names(ts)
        for what, source, script in code_of(ts):
            read, bound = _names(source, script)
            defined |= bound
            reads.extend((file, element, what, name) for name in sorted(read))
        engine = getattr(ts, "dmnEngine", None)
        if engine is not None:
            table = engine.decision_table
            defined |= {str(o.name) for o in table.outputs if o.name}
            for _rule, source in rule_code_of(table):
                read, _bound = _names(source, False)
                reads.extend((file, element, "DMN", name) for name in sorted(read))
    seen: set[tuple[str, str, str, str]] = set()
    out = []
    for entry in reads:
        if entry[3] not in defined and entry[3] not in _ALWAYS and entry not in seen:
            seen.add(entry)
            out.append(entry)
    return out
