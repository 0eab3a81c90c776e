"""Side by side with the peer platform (spiff-arena's backend): one joint sign-off completion over HTTP.

Run from the repository root, with the peer built outside the repository (docs/peer-comparison.md):

    .venv/bin/python -m bench.peer [--smoke] [--n 40] [--steps 200] [--peer-dir /tmp/peer] [--redis-db 7]

Both platforms are started by this script on loopback and measured in one run, their rounds interleaved
so that a change of load on the machine hits both alike:
- ours: deploy/stack.py (gunicorn, 1 web worker, PostgreSQL, Redis, one rq worker, the relay); a
  department signs through deploy/client.py (the task page's CSRF token fetched first, outside the clock),
  the timed request is POST /tasks/<id> (answer 302);
- the peer: spiff-arena's backend from --peer-dir (its venv, its sources), a fresh PostgreSQL database,
  `flask db upgrade`, bin/bootstrap.py, then its documented server command (uvicorn spiff_web_server:asgi_app,
  1 worker), signed in through its internal OpenID server (as bin/get_token does); bench/peer_assets/ is
  uploaded through its API (process group, model, files), the timed request is
  PUT /v1.0/tasks/<instance>/<task guid>?execution_mode=synchronous (answer 200).

The diagram shape is the same on both sides: a parallel multi-instance department review over four
departments, the tally script, the all-approved gateway, and the rejection loop (the unit revises and
resubmits). "fresh": a new instance for every four completions, all approve (the fourth runs the tally,
the gateway and the end). "at N steps": one instance driven to N completed user tasks by rejection
rounds (finance rejects, the unit resubmits: five user tasks a round), then its next rounds measured
the same way. Only the completing request is timed; finding the task, its page or its data is not.
Per completion: the wall clock at the client, and the CPU time of the serving process (the one gunicorn
worker; the one uvicorn process, all its threads) read from /proc before and after the request — less disturbed by the
shared machine than the wall clock; PostgreSQL's own work is in neither side's CPU figure.

--smoke: a round or two, 10 steps, our side only (CI); --smoke --with-peer adds the peer's side when it is built.
The goal (issue 17 item 4): the peer's p50 at least 10x ours, fresh and at 200 completed steps.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import requests

from bench.engine import machine, pct
from bench.load import add_projects
from bench.peer_server import PEER_CLIENT, PeerServer
from deploy.client import SIGNERS, Answer, Client
from deploy.stack import PG_ADMIN_URL, REDIS_BASE, Stack

ASSETS = Path(__file__).resolve().parent / "peer_assets"
DEPARTMENTS = ["finance", "ndrc", "environment", "housing"]  # the order a round signs in
OPINIONS = {"approve": "同意。材料齐全，符合规划要求。", "reject": "资金来源需补充。"}
RESUBMIT = {"action": "resubmit", "note": "已补充资金来源说明"}
GOAL = 10.0


@dataclass
class Timing:
    wall: float  # seconds at the client, request sent to answer read
    cpu: float  # seconds of CPU of the serving process during the request


def process_cpu(pid: int) -> float:
    """CPU seconds run by a process's live threads (/proc/<pid>/task/*/schedstat, nanoseconds): the peer's
    views run on a thread pool, and /proc/<pid>/stat counts only in 10 ms clock ticks."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def timed(pid: int, request: Callable[[], requests.Response | Answer]) -> tuple[Timing, requests.Response | Answer]:
    """Run one request; its wall clock and the serving process's CPU."""
    c0, t0 = process_cpu(pid), time.perf_counter()
    answer = request()
    wall = time.perf_counter() - t0
    return Timing(wall, process_cpu(pid) - c0), answer


class Ours:
    """Our platform on the stack: the unit submits and resubmits, the department people sign."""

    name = "零跑腿"

    def __init__(self, stack: Stack, drafts: int) -> None:
        self.stack = stack
        self.drafts = add_projects(stack, drafts)
        self.unit = Client(stack.base_url, "unit1")
        self.signers = {dept: Client(stack.base_url, SIGNERS[dept]) for dept in DEPARTMENTS}
        for client in (self.unit, *self.signers.values()):
            client.login()
        (self.pid,) = stack.web_workers()

    def start(self) -> int:
        project_id = self.drafts.pop(0)
        assert self.unit.submit(project_id).status == 302, project_id
        return project_id

    def _ready(self, project_id: int) -> dict[str, int]:
        rows = self.stack.sql(
            "SELECT bpmn_id, org_code, id FROM human_task WHERE project_id = %s AND state = 'ready'", project_id
        )
        return {(org if bpmn_id == "department_review" else bpmn_id): tid for bpmn_id, org, tid in rows}

    def sign(self, project_id: int, dept: str, decision: str) -> Timing:
        """deploy.client.Client.sign in its two steps, so that only the POST is measured."""
        task_id = self._ready(project_id)[dept]
        client = self.signers[dept]
        data = {"decision": decision, "opinion": OPINIONS[decision], "csrf_token": client.token(f"/tasks/{task_id}")}
        timing, answer = timed(self.pid, lambda: client.request("sign", "POST", f"/tasks/{task_id}", data=data))
        assert isinstance(answer, Answer) and answer.status == 302, answer
        return timing

    def resubmit(self, project_id: int) -> None:
        task_id = self._ready(project_id)["revise_application"]
        answer = self.unit.post("revise", f"/tasks/{task_id}", RESUBMIT, token_from=f"/tasks/{task_id}")
        assert answer.status == 302, (answer.status, answer.text[:300])


