"""A detail of a record page (Creatio's detail grid): a short list of rows keyed by id, with a
row cursor, filled whole each time the record or the detail changes.

Its keys are the detail's own, shown in the footer while it has the focus: `+` (or Insert)
adds, Delete deletes the row under the cursor, `a` opens the detail's actions menu (Creatio's
⋮ on a detail). Each runs an action of the page (`add`, `delete`, `more`), as the page's
`check_action` allows it: a read-only card offers none of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from webitel_tui.domain.display import visible
from webitel_tui.i18n import N_
from webitel_tui.ui.widgets.keys_in_order import KeysInOrder

Row = tuple[str, Sequence[str]]
"""A row's key and its cells' text."""
MenuItem = tuple[str, str]
"""(the page's action, caption) of an entry of the detail's actions menu."""

ADD = N_("Add")
DELETE = N_("Delete")


class DetailGrid(KeysInOrder, DataTable[Text]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("plus,insert", "detail_add", ADD, id="detail.add", tooltip="Add to the detail"),
        Binding("delete", "detail_delete", DELETE, id="detail.delete", tooltip="Delete the record"),
        Binding("a", "detail_actions", "Actions", id="detail.actions", tooltip="Detail actions"),
    ]

    def __init__(
        self,
        *columns: str,
        id: str,  # noqa: A002 (Textual's name)
        add: str | None = "add_to_detail",
        delete: str | None = "delete_from_detail",
        more: Sequence[MenuItem] = (),
    ) -> None:
        """`add`, `delete` and the actions of `more` are the page's (its `action_...`
        methods); None, or a page without the method, leaves the key out."""
        super().__init__(cursor_type="row", id=id)
        self.add_columns(*columns)
        self._add = add
        self._delete = delete
        self._more = list(more)

    def fill(self, rows: Iterable[Row], keep: str | None = None) -> None:
        """Show these rows, the cursor on the row `keep` (a moved row) if it is there."""
        self.clear()
        for key, cells in rows:
            # As typed, and never obeyed by the terminal (domain/display.py).
            self.add_row(*(Text(visible(cell)) for cell in cells), key=key)
            if key == keep:
                self.move_cursor(row=self.row_count - 1)
        self.refresh_bindings()  # Delete and the menu follow whether there is a row

    @property
    def current_key(self) -> str | None:
        """The key of the row under the cursor; None when the detail is empty."""
        if self.row_count == 0:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    # The page's actions ------------------------------------------------------------------------

    def _offers(self, action: str | None) -> bool:
        """The page has the action and its `check_action` allows it now."""
        screen = self.screen
        if action is None or not callable(getattr(screen, f"action_{action}", None)):
            return False
        return bool(screen.check_action(action, ()))

    @property
    def menu_items(self) -> list[MenuItem]:
        """The detail's actions the page offers now, as the actions menu lists them."""
        items: list[MenuItem] = []
        if self._offers(self._add):
            items.append((self._add or "", ADD))
        if self._offers(self._delete) and self.row_count:
            items.append((self._delete or "", DELETE))
        items += [(action, caption) for action, caption in self._more if self._offers(action)]
        return items

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "detail_add":
            return self._offers(self._add)
        if action == "detail_delete":
            if not self._offers(self._delete):
                return False
            return True if self.row_count else None  # shown dimmed: nothing to delete
        if action == "detail_actions":
            return bool(self.menu_items)
        return True

    async def action_detail_add(self) -> None:
        await self._run(self._add)

    async def action_detail_delete(self) -> None:
        if self.row_count:
            await self._run(self._delete)

    def action_detail_actions(self) -> None:
        from webitel_tui.ui.screens.dialogs import ActionsMenu

        items = self.menu_items
        if items:
            self.app.push_screen(ActionsMenu(items), self._chosen)

    async def _chosen(self, action: str | None) -> None:
        if action is not None:
            await self._run(action)

    async def _run(self, action: str | None) -> None:
        if self._offers(action):
            # The page acts on the focused detail (after the menu, the focus is back here).
            if self.screen.focused is not self:
                self.screen.set_focus(self)
            await self.screen.run_action(action or "")
