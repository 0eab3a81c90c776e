"""Hard limits on diagram code: one C-level operation cannot hang or exhaust the platform process.

Statically visible cases are refused by check-bpmn (file, element, reason); the same operations
fed from task data run into the worker's guards, time, CPU and memory limits at run time: the
instance becomes an incident, nothing is half-written, and this test process neither hangs
(each test is bounded by a watchdog that ends the run) nor grows.
"""

from __future__ import annotations

import faulthandler
import os
import resource
import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.engine.probe_diagrams import write_probe
from tests.engine.test_concurrency import deploy_probe
from zerolegwork.audit.models import AuditEvent
from zerolegwork.engine import catalog, runtime, sandbox
from zerolegwork.engine.bounds import is_bounded_expression, is_bounded_script
from zerolegwork.engine.catalog import load_catalog
from zerolegwork.engine.errors import InstanceIncidentError
from zerolegwork.engine.models import HumanTask, ProcessInstance
from zerolegwork.engine.routing import actor_for
from zerolegwork.engine.scripting import (
    RestrictedEnvironment,
    SandboxUnavailableError,
    ScriptMemoryError,
    ScriptOverLimitError,
    ScriptTimeoutError,
    caused_by_limit,
)
from zerolegwork.extensions import db

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "forms"
TIME_LIMIT = 1.0  # tests/conftest.py make_settings: script_time_limit=1.0
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def watchdog():
    """End the whole run with tracebacks if a test hangs, even inside one C-level operation."""
    faulthandler.dump_traceback_later(120, exit=True)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    yield
    faulthandler.cancel_dump_traceback_later()
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert grown_kb < 150 * 1024, f"the test process grew by {grown_kb // 1024} MB"


# ---- check-bpmn refuses what the source shows -------------------------------------------------

STATIC = {
    "one-line endless loop": ("SCRIPT", "while True: pass", "never ends"),
    "huge constant power": ("SCRIPT", "x = 10**10**8", "digits"),
    "huge constant repeat": ("SCRIPT", "x = 'x' * 10**10", "repeating"),
    "huge list repeat": ("SCRIPT", "x = [0] * (10**9)", "repeating"),
    "huge constant range": ("SCRIPT", "x = list(range(10**9))", "range()"),
    "huge padding": ("SCRIPT", "x = 'x'.ljust(10**10)", "ljust"),
    "huge format width": ("SCRIPT", "x = '%999999999d' % 1", "width"),
    "huge power in a condition": ("CONDITION", "10**10**8 > 0", "digits"),
    "huge repeat in a DMN cell": ("DMN_OUTPUT", '"a" * 10**10', "repeating"),
}
ELEMENT = {"SCRIPT": ("probe.bpmn", "compute"), "CONDITION": ("probe.bpmn", "gw")}


@pytest.mark.parametrize("case", list(STATIC))
def test_check_bpmn_refuses_statically_visible_limits_with_element_and_reason(tmp_path, app, case):
    slot, code, reason = STATIC[case]
    folder = write_probe(tmp_path / "bpmn", **{slot: code})
    t0 = time.monotonic()
    result = app.test_cli_runner().invoke(
        args=["zlw", "check-bpmn", "--bpmn-dir", str(folder), "--forms-dir", str(FORMS)]
    )
    assert time.monotonic() - t0 < 10
    assert result.exit_code == 1, result.output
    file, element = ELEMENT.get(slot, ("route_decision.dmn", "rule_resubmit"))
    lines = [line for line in result.output.splitlines() if line.startswith(f"{file}: {element}:")]
    assert lines and reason in lines[0], result.output
    assert "probe" in load_catalog(folder, FORMS).refused


def test_loops_that_can_end_and_small_constants_pass_the_check(tmp_path):
    script = (
        "n = 0\nwhile True:\n    n += 1\n    if n > 3:\n        break\nx = 2**64 + len('ab' * 3)\ny = list(range(10))"
    )
    checked = load_catalog(write_probe(tmp_path / "bpmn", SCRIPT=script), FORMS)
    assert checked.problems == []


