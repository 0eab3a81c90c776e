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

--smoke: a round or two a side, 10 steps; without the peer built (CI) only our side runs and says so.
The goal (issue 17 item 4): the peer's p50 at least 10x ours, fresh and at 200 completed steps.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import requests

from bench.engine import machine, pct
from bench.load import add_projects
from deploy.client import SIGNERS, Client
from deploy.stack import PG_ADMIN_URL, REDIS_BASE, Stack, free_port

ASSETS = Path(__file__).resolve().parent / "peer_assets"
DEPARTMENTS = ["finance", "ndrc", "environment", "housing"]  # the order a round signs in
OPINIONS = {"approve": "同意。材料齐全，符合规划要求。", "reject": "资金来源需补充。"}
RESUBMIT = {"action": "resubmit", "note": "已补充资金来源说明"}
GOAL = 10.0
# the peer's internal OpenID client, as bin/local_development_environment_setup sets it
PEER_CLIENT = ("spiffworkflow-backend", "JXeQExm0JhQPLumgHtIIqf52bDalHz0q")


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

    def start(self) -> int:
        project_id = self.drafts.pop(0)
        assert self.unit.submit(project_id).status == 302, project_id
        return project_id

    def _ready(self, project_id: int) -> dict[str, int]:
        rows = self.stack.sql(
            "SELECT bpmn_id, org_code, id FROM human_task WHERE project_id = %s AND state = 'ready'", project_id
        )
        return {(org if bpmn_id == "department_review" else bpmn_id): tid for bpmn_id, org, tid in rows}

    def sign(self, project_id: int, dept: str, decision: str) -> float:
        task_id = self._ready(project_id)[dept]
        answer = self.signers[dept].sign(task_id, decision, OPINIONS[decision])
        assert answer.status == 302, (answer.status, answer.text[:300])
        return answer.elapsed

    def resubmit(self, project_id: int) -> None:
        task_id = self._ready(project_id)["revise_application"]
        answer = self.unit.post("revise", f"/tasks/{task_id}", RESUBMIT, token_from=f"/tasks/{task_id}")
        assert answer.status == 302, (answer.status, answer.text[:300])


