"""Every benchmark script can run at smoke scale, so `make bench-smoke` (CI) covers it."""

from __future__ import annotations

from bench import smoke


def test_the_smoke_runner_finds_every_benchmark_script():
    names = smoke.scripts()
    assert {"engine", "growth", "import", "inbox", "report_pdf", "reports", "script_limits"} <= set(names)
    assert "paths" not in names and "smoke" not in names  # a library and the runner itself


def test_every_benchmark_script_takes_smoke():
    lacking = [n for n in smoke.scripts() if '"--smoke"' not in (smoke.BENCH / f"{n}.py").read_text("utf-8")]
    assert lacking == []


def test_the_runner_fails_on_an_unknown_script_name():
    assert smoke.main(["--only", "no_such_bench"]) == 2
