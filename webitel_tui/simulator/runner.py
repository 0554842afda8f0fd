"""Run the simulator in the background: in the current event loop, or in a thread.

Both bind a loopback socket first (port 0 picks a free port), so ``base_url`` is known and
the server is accepting connections when ``start_*`` returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from types import TracebackType
from typing import Any, Self

import uvicorn

from webitel_tui.simulator.app import SimulatorApp, create_app
from webitel_tui.simulator.state import SimulatorState

__all__ = [
    "QuietServer",
    "RunningSimulator",
    "SimulatorThread",
    "bind_socket",
    "start_simulator",
    "start_simulator_thread",
    "uvicorn_config",
]


class QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to its host program."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only when the
    # listening socket says so, and without it every answer waits for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        # Listening now (asyncio listens again later) means that once the address is printed,
        # a client's connection waits in the backlog instead of being refused.
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def uvicorn_config(app: SimulatorApp, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        lifespan="off",
        http="h11",
        loop="asyncio",
        log_config=None,
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=1,
    )


class _Base:
    def __init__(self, host: str, port: int, log_level: str, options: dict[str, Any]) -> None:
        """`options` as :func:`create_app` takes them (faults, hold_seconds, state options)."""
        self.app = create_app(**options)
        self.state: SimulatorState = self.app.state
        self._socket = bind_socket(host, port)
        self._server = QuietServer(uvicorn_config(self.app, log_level))
        host, port = self._socket.getsockname()[:2]
        self.host: str = host
        self.port: int = port

    @property
    def root_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What to give the client as its base URL (the API root, with ``/api``)."""
        return f"{self.root_url}/api"

    @property
    def username(self) -> str:
        return self.state.admin_username

    @property
    def password(self) -> str:
        return self.state.admin_password

    @property
    def domain(self) -> str:
        return self.state.domain


class RunningSimulator(_Base):
    """A simulator served by a task of the current event loop. ``await stop()`` ends it."""

    _task: asyncio.Task[None] | None = None

    async def _start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("the simulator stopped while starting")
            await asyncio.sleep(0.005)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        self._socket.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


class SimulatorThread(_Base):
    """A simulator served from its own thread and event loop. ``stop()`` ends it.

    Its ``state`` belongs to the server thread: read it freely, change it only while no
    request is in flight (or through the ``/__sim__/`` admin routes).
    """

    _error: BaseException | None = None

    def _run(self) -> None:
        try:
            asyncio.run(self._server.serve(sockets=[self._socket]))
        except BaseException as exc:  # reported to the starting thread
            self._error = exc

    def _start(self, timeout: float) -> None:
        self._thread = threading.Thread(target=self._run, name="webitel-simulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the simulator did not start") from self._error
            time.sleep(0.005)

    def stop(self, timeout: float = 5.0) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._socket.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


async def start_simulator(
    *, host: str = "127.0.0.1", port: int = 0, log_level: str = "critical", **options: Any
) -> RunningSimulator:
    """Start a simulator in the running event loop; ``port=0`` picks a free port. `options`
    as :func:`create_app` takes them (``generation``, users, seed, admin credentials, faults,
    state options)."""
    running = RunningSimulator(host, port, log_level, options)
    await running._start()
    return running


def start_simulator_thread(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    log_level: str = "critical",
    start_timeout: float = 30.0,
    **options: Any,
) -> SimulatorThread:
    """Start a simulator in a daemon thread (for a sync caller, e.g. before the app runs);
    `options` as :func:`start_simulator` takes them, ``generation`` among them."""
    running = SimulatorThread(host, port, log_level, options)
    running._start(start_timeout)
    return running