class PeerServer:
    """spiff-arena's backend from its own venv: a fresh database, migrated, bootstrapped, served by uvicorn."""

    def __init__(self, peer_dir: Path, admin_url: str = PG_ADMIN_URL) -> None:
        self.peer_dir = peer_dir
        self.backend = peer_dir / "spiffworkflow-backend"
        self.python = peer_dir / "venv" / "bin" / "python"
        self.admin_url = admin_url
        self.port = free_port()
        self.db_name = f"peer_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.workdir = Path(tempfile.mkdtemp(prefix="zlw-peer-"))
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """bin/local_development_environment_setup's variables, on our port and database."""
        url = self.base_url  # the issuer the internal OpenID server writes into its tokens
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SPIFFWORKFLOW_", "ZLW_", "FLASK_"))}
        env.update(
            PYTHONPATH=f"{self.peer_dir / 'stubs'}:{self.backend / 'src'}",
            SPIFFWORKFLOW_BACKEND_ENV="local_development",
            SPIFFWORKFLOW_BACKEND_DATABASE_URI=f"{self.admin_url.rsplit('/', 1)[0]}/{self.db_name}",
            SPIFFWORKFLOW_BACKEND_BPMN_SPEC_ABSOLUTE_DIR=str(self.workdir / "process_models"),
            SPIFFWORKFLOW_BACKEND_PORT=str(self.port),
            SPIFFWORKFLOW_BACKEND_URL=url,
            SPIFFWORKFLOW_BACKEND_AUTH_CONFIGS__0__identifier="default",
            SPIFFWORKFLOW_BACKEND_AUTH_CONFIGS__0__label="internal openid",
            SPIFFWORKFLOW_BACKEND_AUTH_CONFIGS__0__uri=f"{url}/openid",
            SPIFFWORKFLOW_BACKEND_AUTH_CONFIGS__0__client_id=PEER_CLIENT[0],
            SPIFFWORKFLOW_BACKEND_AUTH_CONFIGS__0__client_secret=PEER_CLIENT[1],
            SPIFFWORKFLOW_BACKEND_RUN_BACKGROUND_SCHEDULER_IN_CREATE_APP="false",
            SPIFFWORKFLOW_BACKEND_FAIL_ON_INVALID_PROCESS_MODELS="false",
            SPIFFWORKFLOW_BACKEND_SERVER_WORKER_COUNT="1",
            SPIFFWORKFLOW_BACKEND_LOG_LEVEL="info",
            FLASK_SESSION_SECRET_KEY=uuid.uuid4().hex,
            FLASK_APP="app.py",
        )
        return env

    def _run(self, *argv: str) -> None:
        done = subprocess.run(
            [str(self.python), *argv], cwd=self.backend, env=self._env, capture_output=True, text=True, timeout=600
        )
        if done.returncode != 0:
            raise RuntimeError(f"peer {' '.join(argv)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as admin:
            admin.execute(statement)

    def __enter__(self) -> PeerServer:
        (self.workdir / "process_models").mkdir(parents=True)
        self._env = self.env()
        self._admin(f'CREATE DATABASE "{self.db_name}"')
        try:
            self._run("-m", "flask", "db", "upgrade")
            self._run("bin/bootstrap.py")
            with (self.workdir / "server.log").open("ab") as log:
                self.proc = subprocess.Popen(
                    [str(self.python), "-m", "uvicorn", "spiff_web_server:asgi_app", *self.serve_args()],
                    cwd=self.backend,
                    env=self._env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self._wait()
        except BaseException:
            self.__exit__()
            raise
        return self

    def serve_args(self) -> list[str]:
        """bin/run_server_locally's uvicorn arguments, without --reload, on loopback."""
        return ["--host", "127.0.0.1", "--port", str(self.port), "--workers", "1", "--log-level", "warning"]

    def _wait(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.base_url}/v1.0/status", timeout=2).status_code == 200:
                    return
            if self.proc is not None and self.proc.poll() is not None:
                break
            time.sleep(0.5)
        log = (self.workdir / "server.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"the peer did not answer:\n{log}")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            self.proc = None
        with contextlib.suppress(Exception):
            self._admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def versions(self) -> str:
        """The peer's commit (from the checkout's note, if any) and its key libraries, read from its venv."""
        code = (
            "from importlib.metadata import version as v;"
            "print(', '.join(f'{n} {v(n)}' for n in ('SpiffWorkflow','flask','SQLAlchemy','connexion','uvicorn',"
            "'psycopg2-binary')))"
        )
        libs = subprocess.run([str(self.python), "-c", code], capture_output=True, text=True, check=False)
        note = self.peer_dir / "COMMIT"
        commit = note.read_text().strip() if note.exists() else "commit unknown"
        return f"spiff-arena {commit}; {libs.stdout.strip()}"


class Peer:
    """The peer over its REST API, signed in as its local admin (the instance's initiator may act on every task)."""

    name = "spiff-arena"

    def __init__(self, base_url: str) -> None:
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

    def _submit(self, instance_id: int, guid: str, body: dict) -> float:
        t0 = time.perf_counter()
        answer = self.http.put(
            f"{self.api}/tasks/{instance_id}/{guid}", params={"execution_mode": "synchronous"}, json=body, timeout=60
        )
        elapsed = time.perf_counter() - t0
        assert answer.status_code == 200, (answer.status_code, answer.text[:300])
        return elapsed

    def sign(self, instance_id: int, dept: str, decision: str) -> float:
        guid = self._ready(instance_id)[dept]
        body = {"decision": {"decision": decision, "opinion": OPINIONS[decision], "department": dept}}
        return self._submit(instance_id, guid, body)

    def resubmit(self, instance_id: int) -> None:
        self._submit(instance_id, self._ready(instance_id)["revise_application"], {"revision": RESUBMIT})


def signing_round(side: Ours | Peer, key: int, reject: bool, timed: list[float] | None) -> int:
    """The four departments sign (finance rejects when `reject`, and the unit resubmits); return the steps done."""
    for dept in DEPARTMENTS:
        seconds = side.sign(key, dept, "reject" if reject and dept == "finance" else "approve")
        if timed is not None:
            timed.append(seconds)
    if reject:
        side.resubmit(key)
    return len(DEPARTMENTS) + (1 if reject else 0)


def interleaved(sides: list[Ours | Peer], rounds: int, one: Callable[[Ours | Peer, list[float]], None]) -> dict:
    """Run `rounds` measured rounds a side, the sides taking turns (order rotated each round)."""
    samples: dict[str, list[float]] = {side.name: [] for side in sides}
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


def row(label: str, values: list[float]) -> str:
    return f"| {label} | {len(values)} | {pct(values, 50) * 1000:.1f} | {pct(values, 95) * 1000:.1f} |"


def report(
    sides: list[Ours | Peer], fresh: dict, at_steps: dict, reached: dict[str, int], args: argparse.Namespace
) -> bool:
    """Print the table and the ratios; return True when both goals are met (or the peer did not run)."""
    print("| platform · measured | completions | p50 ms | p95 ms |\n|---|---:|---:|---:|")
    for side in sides:
        print(row(f"{side.name} · fresh instance", fresh[side.name]))
        print(row(f"{side.name} · after {reached[side.name]} completed steps", at_steps[side.name]))
    if len(sides) < 2:
        return True
    ok = True
    for label, samples in (("fresh", fresh), (f"at {args.steps} steps", at_steps)):
        ratio = pct(samples[Peer.name], 50) / pct(samples[Ours.name], 50)
        ok = ok and ratio >= GOAL
        verdict = "met" if ratio >= GOAL else "MISSED"
        print(f"ratio spiff-arena p50 / 零跑腿 p50, {label}: {ratio:.1f}x (goal >= {GOAL:.0f}x: {verdict})")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.peer", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a round a side, 10 steps; the peer only if it is built")
    parser.add_argument("--n", type=int, default=40, help="measured completions a side and case (default 40)")
    parser.add_argument("--steps", type=int, default=200, help="completed steps before the long-lived measurement")
    parser.add_argument("--peer-dir", type=Path, default=Path("/tmp/peer"), help="the peer's checkout and venv")
    parser.add_argument("--redis-db", type=int, default=7, help="Redis database of our stack on 127.0.0.1:6379")
    args = parser.parse_args(argv)
    if args.smoke:
        args.n, args.steps = 4, 10
    built = (args.peer_dir / "venv" / "bin" / "python").exists() and (args.peer_dir / "spiffworkflow-backend").is_dir()
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
                sides.append(Peer(peer.base_url))
            else:
                print(f"peer:       not built at {args.peer_dir}: only our side runs (smoke)")
            t0 = time.perf_counter()
            fresh, at_steps, reached = measure(sides, args.n, args.steps)
            print(f"({time.perf_counter() - t0:.1f} s of measuring)")
    ok = report(sides, fresh, at_steps, reached, args)
    return 0 if ok or args.smoke else 1


if __name__ == "__main__":
    sys.exit(main())
