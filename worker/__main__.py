"""`python -m worker`: an rq worker plus the outbox relay and timer sweep, as two processes."""

from __future__ import annotations

import subprocess
import sys


def main() -> int:
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "zlw"]
    relay = subprocess.Popen([*flask, "relay"])
    try:
        return subprocess.call([*flask, "worker"])
    finally:
        relay.terminate()
        relay.wait(timeout=10)


if __name__ == "__main__":
    raise SystemExit(main())
