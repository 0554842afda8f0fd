"""The hang guard (tests/hang_guard.py) ends a run whose test hangs, saying where."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HANGING = """
import asyncio


async def test_waits_for_ever():
    await asyncio.get_running_loop().create_future()
"""


def test_a_hanging_test_ends_the_run_with_its_stacks(tmp_path: Path) -> None:
    test = tmp_path / "test_hangs.py"
    test.write_text(HANGING)
    command = [sys.executable, "-m", "pytest", "-p", "tests.hang_guard", "-p", "no:cacheprovider"]
    command += ["-q", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT), str(test)]
    env = {**os.environ, "WEBITEL_TUI_TEST_HANG_SECONDS": "1"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    assert "test_waits_for_ever did not end within 1 s: it hangs." in said
    # Where the task waits, from the asyncio task stacks (the thread stacks only show the loop).
    tasks = said[said.index("Unfinished asyncio tasks:") :]
    assert "test_hangs.py" in tasks and "create_future()" in tasks
