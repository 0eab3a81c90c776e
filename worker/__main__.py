"""`python -m worker`: an rq worker plus the outbox relay and timer sweep, as two processes.

SIGTERM to this process (`kill PID`, `docker stop`) stops both: the relay at once, the rq
worker warmly (it finishes its current job first). SIGINT from a terminal reaches the whole
process group, so the children get it themselves; this process then waits for them.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from types import FrameType


def main() -> int:
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "zlw"]
    relay = subprocess.Popen([*flask, "relay"])  # noqa: S603 - a fixed argv, no shell
    worker = subprocess.Popen([*flask, "worker"])  # noqa: S603 - a fixed argv, no shell
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        if stopping:
            return  # one SIGTERM is a warm shutdown; a second one would make rq kill the running job
        stopping = True
        if relay.poll() is None:
            relay.terminate()
        if signum == signal.SIGTERM and worker.poll() is None:
            worker.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        return worker.wait()
    finally:
        if relay.poll() is None:
            relay.terminate()
        try:
            relay.wait(timeout=10)
        except subprocess.TimeoutExpired:
            relay.kill()
            relay.wait()


if __name__ == "__main__":
    raise SystemExit(main())