# ---- at run time, fed from task data: an incident, nothing half-written -----------------------

RUNTIME = {
    # one line, condition from data: the worker's line tracer stops it
    "one-line endless loop": ("while keep_going: pass", {"keep_going": True}, ScriptTimeoutError),
    # `while True: pass` emits no line events at all: the worker is killed at the time limit + 0.5 s
    # (deployed before check-bpmn refused it: the test deploys it past the check)
    "while True: pass, deployed unchecked": ("while True: pass", {}, ScriptTimeoutError),
    # the guards refuse before anything is allocated
    "power from data": ("x = base ** exponent", {"base": 10, "exponent": 10**8}, ScriptOverLimitError),
    "repeat from data": ("x = text * times", {"text": "x", "times": 10**10}, ScriptOverLimitError),
    "list repeat from data": ("x = [0] * count", {"count": 10**9}, ScriptOverLimitError),
    # one C-level call chain (sum -> map -> int) running ~80 s: killed at the time limit
    "one slow C operation": ("x = sum(map(int, [digits] * 1000000))", {"digits": "7" * 4000}, ScriptTimeoutError),
    # loop-free allocations past the guards: the worker's address-space limit stops them
    "huge join": ('x = "".join([chunk] * 1000000)', {"chunk": "x" * 1000}, ScriptMemoryError),
    "huge padding": ("x = filler.ljust(width)", {"filler": "x", "width": 10**10}, ScriptMemoryError),
}


def _start(data: dict) -> tuple[ProcessInstance, HumanTask]:
    result = runtime.start_instance("probe", {"project_unit": "demo_unit", "review_limit": "P5D", **data})
    db.session.commit()
    (task,) = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == result.instance_id))
    return db.session.get(ProcessInstance, result.instance_id), task


@pytest.mark.parametrize("case", list(RUNTIME))
def test_a_script_past_a_limit_at_run_time_becomes_an_incident(app, tmp_path, people, case, monkeypatch):
    script, data, error = RUNTIME[case]
    if "unchecked" in case:
        monkeypatch.setattr(catalog, "lint_script", lambda source: None)
    deploy_probe(tmp_path, SCRIPT=script)  # nothing visible in the source: the check lets it through
    instance, task = _start(data)
    state_before, version_before = instance.state, instance.version
    t0 = time.monotonic()
    with pytest.raises(InstanceIncidentError) as err:
        runtime.complete_task(task.id, {"action": "resubmit"}, actor_for(people["users"]["unit1"]))
    elapsed = time.monotonic() - t0
    db.session.commit()
    assert elapsed < TIME_LIMIT + 3, elapsed
    assert error.__name__ in err.value.reason and caused_by_limit(err.value), err.value.reason
    if case in ("while True: pass, deployed unchecked", "one slow C operation"):
        assert "worker process was killed" in err.value.reason
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, instance.id)
    assert instance.status == "incident" and instance.state == state_before
    assert instance.version == version_before + 1  # only the incident mark was written
    assert db.session.get(HumanTask, task.id).state == "ready"
    events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(instance.id))).all()
    assert "instance.incident" in events and "task.complete" not in events


def test_the_web_request_answers_at_once_with_the_limit_message(app, tmp_path, people, client, login):
    deploy_probe(tmp_path, SCRIPT="while keep_going: pass")
    instance, task = _start({"keep_going": True})
    login("unit1")
    t0 = time.monotonic()
    response = client.post(f"/tasks/{task.id}", data={"action": "resubmit"})
    assert time.monotonic() - t0 < TIME_LIMIT + 3
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "超出时间或内存限制" in body and str(instance.id) in body
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance.id).status == "incident"


# ---- the worker pool --------------------------------------------------------------------------


def env(**kw) -> RestrictedEnvironment:
    return RestrictedEnvironment(time_limit=kw.pop("time_limit", TIME_LIMIT), **kw)


