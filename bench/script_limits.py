"""What the hard limits on diagram code cost per completion, and per evaluation.

Run from the repository root:

    .venv/bin/python -m bench.script_limits [--n 200] [--warmup 20] [--smoke]

Three script environments, interleaved one sign-off instance (4 completions) at a time:

- unlimited: the engine before the limits: every script and expression in this process
  (RestrictedPython + guards + line tracer; nothing stops a single C-level operation);
- limits (the platform's default): statically bounded expressions in this process, scripts and
  every other expression in a script worker process;
- all in worker: every script and expression in a worker process.

For each: (a) the bare engine cycle of bench/engine.py (load_state, run the department task,
engine steps, dump_state; no database) and (b) inbox.services.complete + commit on SQLite.
Then the round trip of single evaluations. Wall-clock times: the worker's own CPU time is not in
this process's process_time(), so CPU figures would flatter the worker variants.
--smoke runs a tiny scale in seconds (CI).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.engine import DEPARTMENTS, EngineBench, ServiceBench, SqlCounter, build_app, close_app, pct, start_data
from zerolegwork.engine import sandbox, state
from zerolegwork.engine.scripting import RestrictedEnvironment
from zerolegwork.extensions import db


class Unlimited(RestrictedEnvironment):
    """Everything in this process: what the engine did before the limits."""

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        self.in_process += 1
        return self.local.evaluate(expression, context, external_context)

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        self.in_process += 1
        self.local.execute(script, context, external_context)
        return True


class AllInWorker(RestrictedEnvironment):
    """Every expression in a worker too, even those static bounds would allow here."""

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        return self._remote("eval", expression, context, external_context)[0]


class Variant:
    """A benchmark run with one script environment attached to every loaded instance."""

    def __init__(self, bench: Any, environment: RestrictedEnvironment, name: str) -> None:
        from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

        self.bench, self.environment = bench, environment
        self.engine = PythonScriptEngine(environment=environment)
        self.run = bench.run
        self.run.label = f"{bench.run.label} — {name}"

    def step(self) -> Any:
        state.script_engine = lambda: self.engine  # type: ignore[assignment]  # load_state attaches it
        return self.bench.step()


def interleave(variants: list[Variant], n: int, warmup: int) -> None:
    per = len(DEPARTMENTS)
    warm, rounds = -(-warmup // per), -(-warmup // per) + -(-n // per)
    for r in range(rounds):
        for v in variants[r % len(variants) :] + variants[: r % len(variants)]:
            for _ in range(per):
                sample = v.step()
                if r >= warm and len(v.run.samples) < n:
                    v.run.samples.append(sample)


def per_call(fn: Any, n: int) -> float:
    for _ in range(min(50, n)):
        fn()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def round_trips(n: int) -> list[str]:
    env = RestrictedEnvironment(time_limit=2.0)
    data = dict(start_data(), revision={"action": "resubmit", "opinion": "同意" * 20})
    data["decisions"] = [
        {"department": d, "decision": "approve", "opinion": "同意。材料齐全。" * 4, "signed_by": "某某", "at": "2026"}
        for d in DEPARTMENTS * 3
    ]
    import pickle

    size = len(pickle.dumps(data, protocol=5))
    rows = [
        ("bounded expression, in process", lambda: env.evaluate('revision["action"] == "resubmit"', data)),
        ("same expression, in a worker", lambda: env._remote("eval", 'revision["action"] == "resubmit"', data, None)),
        ("script, in a worker", lambda: env.execute('rejected = [d for d in decisions if d["decision"] == "x"]', data)),
        ("expression, tiny task data, worker", lambda: env._remote("eval", "a == 1", {"a": 1}, None)),
    ]
    out = [f"single evaluations ({n} each; task data {size} bytes pickled):"]
    for label, fn in rows:
        out.append(f"  {label:<40} {per_call(fn, n) * 1e6:8.1f} µs")
    t0 = time.perf_counter()
    starts = 5 if n >= 1000 else 2
    for _ in range(starts):
        sandbox._Worker(256).kill()
    out.append(f"  {'start + stop one worker process':<40} {(time.perf_counter() - t0) / starts * 1e3:8.1f} ms")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--smoke", action="store_true", help="tiny scale, seconds (CI)")
    args = parser.parse_args(argv)
    n, warmup, calls = (8, 4, 200) if args.smoke else (args.n, args.warmup, 2000)
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(f"sqlite:///{Path(tmp) / 'bench.db'}")
        envs = [(Unlimited, "unlimited"), (RestrictedEnvironment, "limits"), (AllInWorker, "all in worker")]
        variants: list[Variant] = []
        with app.app_context():
            counter = SqlCounter(db.engine)
        for cls, name in envs:
            variants.append(Variant(EngineBench(app), cls(time_limit=2.0), name))
        for cls, name in envs:
            variants.append(Variant(ServiceBench(app, counter, "SQLite"), cls(time_limit=2.0), name))
        original = state.script_engine
        try:
            interleave(variants, n, warmup)
        finally:
            state.script_engine = original  # type: ignore[assignment]
            close_app(app)
    print(f"completions: {n} measured per row after {warmup} warm-up, interleaved; wall clock, ms")
    print(f"{'':<58} {'p50':>7} {'p90':>7} {'mean':>7} {'closing':>8}  in process / in worker per completion")
    for v in variants:
        xs = [s.seconds * 1e3 for s in v.run.samples]
        closing = [s.seconds * 1e3 for s in v.run.samples if s.closing]
        total = len(v.run.samples) + warmup
        per_in, per_out = v.environment.in_process / total, v.environment.in_worker / total
        print(
            f"{v.run.label:<58} {pct(xs, 50):7.2f} {pct(xs, 90):7.2f} {statistics.fmean(xs):7.2f}"
            f" {pct(closing, 50):8.2f}"
            f"  {per_in:.1f} / {per_out:.1f}"
        )
    for line in round_trips(calls):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
