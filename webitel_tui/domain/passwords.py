"""Password hashing with scrypt (a slow KDF from the standard library)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

# OWASP's minimum for scrypt: N=2^17, r=8, p=1 (about 128 MiB and ~0.1-0.3 s per hash).
DEFAULT_COST = 2**17
_R, _P = 8, 1
_MAXMEM = 256 * 1024 * 1024
COST_CEILING_ENV = "WEBITEL_TUI_TEST_PASSWORD_COST"
"""Test suites only: caps scrypt's N (a power of two) for every hash made in this process.

Hundreds of tests seed demo users and log in, and at the real cost the hashing would outweigh
the tests. Each hash records its own N, so a hash made at any cost verifies whatever this
says."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def cost_ceiling() -> int | None:
    """The cap set by `COST_CEILING_ENV` (None: unset, hashes take the cost asked for)."""
    raw = os.environ.get(COST_CEILING_ENV, "").strip()
    if not raw:
        return None
    # scrypt's own rule for N; checked here so a typo fails loudly, naming the variable.
    problem = ValueError(f"{COST_CEILING_ENV} must be a power of two above 1, not {raw!r}")
    try:
        ceiling = int(raw)
    except ValueError:
        raise problem from None
    if ceiling < 2 or ceiling & (ceiling - 1):
        raise problem
    return ceiling


def hash_password(password: str, *, n: int = DEFAULT_COST) -> str:
    ceiling = cost_ceiling()
    if ceiling is not None:
        n = min(n, ceiling)
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=_R, p=_P, maxmem=_MAXMEM)
    return f"scrypt${n}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def hash_random_password(password: str) -> str:
    """For a password of `random_password` that nobody is told (accounts the import creates
    until an admin sets one): salted SHA-256. A slow KDF protects guessable passwords; 160
    random bits need none, and 10,000 imported users must not cost 10,000 scrypt runs."""
    if len(password) < 20:
        raise ValueError("only random passwords of at least 20 characters")
    salt = secrets.token_bytes(16)
    return f"sha256${_b64(salt)}${_b64(hashlib.sha256(salt + password.encode()).digest())}"


def verify_password(password: str, stored: str) -> bool:
    try:
        if stored.startswith("sha256$"):
            _scheme, salt, digest = stored.split("$")
            raw = base64.b64decode(salt) + password.encode()
            return hmac.compare_digest(hashlib.sha256(raw).digest(), base64.b64decode(digest))
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_MAXMEM,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def random_password(length: int = 20) -> str:
    """For accounts created by the import: nobody knows it; the user must change it."""
    return secrets.token_urlsafe(length)
