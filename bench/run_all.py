"""Run every benchmark in bench/ and sum up their figures.

    python bench/run_all.py [--strict] [NAME ...]

Runs each `bench/<name>.py` (all but this file and files starting with "_", or only the
NAMEs given) as `sys.executable bench/<name>.py` from the repository root, one after the
other, streaming its output. Each figure a benchmark prints is one line
`BENCH <name> <value> <unit> target <= <target>`; the summary at the end lists every such
line and whether it met its target.

Exit status: 1 if any benchmark failed (non-zero exit, no BENCH line, or a BENCH line that
does not parse); with --strict, also if any figure missed its target. Missed targets alone do
not fail the run by default: timings depend on the machine, and the summary shows them.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
BENCH_LINE = re.compile(
    r"^BENCH (?P<name>\S+) (?P<value>\S+) (?P<unit>\S+) target <= (?P<target>\S+)$"
)


@dataclass(frozen=True)
class Figure:
    line: str
    value: float
    target: float

    @property
    def met(self) -> bool:
        return self.value <= self.target


@dataclass
class Outcome:
    script: str
    returncode: int = 0
    seconds: float = 0.0
    figures: list[Figure] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)

    @property
    def failure(self) -> str | None:
        if self.returncode != 0:
            return f"exited with status {self.returncode}"
        if self.malformed:
            return f"{len(self.malformed)} malformed BENCH line(s)"
        if not self.figures:
            return "printed no BENCH line"
        return None


def parse_figure(line: str) -> Figure | None:
    """The figure of a `BENCH ...` line, or None if the line does not follow the format."""
    match = BENCH_LINE.match(line)
    if match is None:
        return None
    try:
        value, target = float(match["value"]), float(match["target"])
    except ValueError:
        return None
    if not (math.isfinite(value) and math.isfinite(target)):
        return None
    return Figure(line=line, value=value, target=target)


def discover() -> dict[str, Path]:
    this = Path(__file__).resolve()
    return {
        path.stem: path
        for path in sorted(BENCH_DIR.glob("*.py"))
        if path.resolve() != this and not path.name.startswith("_")
    }


def run_script(path: Path) -> Outcome:
    relative = path.relative_to(ROOT).as_posix()
    outcome = Outcome(script=relative)
    print(f"=== {relative}", flush=True)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    started = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, relative],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        bufsize=1,
    ) as process:
        assert process.stdout is not None
        for raw_line in process.stdout:
            sys.stdout.write(raw_line)
            sys.stdout.flush()
            line = raw_line.rstrip("\r\n")
            if line.startswith("BENCH "):
                figure = parse_figure(line.rstrip())
                if figure is None:
                    outcome.malformed.append(line)
                else:
                    outcome.figures.append(figure)
        outcome.returncode = process.wait()
    outcome.seconds = time.perf_counter() - started
    print(f"=== {relative}: exit {outcome.returncode} in {outcome.seconds:.1f} s\n", flush=True)
    return outcome


def summary(outcomes: list[Outcome]) -> tuple[int, int]:
    """Print the summary; return (failed scripts, missed targets)."""
    print("=== Summary")
    failed = missed = 0
    for outcome in outcomes:
        for figure in outcome.figures:
            missed += not figure.met
            print(f"{'met   ' if figure.met else 'MISSED'}  {figure.line}")
        for line in outcome.malformed:
            print(f"BAD     {line!r} (expected: BENCH <name> <value> <unit> target <= <value>)")
        problem = outcome.failure
        if problem is not None:
            failed += 1
            print(f"FAILED  {outcome.script}: {problem}")
    figures = sum(len(outcome.figures) for outcome in outcomes)
    print(
        f"{len(outcomes)} benchmark(s), {failed} failed; "
        f"{figures} figure(s), {figures - missed} met, {missed} missed"
    )
    return failed, missed


def main(argv: list[str] | None = None) -> int:
    available = discover()
    parser = argparse.ArgumentParser(description="Run the benchmarks in bench/.")
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"only these: {', '.join(available) or 'none'}"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 also when a figure misses its target"
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name.removesuffix(".py") not in available]
    if unknown:
        parser.error(f"no benchmark named {', '.join(unknown)}")
    chosen = [name.removesuffix(".py") for name in args.names] or list(available)
    if not chosen:
        print(f"no benchmark found in {BENCH_DIR}")
        return 1
    outcomes = [run_script(available[name]) for name in chosen]
    failed, missed = summary(outcomes)
    return 1 if failed or (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
