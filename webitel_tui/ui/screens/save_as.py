"""The "Save as" prompt: which file to write, the default filled in, keyboard only.

The caller's `check` (a process function) says whether the typed path can be written, and
the caller writes; a file that exists is replaced only after a Yes (a No returns to the
prompt, the path as typed).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from webitel_tui.i18n import N_, tr
from webitel_tui.ui.screens.dialogs import ConfirmDialog
from webitel_tui.ui.screens.prompt import PromptDialog

REPLACE_FILE = N_("The file {0} already exists. Replace it?")


class SaveAsDialog(PromptDialog[Path]):
    SUBTITLE = N_("Enter to save · Esc to cancel")

    def __init__(self, default: Path, check: Callable[[str], Path], *, title: str) -> None:
        super().__init__(str(default), check, title=title, caption=N_("File"))

    def accept(self, value: Path) -> None:
        if value.exists():
            question = ConfirmDialog(tr(REPLACE_FILE, value))
            self.app.push_screen(question, partial(self._replace, value))
        else:
            self.dismiss(value)

    def _replace(self, path: Path, replace: bool | None) -> None:
        if replace:
            self.dismiss(path)
        else:
            self.focus_field()
