"""Time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30 s steps, one step of drift)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime
from urllib.parse import quote, urlencode

from ..db import utcnow

# TOTP (RFC 6238): SHA-1, 6 digits, 30-second steps, one step of clock drift either way.
TOTP_DIGITS = 6
TOTP_STEP_SECONDS = 30
TOTP_DRIFT_STEPS = 1
TOTP_ISSUER = "零跑腿"


def new_totp_secret() -> str:
    """A random 160-bit secret in base32, without padding, as authenticator apps expect."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def totp_code(secret: str, at: datetime | None = None, steps: int = 0) -> str:
    """The code for `secret` at time `at` (default now), `steps` time steps away."""
    padded = secret.strip().replace(" ", "").upper()
    key = base64.b32decode(padded + "=" * (-len(padded) % 8))
    counter = int((at or utcnow()).timestamp()) // TOTP_STEP_SECONDS + steps
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**TOTP_DIGITS).zfill(TOTP_DIGITS)


def verify_totp(secret: str, code: str, at: datetime | None = None) -> bool:
    """Tell whether `code` is the code of the current time step or one step either side."""
    code = code.strip().replace(" ", "")
    if len(code) != TOTP_DIGITS or not code.isdigit():
        return False
    at = at or utcnow()
    drift = range(-TOTP_DRIFT_STEPS, TOTP_DRIFT_STEPS + 1)
    return any([hmac.compare_digest(totp_code(secret, at, step), code) for step in drift])


def totp_uri(username: str, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads (as text or QR code)."""
    label = quote(f"{TOTP_ISSUER}:{username}")
    query = urlencode(
        {
            "secret": secret,
            "issuer": TOTP_ISSUER,
            "algorithm": "SHA1",
            "digits": TOTP_DIGITS,
            "period": TOTP_STEP_SECONDS,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"
