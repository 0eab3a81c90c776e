"""What the modeler's dmn-js editor saves is still read by the catalog (SpiffWorkflow 3.2.0's DMN parser and
the check-bpmn checks): each shipped .dmn is read and written back by dmn-moddle, the library dmn-js's
importXML/saveXML use, once as it is and once with a rule added the way dmn-js adds one; the catalog loads
both with no problem and the bundle carries the written-back text.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from zerolegwork.engine.catalog import load_catalog

ROOT = Path(__file__).resolve().parents[2]
DMN_FILES = sorted((ROOT / "bpmn").glob("*.dmn"))

# Read the XML on stdin, optionally add a rule to every decision table (empty input entries, the outputs
# given as JSON in argv[1], ids like dmn-js's), and write it as dmn-js's saveXML({format: true}) does.
ROUND_TRIP = """
import { DmnModdle } from 'dmn-moddle';
const chunks = [];
for await (const chunk of process.stdin) { chunks.push(chunk); }
const moddle = new DmnModdle();
const {rootElement, warnings} = await moddle.fromXML(Buffer.concat(chunks).toString('utf8'), 'dmn:Definitions');
if (warnings.length) { console.error(warnings.map((w) => w.message).join('\\n')); process.exit(2); }
const outputs = JSON.parse(process.argv[1] || 'null');
if (outputs) {
  for (const decision of rootElement.drgElement) {
    const table = decision.decisionLogic;
    if (!table || table.$type !== 'dmn:DecisionTable') { continue; }
    const rule = moddle.create('dmn:DecisionRule', {id: 'DecisionRule_added', inputEntry: [], outputEntry: []});
    table.input.forEach((input, i) => rule.inputEntry.push(moddle.create('dmn:UnaryTests', {id: `UnaryTests_added_${i}`, text: ''})));
    table.output.forEach((output, i) => rule.outputEntry.push(moddle.create('dmn:LiteralExpression', {id: `LiteralExpression_added_${i}`, text: outputs[i] || ''})));
    rule.description = '添加的规则';
    rule.$parent = table;
    table.rule.push(rule);
  }
}
const {xml} = await moddle.toXML(rootElement, {format: true});
process.stdout.write(xml);
"""


def _node() -> str:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "dmn-moddle").is_dir():
        pytest.skip("node and node_modules/dmn-moddle (npm install) are needed to write DMN as dmn-js does")
    return node


def round_trip(text: str, outputs: list[str] | None = None) -> str:
    """The .dmn text as dmn-js would save it (with a rule added when outputs are given)."""
    done = subprocess.run(
        [_node(), "--input-type=module", "-e", ROUND_TRIP, json.dumps(outputs)],
        input=text.encode("utf-8"),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return done.stdout.decode("utf-8")


def _catalog_with(tmp_path: Path, name: str, text: str):  # type: ignore[no-untyped-def]
    bpmn = tmp_path / "bpmn"
    shutil.copytree(ROOT / "bpmn", bpmn)
    (bpmn / name).write_text(text, encoding="utf-8")
    return load_catalog(bpmn, ROOT / "forms")


def _bundles_with(catalog, name: str) -> list:  # type: ignore[no-untyped-def]
    return [b for b in catalog.bundles.values() if name in b.dmn]


@pytest.mark.parametrize("path", DMN_FILES, ids=[p.name for p in DMN_FILES])
def test_a_shipped_decision_table_saved_by_dmn_js_is_read_like_the_original(tmp_path, path):
    saved = round_trip(path.read_text(encoding="utf-8"))
    assert 'xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"' in saved
    catalog = _catalog_with(tmp_path, path.name, saved)
    assert catalog.problems == []
    users = _bundles_with(catalog, path.name)
    assert users, f"no process uses {path.name}"
    assert all(b.dmn[path.name] == saved for b in users)


@pytest.mark.parametrize("path", DMN_FILES, ids=[p.name for p in DMN_FILES])
def test_a_rule_added_in_dmn_js_passes_the_checks_and_reaches_the_bundle(tmp_path, path):
    saved = round_trip(path.read_text(encoding="utf-8"), ['"economy_it"', '"verification"'])
    assert saved.count("<rule ") == path.read_text(encoding="utf-8").count("<rule ") + 1
    catalog = _catalog_with(tmp_path, path.name, saved)
    assert catalog.problems == []
    assert all('<rule id="DecisionRule_added">' in b.dmn[path.name] for b in _bundles_with(catalog, path.name))


def test_a_broken_output_cell_saved_by_dmn_js_is_refused_on_its_cell(tmp_path):
    path = ROOT / "bpmn" / "signoff_departments.dmn"
    saved = round_trip(path.read_text(encoding="utf-8"), ['"economy_it"', '"verification" +'])
    catalog = _catalog_with(tmp_path, path.name, saved)
    # SpiffWorkflow's parser refuses the output expression and names the entry (dmn-js marks that cell)
    assert [(p.file, p.element) for p in catalog.problems] == [(path.name, "LiteralExpression_added_1")]
