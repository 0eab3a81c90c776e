"""The house rules that keep the platform startable: no stdlib shadowing, unsafe config refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from zerolegwork import create_app
from zerolegwork.config import DEV_SECRET, Settings, UnsafeConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_no_top_level_package_shadows_the_standard_library():
    names = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    names |= {p.stem for p in ROOT.glob("*.py")}
    assert names, "expected top-level packages"
    assert not names & set(sys.stdlib_module_names)


def test_spiffworkflow_is_imported_only_inside_the_engine():
    offenders = []
    for path in [*ROOT.joinpath("zerolegwork").rglob("*.py"), *ROOT.joinpath("worker").rglob("*.py")]:
        if "engine" in path.relative_to(ROOT).parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "import SpiffWorkflow" in text or "from SpiffWorkflow" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.mark.parametrize("env", ["test", "production"])
def test_the_development_secret_is_refused_outside_development(env):
    with pytest.raises(UnsafeConfigError, match="ZLW_SECRET_KEY"):
        create_app(Settings(env=env, secret_key=DEV_SECRET))


def test_a_short_secret_is_refused_in_production():
    with pytest.raises(UnsafeConfigError):
        Settings(env="production", secret_key="short").check()


def test_wsgi_refuses_to_start_in_production_with_the_default_secret(tmp_path):
    env = {"ZLW_ENV": "production", "PATH": "/usr/bin:/bin", "ZLW_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    proc = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode != 0
    assert "ZLW_SECRET_KEY" in proc.stderr


def test_production_cookies_are_secure_and_http_only():
    cfg = Settings(env="production", secret_key="x" * 40).to_flask()
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["SESSION_COOKIE_HTTPONLY"] and cfg["SESSION_COOKIE_SAMESITE"] == "Lax"
