"""check-bpmn warns about a name a diagram's code reads that nothing defines (a misspelled variable)."""

from __future__ import annotations

from tests.engine.probe_diagrams import write_repair_probe
from tests.engine.test_concurrency import FORMS
from zerolegwork.engine import runtime
from zerolegwork.engine.catalog import load_catalog
from zerolegwork.engine.variables import PLATFORM_INPUTS
from zerolegwork.extensions import db

ROOT = FORMS.parent


def test_the_repositorys_diagrams_read_no_undefined_name():
    catalog = load_catalog(ROOT / "bpmn", FORMS)
    assert catalog.warnings == []


def test_a_misspelled_variable_in_a_script_is_flagged_with_its_element(tmp_path):
    catalog = load_catalog(write_repair_probe(tmp_path, CHECK="z = yy + 1"), FORMS)
    assert catalog.problems == [] and "repair_probe" in catalog.bundles  # a warning, not a refusal
    (warning,) = catalog.warnings
    assert warning.file == "repair_probe.bpmn" and warning.element == "check"
    assert "yy" in warning.reason


def test_names_a_form_a_script_or_the_start_data_define_pass(tmp_path):
    # action is a field of the task's form, y is set by the script before, project_unit is start data
    catalog = load_catalog(write_repair_probe(tmp_path, FINISH='w = (action, y, project_unit, len("x"))'), FORMS)
    assert catalog.warnings == []


def test_the_start_data_the_platform_gives_is_declared(app, people, monkeypatch):
    from zerolegwork.projects import life
    from zerolegwork.projects import services as projects

    project = people["projects"][0]
    assert set(life.lifecycle_data(project)) <= PLATFORM_INPUTS
    given: list[set[str]] = []
    real = runtime.start_instance

    def spy(process_id, data, *args, **kwargs):
        given.append(set(data))
        return real(process_id, data, *args, **kwargs)

    monkeypatch.setattr(runtime, "start_instance", spy)
    projects.submit_for_signoff(people["users"]["unit1"], project.id)
    db.session.commit()
    (keys,) = given
    assert keys <= PLATFORM_INPUTS, keys - PLATFORM_INPUTS


def test_check_bpmn_prints_the_warning_and_still_passes(app, tmp_path):
    folder = write_repair_probe(tmp_path / "bpmn", FINISH="w = chek + 1")
    result = app.test_cli_runner().invoke(
        args=["zlw", "check-bpmn", "--bpmn-dir", str(folder), "--forms-dir", str(FORMS)]
    )
    assert result.exit_code == 0, result.output
    assert "WARNING repair_probe.bpmn: finish:" in result.output and "chek" in result.output
    assert "拼错" in result.output or "misspelled" in result.output


def test_a_draft_with_a_misspelled_condition_shows_a_warning_and_may_still_be_deployed(client, login, people):
    from tests.processes.test_process_admin import FILE, live, upload

    login("analyst")
    xml = live().bundle["bpmn"][FILE]
    typo = xml.replace("len(rejected) &gt; 0", "len(rejectd) &gt; 0", 1)
    assert typo != xml
    page = upload(client, {FILE: typo.encode()}).get_data(as_text=True)
    assert 'data-testid="draft-warnings"' in page and "rejectd" in page
    assert "可能拼错" in page and 'data-testid="draft-problems"' not in page