def _children() -> list[tuple[int, str]]:
    """(pid, state) of this process's child processes, from /proc."""
    pids: list[int] = []
    for task_dir in Path(f"/proc/{os.getpid()}/task").iterdir():
        pids += [int(p) for p in (task_dir / "children").read_text().split()]
    states = []
    for pid in pids:
        try:
            states.append((pid, Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]))
        except FileNotFoundError:
            continue
    return states


def test_killed_workers_are_reaped_and_replaced():
    e = env(memory_mb=200)
    for _ in range(2):  # emits no line events: only killing the worker stops it
        with pytest.raises(ScriptTimeoutError, match="worker process was killed"):
            e.execute("while True: pass", {})
    data: dict = {"a": 1}
    e.execute("b = sum([a, 1])", data)
    assert data == {"a": 1, "b": 2}
    assert sandbox.pool(200, 2).started >= 3
    assert not [pid for pid, state in _children() if state == "Z"], _children()


def test_task_data_goes_to_the_worker_and_the_changed_data_comes_back():
    e = env()
    shared = {"nested": [1, 2]}
    data = {
        "amount": Decimal("12.50"),
        "due": date(2026, 1, 2),
        "at": datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        "items": [{"dept": "finance", "ok": True}],
        "keep": shared,
        "gone": 1,
    }
    e.execute(
        'total = amount + Decimal("0.25")\nlater = due + timedelta(days=3)\n'
        'items = items + [{"dept": "ndrc", "ok": False}]\ndel gone\nstamp = at',
        data,
    )
    assert data["total"] == Decimal("12.75") and data["later"] == date(2026, 1, 5)
    assert data["stamp"] == data["at"] and len(data["items"]) == 2 and "gone" not in data
    assert data["keep"] is shared  # unchanged values stay the same objects
    with pytest.raises(TypeError):
        e.execute("g = (x for x in items)", data)  # a value that cannot be kept as task data


def test_errors_of_diagram_code_come_back_as_themselves():
    e = env()
    with pytest.raises(ZeroDivisionError):
        e.execute("x = 1 / 0", {})
    with pytest.raises(KeyError):
        e.evaluate('d["missing"].get("x")', {"d": {}})
    with pytest.raises(NameError):
        e.execute("x = nowhere", {})


def test_linear_expressions_run_in_process_and_others_in_a_worker():
    e = env()
    data = {"route": "a", "amount": "6000", "d": {"k": 1}}
    assert e.evaluate('route == "a" and Decimal(amount) >= Decimal("5000")', data) is True
    assert e.evaluate("len(d) + 1", data) == 2
    assert (e.in_process, e.in_worker) == (2, 0)
    assert e.evaluate('d.get("k")', data) == 1
    assert e.evaluate("[k for k in d]", data) == ["k"]
    assert (e.in_process, e.in_worker) == (2, 2)
    for bounded in ['x["a"] != y', "a in (1, 2) or not b", "-(a + b) // 2", '{"k": a, **d}', "Decimal(x) < 5"]:
        assert is_bounded_expression(bounded), bounded
    for unbounded in ["a * b", "a ** b", "a % b", "f'{a:>{b}}'", "x.ljust(n)", "int(x)", "round(a, b)", "sum(x)"]:
        assert not is_bounded_expression(unbounded), unbounded
    assert not is_bounded_expression("[x for x in y]") and not is_bounded_expression("(y := x + x)")


def test_assignments_of_bounded_expressions_run_in_process_and_other_scripts_in_a_worker():
    e = env()
    data = {"reports": [1, 2], "row": {"period": "2027-01"}}
    e.execute("reports = (reports + [row])[-2:]\nlast = row['period']", data)
    assert data["reports"] == [2, {"period": "2027-01"}] and data["last"] == "2027-01"
    assert (e.in_process, e.in_worker) == (1, 0)
    for bounded in ["a = b + c", "a = x['k']\nb = len(y)", 'state = "approved" if ok else "returned"']:
        assert is_bounded_script(bounded), bounded
    for unbounded in [
        "a = a + a\nb = a + a",  # each line doubles what the one before made
        "a = x\nb = a",
        "a += 1",
        "x['k'] = 1",
        "a, b = c",
        "for i in x:\n    y = i",
        "a = [i for i in x]",
        "a = b * 2",
        "print(a)",
        "",
    ]:
        assert not is_bounded_script(unbounded), unbounded
    e.execute("total = sum(reports[:1])", {"reports": [1]})
    assert (e.in_process, e.in_worker) == (1, 1)


