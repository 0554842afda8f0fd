"""A Webitel-compatible REST server with demo data and fault injection (demo mode, tests).

It shares nothing with the client (an import-linter contract): it reads requests with its own
schemas, written from Webitel's public API definitions (``schemas.py``), so that a wrong
request from the client is refused here as a real server would refuse it.
"""

from webitel_tui.simulator.app import SimulatorApp, create_app
from webitel_tui.simulator.faults import FaultConfig, FaultRule, parse_fault_spec
from webitel_tui.simulator.runner import (
    RunningSimulator,
    SimulatorThread,
    start_simulator,
    start_simulator_thread,
)
from webitel_tui.simulator.seed import COLLIDING_NAMES
from webitel_tui.simulator.state import (
    CURRENT_GENERATION,
    GENERATIONS,
    LegacyMode,
    SimulatorState,
)

__all__ = [
    "COLLIDING_NAMES",
    "CURRENT_GENERATION",
    "GENERATIONS",
    "FaultConfig",
    "FaultRule",
    "LegacyMode",
    "RunningSimulator",
    "SimulatorApp",
    "SimulatorState",
    "SimulatorThread",
    "create_app",
    "parse_fault_spec",
    "start_simulator",
    "start_simulator_thread",
]
