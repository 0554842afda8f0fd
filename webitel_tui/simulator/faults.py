"""Fault injection: what the simulator does wrong, on purpose, and how often.

Set at start with ``--faults SPEC`` (repeatable) or at run time with
``POST /__sim__/faults`` and a JSON :class:`FaultConfig`. SPEC forms:

* ``latency=MS``: every API request waits MS milliseconds first;
* ``token-expiry=N``: an access token stops working after N authenticated requests;
* ``status=CODE``, ``timeout``, ``reset`` (or ``drop``), ``malformed``, ``slow=MS``: a rule,
  optionally followed by ``,route=PATTERN``, ``,rate=R`` (0..1), ``,count=N`` (fire at most
  N times) and ``,apply=true`` (carry the request out, then fail: the answer is lost, not the
  change; without it the request is not carried out at all);
* ``malformed`` also takes ``,body=BODY``, what the 200 answer holds: ``truncated`` (cut-off
  JSON, the default), ``html`` (a proxy's HTML page, ``text/html``), ``wrong-shape`` (valid
  JSON that is no Webitel object: ``{"result":"ok"}``) or ``empty`` (``{}``).

PATTERN is ``[METHOD ]/path-glob``, for example ``GET /api/users*`` or ``POST:/api/users``.
Rates use a seeded random generator, so a run with the same seed fails the same requests.
"""

from __future__ import annotations

import fnmatch
import random
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

FaultKind = Literal["status", "timeout", "drop", "malformed", "slow"]
MalformedBody = Literal["truncated", "html", "wrong-shape", "empty"]


class FaultRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    route: str = "*"
    status: int = Field(default=503, ge=100, le=599)
    rate: float = Field(default=1.0, ge=0.0, le=1.0)
    count: int | None = Field(default=None, ge=0)
    latency_ms: float = Field(default=0.0, ge=0.0)
    apply: bool = False
    """Carry the request out first, then fail: the change is stored but the answer is lost."""
    body: MalformedBody = "truncated"
    """What a ``malformed`` rule answers with (status 200)."""

    @field_validator("kind", mode="before")
    @classmethod
    def _reset_is_drop(cls, value: object) -> object:
        # "reset" is what the client sees (a connection reset); "drop" is the older name.
        return "drop" if value == "reset" else value

    @model_validator(mode="after")
    def _body_only_when_malformed(self) -> Self:
        # Another body on another kind is a mistake; the default is what a dumped rule holds.
        if self.kind != "malformed" and self.body != "truncated":
            raise ValueError("body= applies to malformed rules only")
        return self

    def matches(self, method: str, path: str) -> bool:
        route = self.route.strip()
        if route in ("", "*"):
            return True
        wanted_method, _, glob = _split_route(route)
        if wanted_method and wanted_method != method.upper():
            return False
        return fnmatch.fnmatchcase(path, glob)


def _split_route(route: str) -> tuple[str, str, str]:
    if route.startswith("/") or route == "*":
        return "", "", route
    for separator in (" ", ":"):
        method, sep, glob = route.partition(separator)
        if sep and glob.strip().startswith(("/", "*")):
            return method.strip().upper(), sep, glob.strip()
    return route.upper(), "", "*"


class FaultConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latency_ms: float = Field(default=0.0, ge=0.0)
    token_expiry_after: int | None = Field(default=None, ge=0)
    rules: list[FaultRule] = []
    seed: int = 0


class FaultPlan:
    """A :class:`FaultConfig` in use: remembers how often each rule has fired."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self.config = config or FaultConfig()
        self._fired = [0] * len(self.config.rules)
        self._rng = random.Random(self.config.seed)

    def pick(self, method: str, path: str) -> FaultRule | None:
        for index, rule in enumerate(self.config.rules):
            if not rule.matches(method, path):
                continue
            if rule.count is not None and self._fired[index] >= rule.count:
                continue
            if rule.rate < 1.0 and self._rng.random() >= rule.rate:
                continue
            self._fired[index] += 1
            return rule
        return None

    def describe(self) -> dict[str, object]:
        body = self.config.model_dump()
        body["fired"] = list(self._fired)
        return body


_RULE_OPTIONS = ("route", "rate", "count", "apply", "body")


def parse_fault_spec(specs: list[str], *, seed: int = 0) -> FaultConfig:
    """Build a config from ``--faults`` strings (see the module doc). Raises ValueError."""
    latency = 0.0
    expiry: int | None = None
    rules: list[FaultRule] = []
    for spec in specs:
        head, *options = [part.strip() for part in spec.split(",")]
        name, _, value = head.partition("=")
        name = name.strip().lower().replace("_", "-")
        if name == "latency":
            latency = float(value)
            continue
        if name == "token-expiry":
            expiry = int(value)
            continue
        fields: dict[str, object] = {}
        if name == "status":
            fields = {"kind": "status", "status": int(value)}
        elif name == "slow":
            fields = {"kind": "slow", "latency_ms": float(value)}
        elif name in ("timeout", "reset", "drop", "malformed") and not value:
            fields = {"kind": name}
        else:
            raise ValueError(f"unknown fault {head!r}")
        for option in options:
            key, sep, raw = option.partition("=")
            key = key.strip()
            if not sep or key not in _RULE_OPTIONS:
                raise ValueError(
                    f"unknown fault option {option!r} (use route=, rate=, count=, apply=, body=)"
                )
            fields[key] = raw.strip()
        rules.append(FaultRule.model_validate(fields))
    return FaultConfig(latency_ms=latency, token_expiry_after=expiry, rules=rules, seed=seed)
