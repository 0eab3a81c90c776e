"""spiff-arena's backend, built outside the repository (docs/peer-comparison.md), started for bench/peer.py.

A fresh PostgreSQL database of its own (dropped at the end), `flask db upgrade`, bin/bootstrap.py, then its
documented server command (uvicorn spiff_web_server:asgi_app, one worker) with the variables of
bin/local_development_environment_setup (the internal OpenID server), on a free loopback port.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import requests

from deploy.stack import PG_ADMIN_URL, free_port

# the peer's internal OpenID client, as bin/local_development_environment_setup sets it
PEER_CLIENT = ("spiffworkflow-backend", "JXeQExm0JhQPLumgHtIIqf52bDalHz0q")


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