def test_many_threads_share_the_pool():
    e = env(workers=2)
    results: dict[int, object] = {}

    def work(i: int) -> None:
        data = {"i": i}
        try:
            e.execute("j = sum(range(i + 1))", data)
            results[i] = data["j"]
        except Exception as exc:  # recorded for the assertion
            results[i] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == {i: i * (i + 1) // 2 for i in range(12)}


def test_a_forked_child_starts_its_own_workers():
    e = env()
    e.execute("x = sum([1])", {})  # the parent has a worker now
    pid = os.fork()
    if pid == 0:  # the child: the inherited workers are forgotten, a fresh one answers
        code = 1
        try:
            data: dict = {"a": 2}
            e.execute("b = a * 3", data)
            code = 0 if data["b"] == 6 else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    data: dict = {"a": 1}
    e.execute("b = sum([a, 1])", data)  # the parent's workers still answer
    assert data["b"] == 2


def test_without_a_worker_process_diagram_code_is_refused_not_run_unlimited(monkeypatch):
    monkeypatch.setattr(sandbox, "BOOT", "raise SystemExit(3)")
    e = env(memory_mb=97)  # a pool of its own
    with pytest.raises(SandboxUnavailableError):
        e.execute("x = sum([1])", {})
    with pytest.raises(SandboxUnavailableError):
        e.evaluate("x.get('a')", {"x": {}})
    assert e.evaluate("x == 1", {"x": 1}) is True  # statically bounded: runs here, still limited


def test_a_worker_runs_with_its_limits_and_without_the_platform_environment(monkeypatch):
    monkeypatch.setenv("ZLW_SECRET_KEY", "must-not-reach-a-worker")
    e = env(memory_mb=123)
    e.execute("x = sum([1])", {})
    (worker,) = sandbox.pool(123, 2)._idle
    limits = Path(f"/proc/{worker.proc.pid}/limits").read_text().splitlines()
    address = next(line for line in limits if line.startswith("Max address space")).split()
    cpu = next(line for line in limits if line.startswith("Max cpu time")).split()
    assert address[3] != "unlimited" and int(address[3]) < 2048 * MB
    assert cpu[3] != "unlimited" and int(cpu[3]) < 60
    assert b"must-not-reach" not in Path(f"/proc/{worker.proc.pid}/environ").read_bytes()


def test_the_benchmark_runs_at_smoke_scale(capsys):
    from bench import script_limits

    assert script_limits.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "limits" in out and "in a worker" in out


def test_a_completion_finding_no_free_worker_answers_busy_and_leaves_the_matter_as_it_was(app, people, monkeypatch):
    from tests.helpers import ready_tasks, sign
    from zerolegwork.engine.errors import ScriptCapacityError
    from zerolegwork.inbox import services as inbox
    from zerolegwork.projects import services as projects

    users = people["users"]
    project = people["projects"][0]
    projects.submit_for_signoff(users["unit1"], project.id)
    db.session.commit()
    for dept in ("finance", "ndrc", "environment"):
        sign(people, project.id, dept)
    (last,) = ready_tasks(project.id, "housing")
    monkeypatch.setattr(sandbox, "BOOT", "raise SystemExit(3)")
    app.config["ZLW"].script_memory_mb = 93  # a pool of its own, whose workers cannot start
    # the closing sign-off runs the tally script, which needs a worker
    with pytest.raises(ScriptCapacityError):
        inbox.complete(users["housing1"], last.id, {"decision": "approve", "opinion": "同意"})
    db.session.rollback()
    instance = db.session.get(ProcessInstance, last.instance_id)
    assert instance.status == "running"  # not an incident: the code never ran
    assert db.session.get(HumanTask, last.id).state == "ready"