class Peer:
    """The peer over its REST API, signed in as its local admin (the instance's initiator may act on every task)."""

    name = "spiff-arena"

    def __init__(self, base_url: str, pid: int) -> None:
        self.pid = pid
        self.api = f"{base_url}/v1.0"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {self._token(base_url)}"
        ok = self.http.post(f"{self.api}/login_with_access_token", params={"authentication_identifier": "default"})
        assert ok.status_code == 200, ok.text[:300]
        group = f"bench-{uuid.uuid4().hex[:6]}"
        self.model = f"{group}:joint-signoff"
        self._post("/process-groups", json={"id": group, "display_name": "会签基准"})
        self._post(
            f"/process-models/{group}",
            json={
                "id": f"{group}/joint-signoff",
                "display_name": "部门并联会签",
                "description": "",
                "primary_file_name": "peer_signoff.bpmn",
                "primary_process_id": "peer_signoff",
            },
        )
        for path in sorted(ASSETS.iterdir()):
            self._post(f"/process-models/{self.model}/files", files=[("file", (path.name, path.read_bytes()))])

    @staticmethod
    def _token(base_url: str) -> str:
        """A token from the peer's internal OpenID server: bin/get_token's password grant."""
        answer = requests.post(
            f"{base_url}/openid/token",
            data={"grant_type": "password", "code": "admin:this_is_not_secure_do_not_use_in_production"}
            | {"username": "admin", "password": "admin", "client_id": PEER_CLIENT[0]},
            auth=PEER_CLIENT,
            timeout=15,
        )
        assert answer.status_code == 200, answer.text[:300]
        return str(answer.json()["access_token"])

    def _post(self, path: str, **kwargs: object) -> dict:
        answer = self.http.post(self.api + path, timeout=60, **kwargs)  # type: ignore[arg-type]
        assert answer.status_code in (200, 201), (path, answer.status_code, answer.text[:300])
        return dict(answer.json())

    def start(self) -> int:
        instance_id = int(self._post(f"/process-instances/{self.model}")["id"])
        self._post(f"/process-instances/{self.model}/{instance_id}/run", params={"execution_mode": "synchronous"})
        return instance_id

    def _ready(self, instance_id: int) -> dict[str, str]:
        tasks = self.http.get(f"{self.api}/tasks", params={"process_instance_id": instance_id, "per_page": 50}).json()
        found = {}
        for task in tasks["results"]:
            if task["task_name"] == "department_review":
                shown = self.http.get(f"{self.api}/tasks/{instance_id}/{task['id']}", params={"with_form_data": "true"})
                found[shown.json()["data"]["department"]] = task["id"]
            else:
                found[task["task_name"]] = task["id"]
        return found

    def _submit(self, instance_id: int, guid: str, body: dict) -> Timing:
        url = f"{self.api}/tasks/{instance_id}/{guid}"
        timing, answer = timed(
            self.pid, lambda: self.http.put(url, params={"execution_mode": "synchronous"}, json=body, timeout=60)
        )
        assert isinstance(answer, requests.Response) and answer.status_code == 200, answer.text[:300]
        return timing

    def sign(self, instance_id: int, dept: str, decision: str) -> Timing:
        guid = self._ready(instance_id)[dept]
        body = {"decision": {"decision": decision, "opinion": OPINIONS[decision], "department": dept}}
        return self._submit(instance_id, guid, body)

    def resubmit(self, instance_id: int) -> None:
        self._submit(instance_id, self._ready(instance_id)["revise_application"], {"revision": RESUBMIT})


def signing_round(side: Ours | Peer, key: int, reject: bool, out: list[Timing] | None) -> int:
    """The four departments sign (finance rejects when `reject`, and the unit resubmits); return the steps done."""
    for dept in DEPARTMENTS:
        timing = side.sign(key, dept, "reject" if reject and dept == "finance" else "approve")
        if out is not None:
            out.append(timing)
    if reject:
        side.resubmit(key)
    return len(DEPARTMENTS) + (1 if reject else 0)


def interleaved(sides: list[Ours | Peer], rounds: int, one: Callable[[Ours | Peer, list[Timing]], None]) -> dict:
    """Run `rounds` measured rounds a side, the sides taking turns (order rotated each round)."""
    samples: dict[str, list[Timing]] = {side.name: [] for side in sides}
    for r in range(rounds):
        for side in sides[r % len(sides) :] + sides[: r % len(sides)]:
            one(side, samples[side.name])
    return samples


