"""Fixtures: a simulator on a free loopback port, and clients pointed at it.

The simulator fixture is parametrised by Webitel API generation (``gen26``: the current API,
``gen23``: servers before ``generate_device``), so every test that uses it runs against both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from webitel_tui.simulator import (
    GENERATIONS,
    FaultConfig,
    FaultRule,
    RunningSimulator,
    SimulatorThread,
    start_simulator,
)
from webitel_tui.webitel import WebitelClient, WebitelOptions

SIM_USERS = 60

Simulator = RunningSimulator | SimulatorThread
"""A simulator in the test's event loop, or in a thread of its own."""


@pytest.fixture(params=sorted(GENERATIONS, reverse=True), ids=lambda generation: f"gen{generation}")
async def sim(request: pytest.FixtureRequest) -> AsyncIterator[RunningSimulator]:
    running = await start_simulator(
        users=SIM_USERS, seed=7, hold_seconds=3.0, generation=request.param
    )
    try:
        yield running
    finally:
        await running.stop()


def fast_options(sim: Simulator, **overrides: Any) -> WebitelOptions:
    """Options with short timeouts and tiny backoffs so that fault tests stay fast."""
    values: dict[str, Any] = {
        "base_url": sim.base_url,
        "domain": sim.domain,
        "username": sim.username,
        "password": sim.password,
        "timeout": 2.0,
        "retries": 2,
        "backoff": 0.01,
        "backoff_max": 0.05,
    }
    values.update(overrides)
    return WebitelOptions(**values)


@pytest.fixture
async def client(sim: RunningSimulator) -> AsyncIterator[WebitelClient]:
    async with WebitelClient(fast_options(sim)) as webitel:
        yield webitel


@pytest.fixture
def make_client(sim: RunningSimulator) -> Callable[..., WebitelClient]:
    """Build extra clients; the caller closes them (``async with``)."""

    def build(**overrides: Any) -> WebitelClient:
        return WebitelClient(fast_options(sim, **overrides))

    return build


def inject(sim: Simulator, *rules: FaultRule, **config: Any) -> None:
    sim.app.set_faults(FaultConfig(rules=list(rules), **config))
