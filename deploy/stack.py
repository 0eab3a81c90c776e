"""The real deployment shape on loopback: gunicorn (N workers) + PostgreSQL + Redis + two rq workers + the relay.

Run from the repository root (`make stack`):

    .venv/bin/python -m deploy.stack [--workers 2] [--rq-workers 2] [--redis-db 13] [--port 0]

It creates a fresh PostgreSQL database of its own (dropped at the end), upgrades it, deploys bpmn/
and seeds the demo, then starts every process in a session of its own and serves until Ctrl-C.
Stopping sends SIGTERM to every process group, then SIGKILL to whatever is left (rq work-horses and
script workers included), deletes its Redis keys (a queue prefix of its own) and drops the database.
Used as a library by bench/faults.py and bench/load.py: `with Stack(...) as stack: ...`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("ZLW_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_BASE = "redis://127.0.0.1:6379"


def free_port() -> int:
    """A TCP port nobody listens on just now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def descendants(pid: int) -> list[int]:
    """Every live descendant of `pid`, read from /proc (rq's work-horse leaves its parent's process group)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Stack:
    """gunicorn, two rq workers and the relay over a database and a Redis database of their own."""

    def __init__(
        self,
        workers: int = 2,
        rq_workers: int = 2,
        redis_url: str = f"{REDIS_BASE}/13",
        port: int = 0,
        workdir: Path | None = None,
        extra_env: dict[str, str] | None = None,
        admin_url: str = PG_ADMIN_URL,
    ) -> None:
        self.admin_url = admin_url  # the server the stack makes its database on (a private one: deploy/postgres.py)
        self.workers = workers
        self.rq_workers = rq_workers
        self.redis_url = redis_url
        self.port = port or free_port()
        self.workdir = workdir or Path(tempfile.gettempdir()) / f"zlw-stack-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.db_name = f"zlw_stack_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.prefix = f"zlwstack-{uuid.uuid4().hex[:8]}"
        self.extra_env = extra_env or {}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.database_url = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        self.database_url += f"/{self.db_name}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The environment every process of the stack gets."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZLW_")}
        env.update(
            ZLW_ENV="development",
            ZLW_SECRET_KEY=secrets.token_hex(32),
            ZLW_DATABASE_URL=self.database_url,
            ZLW_REDIS_URL=self.redis_url,
            ZLW_QUEUE_PREFIX=self.prefix,
            ZLW_FILES_DIR=str(self.workdir / "files"),
            ZLW_SWEEP_INTERVAL="1",
            ZLW_JOB_STALE_SECONDS="20",
            ZLW_LOGIN_LIMIT_PER_IP="100000",
            ZLW_LOGIN_LIMIT_PER_USER="100000",
            FLASK_APP="wsgi",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5)

    def start(self) -> None:
        """Create the database, prepare it, start every process and wait until the web answers."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._env = self.env()
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{self.db_name}"')
        try:
            for command in (["init-db"], ["deploy"], ["seed-demo"]):
                self.flask(*command)
            self.start_web()
            for i in range(self.rq_workers):
                self.start_rq_worker(i)
            self.start_process("relay", [sys.executable, "-m", "flask", "zlw", "relay"])
            self.wait_for_web()
        except BaseException:
            self.stop()
            raise

    def flask(self, *args: str) -> str:
        """Run one `flask zlw …` command against the stack's database; return its output."""
        done = subprocess.run(  # noqa: S603 - our own argv
            [sys.executable, "-m", "flask", "zlw", *args],
            cwd=ROOT,
            env=self._env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"flask zlw {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def start_process(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        """Start one process of the stack in a session of its own, its output in the work folder."""
        with (self.workdir / f"{name}.log").open("ab") as log:
            proc = subprocess.Popen(  # noqa: S603 - our own argv
                argv, cwd=ROOT, env=self._env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.procs[name] = proc
        return proc

    def start_web(self) -> None:
        self.start_process(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "wsgi:app",
            ],
        )

    def start_rq_worker(self, i: int) -> subprocess.Popen[bytes]:
        return self.start_process(f"rq{i}", [sys.executable, "-m", "flask", "zlw", "worker"])

    def wait_for_web(self, timeout: float = 60) -> None:
        """Wait until gunicorn answers /healthz."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as resp:  # noqa: S310
                if resp.status == 200:
                    return
            if self.procs["web"].poll() is not None:
                break
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer: " + self.log("web")[-2000:])

    def web_workers(self) -> list[int]:
        """The pids of gunicorn's worker processes (the arbiter's children)."""
        arbiter = self.procs["web"].pid
        return [p for p in descendants(arbiter) if _ppid(p) == arbiter]

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop_process(self, name: str, timeout: float = 10) -> None:
        """SIGTERM a process's group, then SIGKILL the group and every descendant left."""
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        victims = descendants(proc.pid) if proc.poll() is None else []
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)

    def stop(self) -> None:
        """Stop every process, delete the stack's Redis keys, drop its database."""
        for name in list(self.procs):
            self.stop_process(name)
        with contextlib.suppress(Exception):
            self._delete_redis_keys()
        with contextlib.suppress(Exception), self._admin() as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.db_name,),
            )
            admin.execute(f'DROP DATABASE IF EXISTS "{self.db_name}"')

    def _delete_redis_keys(self) -> None:
        from redis import Redis

        conn = Redis.from_url(self.redis_url, socket_connect_timeout=2)
        mine = self.prefix.encode()
        for pattern in ("rq:worker:*", "rq:scheduler:*"):
            for key in conn.scan_iter(match=pattern):
                if conn.type(key) == b"hash" and mine in (conn.hget(key, "queues") or b""):
                    conn.delete(key, key + b":executions")
                    conn.srem("rq:workers", key)
        for queue_key in conn.smembers("rq:queues"):
            if mine in queue_key:
                conn.srem("rq:queues", queue_key)
        keys = list(conn.scan_iter(match=f"*{self.prefix}*"))
        for i in range(0, len(keys), 500):
            conn.delete(*keys[i : i + 500])
        conn.close()

    def sql(self, statement: str, *params: object) -> list[tuple[Any, ...]]:
        """Run one statement on the stack's database (outside the app) and return its rows."""
        import psycopg

        url = self.database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            cur = conn.execute(statement, params or None)  # type: ignore[arg-type]
            return list(cur.fetchall()) if cur.description else []


def _ppid(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.stack", description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--rq-workers", type=int, default=2, help="rq worker processes (default 2)")
    parser.add_argument("--redis-db", type=int, default=13, help="Redis database number on 127.0.0.1:6379")
    parser.add_argument("--port", type=int, default=5080, help="the web port (0: any free one)")
    args = parser.parse_args(argv)
    stack = Stack(args.workers, args.rq_workers, f"{REDIS_BASE}/{args.redis_db}", args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with stack:
        print(f"零跑腿 stack at {stack.base_url}/ (database {stack.db_name}, logs in {stack.workdir}); Ctrl-C stops it")
        with contextlib.suppress(KeyboardInterrupt):
            while all(p.poll() is None for p in stack.procs.values()):
                time.sleep(1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
