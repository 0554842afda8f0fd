"""The log file: what went wrong, for the admin who asks "what happened?" after the fact.

One rotating file under the platform's log folder (or `[log] file`), for the TUI and every
command. Each line is redacted as it is written: the settings' passwords and tokens and URL
passwords never reach the file, in a message or in a traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path

from webitel_tui.config import LogSettings

PACKAGE_LOGGER = "webitel_tui"
MAX_BYTES = 1_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_handler: logging.Handler | None = None


class RedactingFormatter(logging.Formatter):
    def __init__(self, redact: Callable[[str], str]) -> None:
        super().__init__(FORMAT)
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


def configure(settings: LogSettings, *, debug: bool, redact: Callable[[str], str]) -> Path | None:
    """Send the program's log to its file (replacing the file of an earlier call); the
    file's path, or None when there is none (switched off, or its folder cannot be made: a
    log never stops the program, it says so once on standard error)."""
    global _handler
    logger = logging.getLogger(PACKAGE_LOGGER)
    if _handler is not None:
        logger.removeHandler(_handler)
        _handler.close()
        _handler = None
    # Without a file the log goes nowhere: never to the terminal, which the TUI draws on
    # and whose standard error a script reads as one line.
    _handler = logging.NullHandler()
    logger.addHandler(_handler)
    path = settings.path
    if path is None:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
        )
    except OSError as exc:
        print(f"warning: no log file ({path}: {exc.strerror})", file=sys.stderr)
        return None
    handler.setFormatter(RedactingFormatter(redact))
    level = logging.DEBUG if debug else logging.getLevelName(settings.level)
    logger.removeHandler(_handler)
    logger.addHandler(handler)
    logger.setLevel(level)
    _handler = handler
    return path


def current_path() -> Path | None:
    """The file the log goes to now (None: none)."""
    return Path(_handler.baseFilename) if isinstance(_handler, RotatingFileHandler) else None
