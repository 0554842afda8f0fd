"""Creatio's folder panel of a section: "All", the folders (static and dynamic) and the
"Has license ..." folders, in a list. Moving through it shows each folder in the grid; Enter
goes to the grid. It holds no data of its own: the section gives it the folders and carries
out what its keys ask (a new folder, a rename, a delete)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from webitel_tui.domain.display import visible
from webitel_tui.domain.folders import Folder, FolderKind
from webitel_tui.i18n import _

STATIC_MARK = "▪ "
"""Before a static folder's name (its records were chosen, not found by conditions)."""


@dataclass(frozen=True)
class FolderItem:
    """A line of the panel: the grid filter it shows ("" for all records), its caption as
    shown, and the stored folder behind it (None: "All", or a "Has license" folder)."""

    filter: str
    caption: str
    folder: Folder | None = None

    @property
    def is_static(self) -> bool:
        return self.folder is not None and self.folder.kind is FolderKind.STATIC


class FolderPanel(Vertical):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n,insert", "new_folder", "New folder", id="folders.new"),
        Binding("f2", "rename_folder", "Rename", id="folders.rename"),
        Binding("delete", "delete_folder", "Delete", id="folders.delete"),
        Binding("escape", "hide", "Hide folders", id="folders.hide"),
    ]

    @dataclass
    class Highlighted(Message):
        """The cursor is on a folder: the grid shows it."""

        item: FolderItem

    @dataclass
    class Chosen(Message):
        """Enter on a folder: the grid shows it and takes the focus."""

        item: FolderItem

    @dataclass
    class Asked(Message):
        """A key asked for a change of the folder under the cursor ("new", "rename",
        "delete", "hide"); the section carries it out."""

        what: str
        item: FolderItem | None

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id, classes="folder-panel")
        self.items: list[FolderItem] = []

    def compose(self) -> ComposeResult:
        yield Label(_("Folders"), classes="folder-caption")
        yield OptionList(id="folder-list", compact=True)

    @property
    def option_list(self) -> OptionList:
        return self.query_one("#folder-list", OptionList)

    def show(self, items: Sequence[FolderItem], current: str) -> None:
        """List `items`, the cursor on the one whose filter is `current` (the section does
        not show a highlighted folder again that the grid already shows)."""
        self.items = list(items)
        option_list = self.option_list
        option_list.set_options(
            # Names are data (an admin names folders): shown, never obeyed.
            Option(Text((STATIC_MARK if item.is_static else "") + visible(item.caption)))
            for item in self.items
        )
        filters = [item.filter for item in self.items]
        # No line for a filter that is no folder (the records to reconcile): none is lit.
        option_list.highlighted = filters.index(current) if current in filters else None

    @property
    def current(self) -> FolderItem | None:
        index = self.option_list.highlighted
        return None if index is None or index >= len(self.items) else self.items[index]

    @on(OptionList.OptionHighlighted, "#folder-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        item = self.current
        # The user's move only: listing the folders lights the one shown, and the panel may
        # be hidden while the list changes its filter.
        if item is not None and self.option_list.has_focus:
            self.post_message(self.Highlighted(item))

    @on(OptionList.OptionSelected, "#folder-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        item = self.current
        if item is not None:
            self.post_message(self.Chosen(item))

    def action_new_folder(self) -> None:
        self.post_message(self.Asked("new", self.current))

    def action_rename_folder(self) -> None:
        self.post_message(self.Asked("rename", self.current))

    def action_delete_folder(self) -> None:
        self.post_message(self.Asked("delete", self.current))

    def action_hide(self) -> None:
        self.post_message(self.Asked("hide", self.current))
