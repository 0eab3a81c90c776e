"""A PostgreSQL cluster of its own, in a folder, on a free port: for faults that kill the server itself.

bench/faults.py's pg_kill scenario kills this cluster's postmaster with SIGKILL and starts it again;
the shared server on 5432 (tests, other work) is never touched. The cluster keeps PostgreSQL's
durable defaults (fsync and synchronous_commit on), so a commit acknowledged to a client is on disk.
Run as root, the server programs run as the `postgres` user (runuser), as PostgreSQL requires.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from deploy.stack import free_port


def _bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


class PrivatePostgres:
    """initdb, start, kill -9, start again, stop; `admin_url` names its `postgres` database."""

    def __init__(self, workdir: Path) -> None:
        self.root = workdir / "pg"
        self.data = self.root / "data"
        self.port = free_port()
        self.bindir = _bindir()

    @staticmethod
    def available() -> bool:
        """Whether a private cluster can be made here (server programs, and the postgres user when root)."""
        if _bindir() is None:
            return False
        if os.geteuid() != 0:
            return True
        return (
            shutil.which("runuser") is not None
            and subprocess.run(["id", "postgres"], capture_output=True).returncode == 0  # noqa: S607
        )

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        assert self.bindir is not None
        command = [str(self.bindir / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, check=check, timeout=120)  # noqa: S603 - our own argv

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    def start(self, attempts: int = 40) -> None:
        """Start the server and wait until it accepts connections (after a kill, until the old one is gone)."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=100"
        for _ in range(attempts):
            done = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options, "-w", "start",
                             check=False)  # fmt: skip
            if done.returncode == 0:
                return
            time.sleep(0.25)  # a killed postmaster's children may still hold its shared memory
        raise RuntimeError(f"private PostgreSQL did not start: {done.stderr.decode(errors='replace')[-400:]}")

    def postmaster_pid(self) -> int | None:
        pidfile = self.data / "postmaster.pid"
        try:
            return int(pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def kill(self) -> None:
        """SIGKILL the postmaster (its backends end when they notice), and wait until it is gone."""
        pid = self.postmaster_pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGKILL)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def stop(self) -> None:
        if self.postmaster_pid() is not None:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)
