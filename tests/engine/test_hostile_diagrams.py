"""Diagrams are code: hostile scripts and expressions are refused by check-bpmn and never run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.probe_diagrams import write_probe
from zerolegwork.engine.catalog import load_catalog
from zerolegwork.engine.scripting import RestrictedEnvironment, ScriptRefusedError

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "forms"


def payloads(marker: Path) -> dict[str, str]:
    return {
        "import": f"__import__('os').system('touch {marker}')",
        "subclasses": "[c for c in ().__class__.__base__.__subclasses__()]",
        "module_walk": f"random._os.system('touch {marker}')",
        "open": f"open('{marker}', 'w')",
        "getattr": "getattr(revision, '__class__')",
        "str_format": "'{0.__class__.__init__.__globals__}'.format(revision)",
    }


SLOTS = {
    "script task": ("SCRIPT", "compute", "x = {}"),
    "gateway condition": ("CONDITION", "gw", "{}"),
    "timer expression": ("TIMER", "review_timer", "{}"),
    "DMN cell": ("DMN_OUTPUT", "rule_resubmit", "{}"),
}


def test_the_safe_probe_diagram_passes(tmp_path):
    catalog = load_catalog(write_probe(tmp_path / "bpmn"), FORMS)
    assert catalog.problems == []
    assert set(catalog.bundles) == {"probe"}


@pytest.mark.parametrize("slot", list(SLOTS))
@pytest.mark.parametrize("attack", ["import", "subclasses", "module_walk", "open", "getattr", "str_format"])
def test_check_bpmn_refuses_hostile_code_naming_file_and_element(tmp_path, app, slot, attack):
    marker = tmp_path / "pwned"
    key, element, shape = SLOTS[slot]
    folder = write_probe(tmp_path / "bpmn", **{key: shape.format(payloads(marker)[attack])})
    result = app.test_cli_runner().invoke(
        args=["zlw", "check-bpmn", "--bpmn-dir", str(folder), "--forms-dir", str(FORMS)]
    )
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if "refused" in line and "problem(s)" not in line]
    assert lines, result.output
    file = "route_decision.dmn" if key.startswith("DMN") else "probe.bpmn"
    assert any(line.startswith(f"{file}: {element}:") for line in lines), result.output
    assert not marker.exists()
    assert "probe" in load_catalog(folder, FORMS).refused


def test_hostile_dmn_input_entry_is_refused(tmp_path):
    folder = write_probe(tmp_path / "bpmn", DMN_INPUT="__import__('os').getcwd()")
    catalog = load_catalog(folder, FORMS)
    assert any(
        p.file == "route_decision.dmn" and p.element == "rule_resubmit" and "decide" in p.reason
        for p in catalog.problems
    )


@pytest.mark.parametrize("attack", ["import", "subclasses", "module_walk", "open", "getattr", "str_format"])
def test_the_restricted_environment_refuses_hostile_code_even_without_the_catalog(tmp_path, attack):
    marker = tmp_path / "pwned"
    env = RestrictedEnvironment(time_limit=1)
    with pytest.raises((ScriptRefusedError, NameError, SyntaxError)):
        env.execute("x = " + payloads(marker)[attack], {"revision": {"action": "x"}})
    with pytest.raises((ScriptRefusedError, NameError, SyntaxError)):
        env.evaluate(payloads(marker)[attack], {"revision": {"action": "x"}})
    assert not marker.exists()


def test_allowed_code_still_runs():
    env = RestrictedEnvironment(time_limit=1)
    data = {"decisions": [{"department": "finance", "decision": "reject"}, {"department": "ndrc", "decision": "ok"}]}
    env.execute(
        'rejected = [d["department"] for d in decisions if d["decision"] == "reject"]\n'
        "total = sum(x for x in range(10))\n"
        "a, b = 1, 2\n"
        "total += a + b\n"
        'amount = Decimal("1.10") + Decimal("2.205")',
        data,
    )
    assert data["rejected"] == ["finance"] and data["total"] == 48 and str(data["amount"]) == "3.305"
    assert "Decimal" not in data and "_getattr_" not in data


def test_a_huge_range_is_refused():
    env = RestrictedEnvironment(time_limit=1, max_range=1000)
    with pytest.raises(ScriptRefusedError):
        env.execute("x = list(range(10**9))", {})


def test_a_diagram_declaring_entities_is_refused_before_it_is_expanded(tmp_path):
    folder = write_probe(tmp_path / "bpmn")
    probe = folder / "probe.bpmn"
    text = probe.read_text(encoding="utf-8")
    declaration = '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    head, rest = text.split("?>", 1) if text.startswith("<?xml") else ("", text)
    probe.write_text((head + "?>" if head else "") + declaration + rest.replace('name="', 'name="&b;', 1))
    catalog = load_catalog(folder, FORMS)
    assert [(p.file, p.reason) for p in catalog.problems] == [
        ("probe.bpmn", "document type declarations (<!DOCTYPE>, <!ENTITY>) are not allowed")
    ]
    assert "probe" not in catalog.bundles
