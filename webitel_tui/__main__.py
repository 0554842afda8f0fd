"""The `webitel-tui` command (pyproject.toml's script) and `python -m webitel_tui`."""

import os
import sys

# The standard library only: the terminal stops echoing before the rest is loaded.
from webitel_tui.terminal_colours import prefer_256
from webitel_tui.terminal_echo import quiet_for_the_tui


def main() -> int:
    quiet_for_the_tui(sys.argv[1:])
    prefer_256(os.environ)  # before Textual is imported: it reads the setting once
    from webitel_tui.cli import main as run_command

    return run_command()


if __name__ == "__main__":
    raise SystemExit(main())
