"""``simulator`` command: serve a Webitel-compatible API on loopback until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import socket
import sys

from webitel_tui.simulator.app import create_app
from webitel_tui.simulator.faults import FaultConfig, parse_fault_spec
from webitel_tui.simulator.runner import QuietServer, bind_socket, uvicorn_config
from webitel_tui.simulator.state import CURRENT_GENERATION, GENERATIONS

FAULTS_HELP = (
    "fault to inject (repeatable): latency=MS | token-expiry=N | status=CODE | timeout | "
    "reset | malformed | slow=MS, rules optionally followed by ,route=[METHOD ]/glob "
    ",rate=0..1 ,count=N ,apply=true (carry the request out, then fail); malformed also "
    "takes ,body=truncated|html|wrong-shape|empty; e.g. "
    "'status=503,route=GET /api/users*,rate=0.2' or "
    "'malformed,body=html,route=PATCH /api/users/*,apply=true'"
)

STATE_OPTIONS = (
    "users", "seed", "username", "password", "domain", "user_password", "legacy_devices",
    "generation",
)  # fmt: skip
"""The options that go to :class:`SimulatorState` under their own names."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="simulator", description="Serve a Webitel-compatible REST API with demo data."
    )
    # Every option with a default says it in --help ("(default: ...)"): the port, the
    # administrator's login and password and the domain are what a client needs to know.
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=8765, help="0 picks a free port (default: %(default)s)"
    )
    parser.add_argument(
        "--users", type=int, default=1000, help="number of seeded users (default: %(default)s)"
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the demo data (default: %(default)s)"
    )
    parser.add_argument(
        "--username", default="admin", help="administrator login (default: %(default)s)"
    )
    parser.add_argument(
        "--password", default="admin", help="administrator password (default: %(default)s)"
    )
    parser.add_argument(
        "--domain", default="demo", help="domain to log in to (default: %(default)s)"
    )
    parser.add_argument(
        "--user-password",
        default="demo",
        help="password of every seeded non-admin user (default: %(default)s)",
    )
    parser.add_argument(
        "--generation",
        type=int,
        choices=GENERATIONS,
        default=CURRENT_GENERATION,
        help="the Webitel API generation served: 26 (generate_device on POST /users) or 23 "
        "(no generate_device; POST /devices requires a SIP password) (default: %(default)s)",
    )
    parser.add_argument(
        "--legacy-devices",
        choices=("off", "reject", "ignore"),
        default="off",
        help="behave like a server older than generate_device: reject or ignore the "
        "parameter (default: %(default)s)",
    )
    parser.add_argument("--faults", action="append", default=[], metavar="SPEC", help=FAULTS_HELP)
    parser.add_argument(
        "--latency",
        type=float,
        metavar="MS",
        help="milliseconds added to every API answer (the same as --faults latency=MS)",
    )
    parser.add_argument(
        "--log-level",
        default="warning",
        help="uvicorn's log level (default: %(default)s)",
    )
    return parser


def fault_config(args: argparse.Namespace) -> FaultConfig:
    """The faults of the command line; ``--latency`` wins over a ``latency=`` spec."""
    specs = list(args.faults)
    if args.latency is not None:
        specs.append(f"latency={args.latency:g}")
    return parse_fault_spec(specs, seed=args.seed)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        faults = fault_config(args)
    except ValueError as exc:
        print(f"simulator: bad --faults: {exc}", file=sys.stderr)
        return 2
    app = create_app(faults=faults, **{name: getattr(args, name) for name in STATE_OPTIONS})
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"simulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    # The password is the simulator's own demo credential, so printing it here is the point.
    print(f"Webitel simulator: http://{shown}:{port}/api", flush=True)
    print(
        f"  domain {args.domain}  user {args.username}  password {args.password}  "
        f"({len(app.state.users)} users; other users' password: {args.user_password}; "
        f"API generation {args.generation})",
        flush=True,
    )
    if faults.rules or faults.latency_ms or faults.token_expiry_after is not None:
        print(f"  faults: {faults.model_dump_json()}", flush=True)
    server = QuietServer(uvicorn_config(app, args.log_level))
    try:
        asyncio.run(_serve(server, sock))
    finally:
        sock.close()
    return 0


async def _serve(server: QuietServer, sock: socket.socket) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
    await server.serve(sockets=[sock])


if __name__ == "__main__":
    raise SystemExit(main())
