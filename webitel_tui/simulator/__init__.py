"""A Webitel-compatible REST server with demo data and fault injection (demo mode, tests).

It shares only the wire models with the client (``webitel_tui.webitel.wire``).
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
from webitel_tui.simulator.state import LegacyMode, SimulatorState

__all__ = [
    "COLLIDING_NAMES",
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
