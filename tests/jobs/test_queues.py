"""Every queue a job is put on has a worker listening; a worker can be started for one queue (issue 17 item 5)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask

from worker.main import QUEUES, run_worker

ROOT = Path(__file__).resolve().parent.parent.parent


def enqueued_queues() -> set[str]:
    """The queue names the platform's code passes to jobs.enqueue (default when it names none)."""
    found = {"default"}
    for path in (ROOT / "zerolegwork").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            for keyword in node.keywords if name == "enqueue" else ():
                if keyword.arg == "queue":
                    assert isinstance(keyword.value, ast.Constant), f"{path}: a queue is named by a constant"
                    found.add(keyword.value.value)
    return found


def test_every_queue_a_job_is_enqueued_on_has_a_worker_listening():
    # e-mails went to "mail" while the workers listened to "default" only: under rq they were never sent
    assert enqueued_queues() == {"default", "mail"}
    assert enqueued_queues() <= set(QUEUES)


def test_a_worker_for_an_unknown_queue_refuses_to_start(app: Flask):
    app.config["ZLW"].redis_url = "redis://127.0.0.1:1/0"  # never reached: the name is checked first
    with pytest.raises(SystemExit, match="no such queue: pdf"):
        run_worker(burst=True, queues=("pdf",))
