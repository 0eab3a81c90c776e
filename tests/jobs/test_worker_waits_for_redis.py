"""An rq worker started while Redis is down waits for it instead of crashing, then works."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.jobs.support import ROOT, RedisServer, free_port, kill_tree, wait_until, worker_command, worker_env
from worker.main import wait_for_redis


class FlakyRedis:
    """Answers a ping only after `failures` refused ones."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.pings = 0

    def ping(self) -> bool:
        self.pings += 1
        if self.pings <= self.failures:
            raise RedisConnectionError("Connection refused")
        return True


def test_the_worker_pings_until_redis_answers() -> None:
    slept: list[float] = []
    conn = FlakyRedis(failures=3)
    assert wait_for_redis(conn, sleep=slept.append) is True
    assert conn.pings == 4 and len(slept) == 3


def test_a_bounded_wait_on_a_closed_port_gives_up_without_raising() -> None:
    slept: list[float] = []
    conn = Redis(port=free_port(), socket_connect_timeout=0.5)
    assert wait_for_redis(conn, attempts=3, sleep=slept.append) is False
    assert len(slept) == 2


@pytest.mark.slow
def test_a_worker_started_before_redis_waits_and_then_works(app: Flask, tmp_path: Path) -> None:
    server = RedisServer(tmp_path)
    app.config["ZLW"].redis_url = server.url
    log_path = tmp_path / "worker.log"
    with log_path.open("ab") as log:
        proc: subprocess.Popen[Any] = subprocess.Popen(
            worker_command(burst=True),
            cwd=ROOT,
            env=worker_env(app),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until(lambda: "waits for it" in log_path.read_text(errors="replace"), 60, "the worker to wait for Redis")
        assert proc.poll() is None, "the worker crashed instead of waiting"
        server.start()
        rc = proc.wait(timeout=60)  # a burst worker stops once the (empty) queues are read
        assert rc == 0, log_path.read_text(errors="replace")[-3000:]
    finally:
        kill_tree(proc)
        if server.proc is not None:
            server.kill()
