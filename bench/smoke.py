"""Run every benchmark script in bench/ at tiny scale, so that none can rot unseen: `make bench-smoke`.

Run from the repository root:

    .venv/bin/python -m bench.smoke [--timeout 300] [--only engine,inbox]

A benchmark script is a module of bench/ that runs as `python -m bench.<name>` (it has a
`__main__` block); each is started with `--smoke` in its own process. A script that exits non-zero,
does not know `--smoke`, or runs past the timeout fails the run; its output's tail is printed.
The figures printed at this scale mean nothing: full-scale runs stay manual (bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TAIL_LINES = 40


def scripts() -> list[str]:
    """The names of bench/'s runnable scripts (this runner excluded)."""
    found = []
    for path in sorted(BENCH.glob("*.py")):
        if path.stem in ("__init__", "smoke"):
            continue
        if 'if __name__ == "__main__":' in path.read_text(encoding="utf-8"):
            found.append(path.stem)
    return found


def run(name: str, timeout: float) -> tuple[bool, float, str]:
    """Run one script with --smoke; return (passed, seconds, the tail of its output)."""
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", f"bench.{name}", "--smoke"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return False, time.perf_counter() - started, f"{out}\n... timed out after {timeout:.0f} s"
    output = (done.stdout or "") + (done.stderr or "")
    tail = "\n".join(output.splitlines()[-TAIL_LINES:])
    return done.returncode == 0, time.perf_counter() - started, tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.smoke", description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=300, help="seconds per script (default 300)")
    parser.add_argument("--only", default="", help="comma-separated script names (default: all)")
    args = parser.parse_args(argv)
    names = scripts()
    if args.only:
        wanted = args.only.split(",")
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            print(f"[bench-smoke] no such bench script: {', '.join(unknown)}")
            return 2
        names = [n for n in names if n in wanted]
    failed = []
    for name in names:
        ok, seconds, tail = run(name, args.timeout)
        print(f"[bench-smoke] {'ok  ' if ok else 'FAIL'} bench/{name}.py --smoke ({seconds:.1f} s)", flush=True)
        if not ok:
            failed.append(name)
            print("\n".join(f"    | {line}" for line in tail.splitlines()), flush=True)
    if failed:
        print(f"[bench-smoke] FAILED: {', '.join(failed)} ({len(failed)} of {len(names)})")
        return 1
    print(f"[bench-smoke] all {len(names)} bench scripts ran at smoke scale")
    return 0


if __name__ == "__main__":
    sys.exit(main())
