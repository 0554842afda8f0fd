"""Password hashing with scrypt (a slow KDF from the standard library)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from webitel_tui.domain.errors import ValidationError
from webitel_tui.domain.limits import PASSWORD, check_text
from webitel_tui.i18n import N_, _, tr

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


# The password policy (System settings, as Creatio's) ------------------------------------------

MIN_LENGTH_SETTING = "MinPasswordLength"
MIN_LETTERS_SETTING = "MinPasswordLetterCharCount"
MIN_DIGITS_SETTING = "MinPasswordNumericCharCount"
MIN_LOWERCASE_SETTING = "MinPasswordLowercaseCharCount"
MIN_UPPERCASE_SETTING = "MinPasswordUppercaseCharCount"
MIN_SPECIAL_SETTING = "MinPasswordSpecialCharCount"


@dataclass(frozen=True)
class PasswordPolicy:
    """What a password a person sets must hold. The defaults are Creatio's: at least 8
    characters, at least one letter and one digit. Not checked for the demo's seeded users
    nor for the random passwords of imported ones."""

    min_length: int = 8
    min_letters: int = 1
    min_digits: int = 1
    min_lowercase: int = 0
    min_uppercase: int = 0
    min_special: int = 0

    @classmethod
    def from_settings(cls, values: Mapping[str, str]) -> PasswordPolicy:
        """The policy of the System settings (code -> value); a setting that is missing or
        not a whole number of at least 0 keeps its default."""
        defaults = cls()
        chosen: dict[str, int] = {}
        for field, code in POLICY_SETTINGS.items():
            raw = values.get(code, "").strip()
            if raw.isascii() and raw.isdigit():
                chosen[field] = int(raw)
            else:
                chosen[field] = getattr(defaults, field)
        return cls(**chosen)

    def problem(self, password: str) -> str | None:
        """The policy's message if `password` breaks it, else None."""
        counts = {
            "min_letters": sum(c.isalpha() for c in password),
            "min_digits": sum(c.isdigit() for c in password),
            "min_lowercase": sum(c.islower() for c in password),
            "min_uppercase": sum(c.isupper() for c in password),
            "min_special": sum(not c.isalnum() for c in password),
        }
        if len(password) >= self.min_length and all(
            counts[field] >= getattr(self, field) for field in counts
        ):
            return None
        return self.message()

    def message(self) -> str:
        """The whole policy in one sentence (a refusal names all of it, not only the part
        broken, as Creatio does)."""
        parts = []
        for field, (one, many) in _PARTS.items():
            wanted: int = getattr(self, field)
            if wanted == 1:
                parts.append(_(one))
            elif wanted > 1:
                parts.append(tr(many, wanted))
        contained = ""
        if parts:
            contained = parts[0] if len(parts) == 1 else ", ".join(parts[:-1])
            if len(parts) > 1:
                contained += _(" and ") + parts[-1]
        if self.min_length and contained:
            return tr(
                "The password must be at least {0} characters long and contain at least {1}.",
                self.min_length,
                contained,
            )
        if self.min_length:
            return tr("The password must be at least {0} characters long.", self.min_length)
        if contained:
            return tr("The password must contain at least {0}.", contained)
        return ""


POLICY_SETTINGS = {
    "min_length": MIN_LENGTH_SETTING,
    "min_letters": MIN_LETTERS_SETTING,
    "min_digits": MIN_DIGITS_SETTING,
    "min_lowercase": MIN_LOWERCASE_SETTING,
    "min_uppercase": MIN_UPPERCASE_SETTING,
    "min_special": MIN_SPECIAL_SETTING,
}
"""The PasswordPolicy field each System setting holds."""

_PARTS = {
    "min_letters": (N_("one letter"), N_("{0} letters")),
    "min_digits": (N_("one digit"), N_("{0} digits")),
    "min_lowercase": (N_("one lowercase letter"), N_("{0} lowercase letters")),
    "min_uppercase": (N_("one uppercase letter"), N_("{0} uppercase letters")),
    "min_special": (N_("one special character"), N_("{0} special characters")),
}


def check_password_policy(password: str, policy: PasswordPolicy) -> None:
    """Refuse a password that breaks the policy (the field named, the input kept), or that
    holds what cannot be hashed or typed at the login (a lone surrogate, a NUL)."""
    check_text(password, PASSWORD)
    problem = policy.problem(password)
    if problem is not None:
        raise ValidationError(problem, "Password")