def measure(sides: list[Ours | Peer], n: int, steps: int) -> tuple[dict, dict, dict[str, int]]:
    """(fresh samples, samples at `steps` completed steps, steps reached before measuring) by side name."""
    rounds = max(1, -(-n // len(DEPARTMENTS)))
    for side in sides:  # one warm-up instance each, not measured
        signing_round(side, side.start(), False, None)
    fresh = interleaved(sides, rounds, lambda side, out: signing_round(side, side.start(), False, out))
    long_lived, reached = {}, {}
    for side in sides:
        key, done = side.start(), 0
        while done < steps:
            done += signing_round(side, key, True, None)
        long_lived[side.name], reached[side.name] = key, done
    at_steps = interleaved(sides, rounds, lambda side, out: signing_round(side, long_lived[side.name], True, out))
    return fresh, at_steps, reached


def p50(samples: list[Timing]) -> float:
    return pct([s.wall for s in samples], 50)


def mean_cpu(samples: list[Timing]) -> float:
    return sum(s.cpu for s in samples) / len(samples)


def row(label: str, samples: list[Timing]) -> str:
    walls = [s.wall for s in samples]
    return (
        f"| {label} | {len(samples)} | {pct(walls, 50) * 1000:.1f} | {pct(walls, 95) * 1000:.1f} "
        f"| {mean_cpu(samples) * 1000:.1f} |"
    )


def report(
    sides: list[Ours | Peer], fresh: dict, at_steps: dict, reached: dict[str, int], args: argparse.Namespace
) -> bool:
    """Print the table and the ratios; return True when both goals are met (or the peer did not run)."""
    print("| platform · measured | completions | wall p50 ms | wall p95 ms | server CPU mean ms |")
    print("|---|---:|---:|---:|---:|")
    for side in sides:
        print(row(f"{side.name} · fresh instance", fresh[side.name]))
        print(row(f"{side.name} · after {reached[side.name]} completed steps", at_steps[side.name]))
    if len(sides) < 2:
        return True
    ok = True
    for label, samples in (("fresh", fresh), (f"at {args.steps} steps", at_steps)):
        ratio = p50(samples[Peer.name]) / p50(samples[Ours.name])
        cpu_ratio = mean_cpu(samples[Peer.name]) / mean_cpu(samples[Ours.name])
        ok = ok and ratio >= GOAL
        verdict = "met" if ratio >= GOAL else "MISSED"
        print(
            f"ratio spiff-arena / 零跑腿, {label}: wall p50 {ratio:.1f}x (goal >= {GOAL:.0f}x: {verdict}), "
            f"server CPU {cpu_ratio:.1f}x"
        )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.peer", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a round a side, 10 steps; the peer only if it is built")
    parser.add_argument("--n", type=int, default=40, help="measured completions a side and case (default 40)")
    parser.add_argument("--steps", type=int, default=200, help="completed steps before the long-lived measurement")
    parser.add_argument("--peer-dir", type=Path, default=Path("/tmp/peer"), help="the peer's checkout and venv")
    parser.add_argument("--redis-db", type=int, default=7, help="Redis database of our stack on 127.0.0.1:6379")
    parser.add_argument("--with-peer", action="store_true", help="with --smoke: the peer's side too, if it is built")
    args = parser.parse_args(argv)
    if args.smoke:
        args.n, args.steps = 4, 10
    built = (args.peer_dir / "venv" / "bin" / "python").exists() and (args.peer_dir / "spiffworkflow-backend").is_dir()
    if args.smoke and not args.with_peer:
        built = False  # CI's smoke keeps to our side: a peer left built on a machine is not part of the product
    if not built and not args.smoke:
        print(f"the peer is not built at {args.peer_dir} (see docs/peer-comparison.md)")
        return 2
    rounds = max(1, -(-args.n // len(DEPARTMENTS)))
    drafts = 2 + rounds
    pg = subprocess.run(
        ["psql", PG_ADMIN_URL, "-tAc", "SHOW server_version"], capture_output=True, text=True, check=False
    )
    for line in machine(pg.stdout.strip() or None):
        print(line)
    print(f"ours:       gunicorn {version('gunicorn')}, 1 web worker, 1 rq worker (deploy/stack.py)")
    with Stack(workers=1, rq_workers=1, redis_url=f"{REDIS_BASE}/{args.redis_db}") as stack:
        sides: list[Ours | Peer] = [Ours(stack, drafts)]
        with PeerServer(args.peer_dir) if built else contextlib.nullcontext() as peer:
            if peer is not None:
                print(f"peer:       {peer.versions()}; uvicorn, 1 worker")
                assert peer.proc is not None
                sides.append(Peer(peer.base_url, peer.proc.pid))
            else:
                print(f"peer:       not built at {args.peer_dir}: only our side runs (smoke)")
            t0 = time.perf_counter()
            fresh, at_steps, reached = measure(sides, args.n, args.steps)
            print(f"({time.perf_counter() - t0:.1f} s of measuring)")
    ok = report(sides, fresh, at_steps, reached, args)
    return 0 if ok or args.smoke else 1


if __name__ == "__main__":
    sys.exit(main())
