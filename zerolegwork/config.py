"""Every setting of the platform, listed once, read from ZLW_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 - refused outside development


class UnsafeConfigError(RuntimeError):
    """Raised when the configuration must not be used to start the platform."""


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def _decimal(name: str, default: Decimal) -> Decimal:
    raw = os.environ.get(name, str(default))
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise UnsafeConfigError(f"{name} must be a decimal number, not {raw!r}") from None
    if not value.is_finite():
        raise UnsafeConfigError(f"{name} must be a decimal number, not {raw!r}")
    return value


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, str(default)))


@dataclass
class Settings:
    """The platform's settings; `from_env()` reads them, `to_flask()` hands them to Flask."""

    # development | test | production. Anything but development refuses the dev secret.
    env: str = "development"
    # Signs sessions and CSRF tokens. Must be set (and secret) outside development.
    secret_key: str = DEV_SECRET
    # SQLAlchemy URL. Default: an SQLite file under ./var (the embedded default).
    database_url: str = f"sqlite:///{ROOT / 'var' / 'zerolegwork.db'}"
    # SQLAlchemy URL the reports read from (a read replica of database_url; see zerolegwork/replica.py).
    # Empty: reports read the primary. Writes, an export's audit event included, always go to database_url.
    reports_database_url: str = ""
    # Redis URL for rq. Empty: jobs run in-process right after the commit that queued them.
    redis_url: str = ""
    # Prefix for every rq queue name, so several installations or test runs share one Redis.
    queue_prefix: str = "zlw"
    # Outgoing mail for e-mail notifications: SMTP host and port (empty host: mails are kept, not sent),
    # optional login, STARTTLS, and the sender address.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = "noreply@zerolegwork.local"
    # Folder of BPMN/DMN diagrams and folder of form JSON files.
    bpmn_dir: str = str(ROOT / "bpmn")
    forms_dir: str = str(ROOT / "forms")
    # Wall-clock limit for one engine run of scripts and expressions, in seconds.
    script_time_limit: float = 2.0
    # Largest range() a diagram script may build.
    script_max_range: int = 100_000
    # Memory (MB) one script worker process may allocate on top of its own interpreter; past it the
    # script fails with a memory error and the instance becomes an incident.
    script_memory_mb: int = 256
    # Script worker processes kept ready per platform process (web worker, rq worker); bursts start
    # more, up to four times this many, for the time they are needed.
    script_workers: int = 2
    # A parallel multi-instance user task over more items than this keeps its items outside the engine's
    # task tree (one human_task row each, answers in instance_item), so a completion costs the same at
    # 10,000 items as at 20 (engine/items.py).
    mi_detach_at: int = 200
    # A job relayed to rq but not finished after this many seconds is relayed again.
    job_stale_seconds: int = 600
    # How often the worker's relay and timer sweep run, in seconds.
    sweep_interval: float = 5.0
    # Default interface language: zh_CN (Chinese) or en.
    default_locale: str = "zh_CN"
    # Idle minutes before a signed-in session ends.
    session_idle_minutes: int = 30
    # Largest request body in bytes (uploads included).
    max_content_length: int = 50 * 1024 * 1024
    # How many reverse proxies (nginx …) stand in front: their X-Forwarded-For gives the client's
    # address for rate limits and the audit log. 0 = none (the embedded default).
    trusted_proxies: int = 0
    # Sign-in attempts allowed per client address per minute, and per user name per hour.
    login_limit_per_ip: int = 10
    login_limit_per_user: int = 20
    # werkzeug password hash method; scrypt (salted, slow) unless tests choose a cheaper one.
    password_hash_method: str = "scrypt"  # noqa: S105 - a method name, not a secret
    # Folder of uploaded files (stored by sha256) when no S3-compatible storage is configured.
    files_dir: str = str(ROOT / "var" / "files")
    # Largest single uploaded file in bytes; keep it below max_content_length (the whole request).
    upload_max_bytes: int = 20 * 1024 * 1024
    # S3-compatible object storage (MinIO …) for uploaded files: used when all four are set.
    s3_endpoint: str = ""
    s3_bucket: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    # The region the S3 client signs requests for (MinIO accepts the default).
    s3_region: str = "us-east-1"
    # How far a project's 累计投资 (from its progress reports) and the sum of its payments may differ, in
    # percent of 累计投资, before the fund reconciliation flags it (funds/rules.py). A decimal, never a float.
    fund_tolerance_percent: Decimal = Decimal("10")
    # The finance integrated system's (财政一体化) endpoint for outbound pushes (exchange/): project status,
    # arranged and paid amounts, POSTed as JSON with an Idempotency-Key; empty = no pushes are recorded.
    finance_push_url: str = ""
    # Sent as `Authorization: Bearer <token>` when set.
    finance_push_token: str = ""
    # Seconds to wait for the endpoint's answer before the attempt counts as failed.
    finance_push_timeout: float = 5.0
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        """Read every ZLW_* variable, falling back to the defaults above."""
        d = cls()
        return cls(
            env=_env("ZLW_ENV", d.env),
            secret_key=_env("ZLW_SECRET_KEY", d.secret_key),
            database_url=_env("ZLW_DATABASE_URL", d.database_url),
            reports_database_url=_env("ZLW_REPORTS_DATABASE_URL", d.reports_database_url),
            redis_url=_env("ZLW_REDIS_URL", d.redis_url),
            queue_prefix=_env("ZLW_QUEUE_PREFIX", d.queue_prefix),
            smtp_host=_env("ZLW_SMTP_HOST", d.smtp_host),
            smtp_port=_int("ZLW_SMTP_PORT", d.smtp_port),
            smtp_user=_env("ZLW_SMTP_USER", d.smtp_user),
            smtp_password=_env("ZLW_SMTP_PASSWORD", d.smtp_password),
            smtp_starttls=_env("ZLW_SMTP_STARTTLS", "") == "1",
            mail_from=_env("ZLW_MAIL_FROM", d.mail_from),
            bpmn_dir=_env("ZLW_BPMN_DIR", d.bpmn_dir),
            forms_dir=_env("ZLW_FORMS_DIR", d.forms_dir),
            script_time_limit=_float("ZLW_SCRIPT_TIME_LIMIT", d.script_time_limit),
            script_max_range=_int("ZLW_SCRIPT_MAX_RANGE", d.script_max_range),
            script_memory_mb=_int("ZLW_SCRIPT_MEMORY_MB", d.script_memory_mb),
            script_workers=_int("ZLW_SCRIPT_WORKERS", d.script_workers),
            mi_detach_at=_int("ZLW_MI_DETACH_AT", d.mi_detach_at),
            job_stale_seconds=_int("ZLW_JOB_STALE_SECONDS", d.job_stale_seconds),
            sweep_interval=_float("ZLW_SWEEP_INTERVAL", d.sweep_interval),
            default_locale=_env("ZLW_DEFAULT_LOCALE", d.default_locale),
            session_idle_minutes=_int("ZLW_SESSION_IDLE_MINUTES", d.session_idle_minutes),
            max_content_length=_int("ZLW_MAX_CONTENT_LENGTH", d.max_content_length),
            trusted_proxies=_int("ZLW_TRUSTED_PROXIES", d.trusted_proxies),
            login_limit_per_ip=_int("ZLW_LOGIN_LIMIT_PER_IP", d.login_limit_per_ip),
            login_limit_per_user=_int("ZLW_LOGIN_LIMIT_PER_USER", d.login_limit_per_user),
            files_dir=_env("ZLW_FILES_DIR", d.files_dir),
            upload_max_bytes=_int("ZLW_UPLOAD_MAX_BYTES", d.upload_max_bytes),
            s3_endpoint=_env("ZLW_S3_ENDPOINT", d.s3_endpoint),
            s3_bucket=_env("ZLW_S3_BUCKET", d.s3_bucket),
            s3_access_key=_env("ZLW_S3_ACCESS_KEY", d.s3_access_key),
            s3_secret_key=_env("ZLW_S3_SECRET_KEY", d.s3_secret_key),
            s3_region=_env("ZLW_S3_REGION", d.s3_region),
            fund_tolerance_percent=_decimal("ZLW_FUND_TOLERANCE_PERCENT", d.fund_tolerance_percent),
            finance_push_url=_env("ZLW_FINANCE_PUSH_URL", d.finance_push_url),
            finance_push_token=_env("ZLW_FINANCE_PUSH_TOKEN", d.finance_push_token),
            finance_push_timeout=_float("ZLW_FINANCE_PUSH_TIMEOUT", d.finance_push_timeout),
        )

    def check(self) -> None:
        """Refuse settings that are unsafe for the chosen environment."""
        if self.env not in ("development", "test", "production"):
            raise UnsafeConfigError(f"ZLW_ENV must be development, test or production, not {self.env!r}")
        if self.env != "development" and self.secret_key in ("", DEV_SECRET):
            raise UnsafeConfigError(
                "ZLW_SECRET_KEY is the development default; set a long random secret "
                "before starting with ZLW_ENV=" + self.env
            )
        if self.env == "production" and len(self.secret_key) < 32:
            raise UnsafeConfigError("ZLW_SECRET_KEY must be at least 32 characters in production")
        if not (Decimal(0) <= self.fund_tolerance_percent <= Decimal(100)):
            raise UnsafeConfigError(
                f"ZLW_FUND_TOLERANCE_PERCENT must be between 0 and 100, not {self.fund_tolerance_percent}"
            )
        if self.finance_push_url and not self.finance_push_url.startswith(("http://", "https://")):
            raise UnsafeConfigError(
                f"ZLW_FINANCE_PUSH_URL must be an http:// or https:// address, not {self.finance_push_url!r}"
            )
        if not (0 < self.finance_push_timeout <= 60):
            raise UnsafeConfigError(
                f"ZLW_FINANCE_PUSH_TIMEOUT must be between 0 and 60 seconds, not {self.finance_push_timeout}"
            )
        if self.mi_detach_at < 1:
            raise UnsafeConfigError(f"ZLW_MI_DETACH_AT must be at least 1, not {self.mi_detach_at}")

    def to_flask(self) -> dict[str, Any]:
        """Return the Flask config keys these settings imply."""
        import json
        from datetime import timedelta
        from functools import partial

        # JSON columns keep Chinese as text (searchable, readable), not \u escapes
        engine_options: dict[str, Any] = {"json_serializer": partial(json.dumps, ensure_ascii=False)}
        if self.database_url.startswith("sqlite"):
            engine_options["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            engine_options["pool_pre_ping"] = True
        return {
            "ZLW": self,
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            "TESTING": self.env == "test",
            "WTF_CSRF_TIME_LIMIT": None,
            "BABEL_DEFAULT_LOCALE": self.default_locale,
            "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
            "MAX_CONTENT_LENGTH": self.max_content_length,
            "PERMANENT_SESSION_LIFETIME": timedelta(minutes=self.session_idle_minutes),
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.env == "production",
            "REMEMBER_COOKIE_HTTPONLY": True,
            **self.extra,
        }
