"""Helpers for the job tests: worker subprocesses, a private redis-server, Redis key clean-up, waits."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

from flask import Flask

from tests.conftest import service_missing

ROOT = Path(__file__).resolve().parents[2]
SHARED_REDIS_URL = os.environ.get("ZLW_TEST_JOBS_REDIS_URL", "redis://127.0.0.1:6379/14")
T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float, what: str, interval: float = 0.1) -> T:
    """Call `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def redis_client(url: str) -> Any:
    """A Redis client for `url`, or skip (fail with ZLW_REQUIRE_SERVICES=1) when it does not answer."""
    from redis import Redis

    conn = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        conn.ping()
    except Exception as exc:  # any failure means the service is not usable
        service_missing("Redis at " + url, exc)
    return conn


def delete_installation_keys(conn: Any, prefix: str) -> None:
    """Delete the rq keys of installation `prefix` only: its queues, jobs, registries, workers, schedulers."""
    mine = prefix.encode()
    for pattern in ("rq:worker:*", "rq:scheduler:*"):  # hashes naming their queues
        for key in conn.scan_iter(match=pattern):
            if conn.type(key) == b"hash" and mine in (conn.hget(key, "queues") or b""):
                conn.delete(key, key + b":executions")
                conn.srem("rq:workers", key)
    for queue_key in conn.smembers("rq:queues"):
        if mine in queue_key:
            conn.srem("rq:queues", queue_key)
    keys = list(conn.scan_iter(match=f"*{prefix}*"))
    for i in range(0, len(keys), 500):
        conn.delete(*keys[i : i + 500])


def worker_env(app: Flask, **extra: str) -> dict[str, str]:
    """The environment of a worker process that serves `app`'s database, Redis and queues."""
    cfg = app.config["ZLW"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZLW_")}
    env.update(
        ZLW_ENV="test",
        ZLW_SECRET_KEY=cfg.secret_key,
        ZLW_DATABASE_URL=cfg.database_url,
        ZLW_REDIS_URL=cfg.redis_url,
        ZLW_QUEUE_PREFIX=cfg.queue_prefix,
        ZLW_JOB_STALE_SECONDS=str(cfg.job_stale_seconds),
        ZLW_BPMN_DIR=cfg.bpmn_dir,
        ZLW_FORMS_DIR=cfg.forms_dir,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def worker_command(burst: bool = False) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", "zlw", "worker", *(["--burst"] if burst else [])]


def start_worker(app: Flask, log: IO[bytes]) -> subprocess.Popen[bytes]:
    """Start `flask zlw worker` in a session (process group) of its own."""
    return subprocess.Popen(
        worker_command(),
        cwd=ROOT,
        env=worker_env(app),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def run_burst_worker(app: Flask, log_path: Path, timeout: float = 90) -> None:
    """Run `flask zlw worker --burst` until the queues are empty; fail on a non-zero exit."""
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            worker_command(burst=True),
            cwd=ROOT,
            env=worker_env(app),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            rc = proc.wait(timeout=timeout)
        finally:
            kill_tree(proc)
    assert rc == 0, f"burst worker exited with {rc}:\n{log_path.read_text(errors='replace')[-4000:]}"


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def descendants(pid: int) -> list[int]:
    """Every live descendant of `pid` (children first found, grandchildren after)."""
    tree = _children()
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def is_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def kill_tree(proc: subprocess.Popen[bytes]) -> list[int]:
    """SIGKILL a process started with start_new_session=True, its group and every descendant.

    rq's work-horse calls os.setpgrp(), so killing the worker's process group alone leaves
    the horse running: its pid is collected from /proc before anything is killed.
    """
    victims = descendants(proc.pid) if proc.poll() is None else []
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    for pid in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
    wait_until(lambda: not any(is_alive(p) for p in victims), 10, "killed worker processes to exit")
    return victims


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A redis-server of the test's own on a free port, without persistence."""

    def __init__(self, workdir: Path) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            service_missing("redis-server", "not on PATH")
        self.workdir = workdir
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert self.proc is None
        cmd = [
            str(self.binary),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--dir",
            str(self.workdir),
        ]
        log = (self.workdir / "redis.log").open("ab")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        wait_until(self._answers, 10, f"redis-server on port {self.port}")

    def _answers(self) -> bool:
        from redis import Redis

        try:
            return bool(Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
        except Exception:  # not up yet
            return False

    def kill(self) -> None:
        if self.proc is None:
            return
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.proc = None
