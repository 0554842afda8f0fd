"""The Webitel users section's folder panel and quick filters (Creatio's folders and "Add
condition"): `f` shows the panel (moving through it shows each folder; n / F2 / Delete make,
rename and delete folders; Enter goes to the list), `c` filters by a column, `x` clears; with
ticks, Actions puts the ticked records in a static folder or takes them out. The grid keeps
the folder and the conditions per user (ui/profile_data.py); this only asks and shows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static

from webitel_tui.domain.column_filters import (
    NO,
    TYPED,
    WEBITEL_USER_FILTERS,
    YES,
    described,
    replaced,
    typed_filter,
)
from webitel_tui.domain.contacts import Contact
from webitel_tui.domain.folders import (
    FolderCondition,
    FolderKind,
    column_condition,
    folder_filter,
    parse_filter,
)
from webitel_tui.domain.paging import ColumnFilter, PageRequest
from webitel_tui.domain.rights import MANAGE_WEBITEL_USERS
from webitel_tui.domain.webitel_users import WebitelUser
from webitel_tui.i18n import N_, _, tr
from webitel_tui.processes import bulk
from webitel_tui.ui.screens.base import ForwardWorkerErrors, ShellContext
from webitel_tui.ui.screens.contacts import contacts_lookup
from webitel_tui.ui.screens.dialogs import ActionsMenu, ConfirmDialog, MenuItem
from webitel_tui.ui.screens.folders import filter_line, folder_items, folder_name_check
from webitel_tui.ui.screens.prompt import PromptDialog
from webitel_tui.ui.widgets.folder_panel import FolderItem, FolderPanel
from webitel_tui.ui.widgets.section_grid import SectionGrid

FOLDER_BROWSE_DELAY = 0.15
"""Seconds a folder stays under the cursor before the grid reads it: Down held through the
panel reads the folder it stops on, not each one it passes."""
MANAGE_FOLDERS = N_('Changing folders needs the "Manage Webitel users" permission.')
DELETE_FOLDER = N_('Delete the folder "{0}"? Its records stay in the section.')
NEW_FOLDER = N_("New folder")
ADD_TO_FOLDER = N_("Add to folder (ticked: {0})")
REMOVE_FROM_FOLDER = N_("Remove from folder (ticked: {0})")


@dataclass
class FoldersRead(Message):
    items: list[FolderItem]


@dataclass
class ProductsRead(Message):
    products: list[str]


@dataclass
class FolderChanged(Message):
    """A folder was made, renamed, deleted or filled: the panel reads its folders again."""

    text: str
    shown: str | None = None
    """The grid filter to show now (None: the one shown stays)."""


@dataclass
class FolderSaved(Message):
    """The filters were saved as a folder: the list shows it (the filter it is)."""

    shown: str


class FolderedSection(ForwardWorkerErrors, Vertical):
    """A section with the folder panel beside its grid and the filter line above it. The
    subclass makes the grid (`grid`) and composes `folders_and_grid()`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "folders", "Folders", id="section.folders", tooltip="Show the folders"),
        Binding(
            "c",
            "filter_by_column",
            "Filter",
            id="section.filter",
            tooltip="Filter the list by a column's value",
        ),
        Binding(
            "x",
            "clear_filters",
            "Clear filters",
            id="section.clear_filters",
            tooltip="Show all records (no folder, no filter)",
            show=False,
        ),
    ]

    def __init__(self, context: ShellContext, *, id: str) -> None:  # noqa: A002
        super().__init__(id=id, classes="section")
        self.context = context
        self.folder_list: list[FolderItem] = []

    @property
    def grid(self) -> SectionGrid[WebitelUser]:
        raise NotImplementedError

    @property
    def may_manage(self) -> bool:
        """Whether the user may change Webitel users (and the folders): without it the
        section is read-only (the processes refuse the changes anyway; here they are not
        offered)."""
        return self.context.logged_in.can(MANAGE_WEBITEL_USERS)

    def folders_and_grid(self, grid: SectionGrid[WebitelUser]) -> ComposeResult:
        yield Static(id="filter-line", classes="filter-line")
        with Horizontal(classes="section-body"):
            yield FolderPanel(id="folder-panel")
            yield grid

    @property
    def folder_panel(self) -> FolderPanel:
        return self.query_one("#folder-panel", FolderPanel)

    # The folder panel ---------------------------------------------------------------------

    def action_folders(self) -> None:
        """Show the panel and go to it; from the panel: hide it."""
        panel = self.folder_panel
        if panel.display and panel.option_list.has_focus:
            self._hide_panel()
            return
        panel.display = True
        panel.option_list.focus()
        self._read_folders()

    def _hide_panel(self) -> None:
        self.folder_panel.display = False
        self.grid.table.focus()

    @work(exclusive=True, exit_on_error=False, group="section-folders", description="folders")
    async def _read_folders(self) -> None:
        self.post_message(FoldersRead(await folder_items(self.context)))

    @on(FoldersRead)
    def _folders_read(self, event: FoldersRead) -> None:
        event.stop()
        self.folder_list = event.items
        self.folder_panel.show(event.items, self.grid.request.filter)
        self._show_filter_line(self.grid.request)

    @on(FolderPanel.Highlighted)
    def _folder_highlighted(self, event: FolderPanel.Highlighted) -> None:
        event.stop()
        if event.item.filter != self.grid.request.filter:
            self.grid.set_filter(event.item.filter, delay=FOLDER_BROWSE_DELAY)

    @on(FolderPanel.Chosen)
    def _folder_chosen(self, event: FolderPanel.Chosen) -> None:
        event.stop()
        if event.item.filter != self.grid.request.filter:
            self.grid.set_filter(event.item.filter)
        self.grid.table.focus()

    @on(FolderPanel.Asked)
    def _folder_asked(self, event: FolderPanel.Asked) -> None:
        event.stop()
        if event.what == "hide":
            self._hide_panel()
            return
        if not self.may_manage:
            self.notify(_(MANAGE_FOLDERS), severity="warning")
            return
        item = event.item
        if event.what == "new":
            self._ask_folder_name(None)
        elif event.what == "rename" and item is not None and item.folder is not None:
            self._ask_folder_name(item)
        elif event.what == "delete" and item is not None and item.folder is not None:
            question = ConfirmDialog(tr(DELETE_FOLDER, item.caption))
            self.app.push_screen(question, partial(self._delete_answered, item))

    def _ask_folder_name(self, item: FolderItem | None) -> None:
        """A new static folder's name, or a new name for `item`'s folder."""
        own = item.caption if item is not None else None
        taken = {i.caption for i in self.folder_list if i.folder is not None} - {own}
        prompt = PromptDialog(
            own or "",
            folder_name_check(taken),
            title=NEW_FOLDER if item is None else N_("Rename folder"),
            caption=N_("Name"),
        )
        self.app.push_screen(prompt, partial(self._folder_named, item))

    def _folder_named(self, item: FolderItem | None, name: str | None) -> None:
        if name is not None:
            self._save_folder(item, name)

    @work(exclusive=True, exit_on_error=False, group="section-folder-save", description="folder")
    async def _save_folder(self, item: FolderItem | None, name: str) -> None:
        async with self.context.unit_of_work() as uow:
            if item is None or item.folder is None:
                folder = await uow.folders.create(name, FolderKind.STATIC)
            else:
                folder = await uow.folders.rename(item.folder.id, item.folder.version, name)
        shown = folder_filter(folder.id) if item is None else None
        self.post_message(FolderChanged(tr('Folder "{0}" saved.', folder.name), shown))

    def _delete_answered(self, item: FolderItem, yes: bool | None) -> None:
        if yes and item.folder is not None:
            self._delete_folder(item)

    @work(exclusive=True, exit_on_error=False, group="section-folder-save", description="folder")
    async def _delete_folder(self, item: FolderItem) -> None:
        assert item.folder is not None
        async with self.context.unit_of_work() as uow:
            await uow.folders.delete(item.folder.id, item.folder.version)
        shown = "" if self.grid.request.filter == item.filter else None
        self.post_message(FolderChanged(tr('Folder "{0}" deleted.', item.caption), shown))

    @on(FolderChanged)
    def _folder_changed(self, event: FolderChanged) -> None:
        event.stop()
        self.notify(event.text, markup=False)
        if event.shown is not None:
            self.grid.set_filter(event.shown)
        self._read_folders()

    # Ticked records in and out of static folders (the section's Actions) ------------------

    def folder_actions(self) -> list[MenuItem]:
        """The Actions items that put the ticked records in a folder or take them out."""
        ticked = self.grid.ticked_count
        if not ticked or not self.may_manage:
            return []
        items = [("folder:add", tr(ADD_TO_FOLDER, ticked))]
        shown = self.grid.request.filter
        if any(i.filter == shown and i.is_static for i in self.folder_list):
            items.append(("folder:remove", tr(REMOVE_FROM_FOLDER, ticked)))
        return items

    def folder_action_chosen(self, action: str) -> None:
        if action == "folder:remove":
            self._fill_folder(self.grid.request.filter, remove=True)
        elif action == "folder:add":
            statics = [i for i in self.folder_list if i.is_static]
            menu: list[MenuItem] = [(i.filter, i.caption) for i in statics]
            menu.append(("", NEW_FOLDER))
            dialog = ActionsMenu(menu, title=N_("Add to folder"), data=True)
            self.app.push_screen(dialog, self._add_to)

    def _add_to(self, chosen: str | None) -> None:
        if chosen:
            self._fill_folder(chosen, remove=False)
        elif chosen == "":  # a new static folder first, then the records in it
            taken = {i.caption for i in self.folder_list if i.folder is not None}
            prompt = PromptDialog(
                "", folder_name_check(taken), title=NEW_FOLDER, caption=N_("Name")
            )
            self.app.push_screen(prompt, self._new_folder_for_ticked)

    def _new_folder_for_ticked(self, name: str | None) -> None:
        if name is not None:
            self._fill_folder("", remove=False, new_name=name)

    @work(exclusive=True, exit_on_error=False, group="section-folder-save", description="folder")
    async def _fill_folder(self, shown: str, *, remove: bool, new_name: str = "") -> None:
        grid = self.grid
        if grid.all_ticked:
            records: Sequence[WebitelUser] = await bulk.records_of(
                self.context.db, self.context.logged_in.actor, grid.request
            )
        else:
            records = list(grid.selected.values())
        ids = [record.id for record in records]
        folder_id = _folder_id(shown, self.folder_list)
        async with self.context.unit_of_work() as uow:
            if new_name:
                folder_id = (await uow.folders.create(new_name, FolderKind.STATIC)).id
            assert folder_id is not None
            if remove:
                count = await uow.folders.remove_records(folder_id, ids)
            else:
                count = await uow.folders.add_records(folder_id, ids)
            name = (await uow.folders.get(folder_id)).name
        text = (
            tr("Removed from {0}: {1}", name, count)
            if remove
            else tr("Added to {0}: {1}", name, count)
        )
        self.post_message(FolderChanged(text, shown if remove else None))

    # Filters by column ---------------------------------------------------------------------

    def _captions(self) -> dict[str, str]:
        return {column.key: _(column.caption) for column in self.grid.all_columns}

    @on(SectionGrid.FiltersChanged)
    def _filters_changed(self, event: SectionGrid.FiltersChanged) -> None:
        event.stop()
        self._show_filter_line(event.request)
        if event.request.filter and not self.folder_list:
            self._read_folders()  # a folder left last time: its name for the line

    def _show_filter_line(self, request: PageRequest) -> None:
        line = self.query_one("#filter-line", Static)
        text = filter_line(request, self.folder_list, self._captions())
        line.update(text or "")
        line.display = text is not None

    def action_clear_filters(self) -> None:
        self.grid.set_filters("", ())
        panel = self.folder_panel
        if panel.display and self.folder_list:
            panel.show(self.folder_list, "")

    def action_filter_by_column(self) -> None:
        """Creatio's "Add condition": a column, then its value; a column's condition again
        replaces it, and the menu offers to remove the conditions set."""
        captions = self._captions()
        items: list[MenuItem] = [
            (column.key, captions[column.key])
            for column in self.grid.all_columns
            if column.key in WEBITEL_USER_FILTERS
        ]
        items += [
            (f"remove:{c.column}", tr("Remove: {0}", described(c, captions[c.column])))
            for c in self.grid.request.where
        ]
        if self.grid.request.where and self.may_manage and self._savable():
            items.append(("save-as-folder", N_("Save as folder")))
        self.app.push_screen(ActionsMenu(items, title=N_("Filter by")), self._column_chosen)

    def _savable(self) -> bool:
        """Whether the list as shown can be a dynamic folder: its folder, if any, is one of
        conditions (a static folder's records were chosen; the records to reconcile change
        by themselves)."""
        shown = self.grid.request.filter
        if not shown:
            return True
        item = next((i for i in self.folder_list if i.filter == shown), None)
        return item is not None and not item.is_static

    def _save_as_folder(self) -> None:
        taken = {i.caption for i in self.folder_list if i.folder is not None}
        prompt = PromptDialog("", folder_name_check(taken), title=NEW_FOLDER, caption=N_("Name"))
        self.app.push_screen(prompt, self._dynamic_named)

    def _dynamic_named(self, name: str | None) -> None:
        if name is not None:
            self._save_dynamic(name, self.grid.request)

    @work(exclusive=True, exit_on_error=False, group="section-folder-save", description="folder")
    async def _save_dynamic(self, name: str, request: PageRequest) -> None:
        """A dynamic folder of the list as shown: its folder's conditions and the filters."""
        conditions = [column_condition(c) for c in request.where]
        async with self.context.unit_of_work() as uow:
            shown = parse_filter(request.filter)
            if isinstance(shown, FolderCondition):
                conditions.insert(0, shown)
            elif shown is not None:
                conditions[:0] = (await uow.folders.get(shown)).conditions
            folder = await uow.folders.create(name, FolderKind.DYNAMIC, conditions)
        self.post_message(FolderChanged(tr('Folder "{0}" saved.', folder.name)))
        self.post_message(FolderSaved(folder_filter(folder.id)))

    @on(FolderSaved)
    def _folder_saved(self, event: FolderSaved) -> None:
        event.stop()
        self.grid.set_filters(event.shown, ())  # the folder says it all now

    def _column_chosen(self, key: str | None) -> None:
        if key is None:
            return
        where = self.grid.request.where
        if key == "save-as-folder":
            self._save_as_folder()
        elif key.startswith("remove:"):
            column = key.removeprefix("remove:")
            self.grid.set_where(tuple(c for c in where if c.column != column))
        elif key in TYPED:
            now = next((c.value for c in where if c.column == key), "")
            caption = self._captions()[key]
            prompt = PromptDialog(
                now, partial(typed_filter, key), title=N_("Filter by"), caption=caption
            )
            self.app.push_screen(prompt, self._add_condition)
        elif key == "stun":
            menu = [(YES, N_("Yes")), (NO, N_("No"))]
            self.app.push_screen(
                ActionsMenu(menu, title=self._captions()["stun"]), self._stun_chosen
            )
        elif key == "licenses":
            self._read_products()
        elif key == "contact":
            self.app.push_screen(contacts_lookup(self.context), self._contact_chosen)

    def _add_condition(self, condition: ColumnFilter | None) -> None:
        if condition is not None:
            self.grid.set_where(replaced(self.grid.request.where, condition))

    def _stun_chosen(self, value: str | None) -> None:
        if value is not None:
            shown = _("Yes") if value == YES else _("No")
            self._add_condition(ColumnFilter(column="stun", value=value, shown=shown))

    def _contact_chosen(self, chosen: list[Contact] | None) -> None:
        if chosen:
            contact = chosen[0]
            self._add_condition(
                ColumnFilter(column="contact", value=str(contact.id), shown=contact.name)
            )

    @work(exclusive=True, exit_on_error=False, group="section-products", description="licenses")
    async def _read_products(self) -> None:
        async with self.context.unit_of_work() as uow:
            products = await uow.folders.products_in_use()
        self.post_message(ProductsRead(products))

    @on(ProductsRead)
    def _products_read(self, event: ProductsRead) -> None:
        event.stop()
        if not event.products:
            self.notify(_("No record has a license."), markup=False)
            return
        menu = [(product, product) for product in event.products]
        dialog = ActionsMenu(menu, title=self._captions()["licenses"], data=True)
        self.app.push_screen(dialog, self._product_chosen)

    def _product_chosen(self, product: str | None) -> None:
        if product is not None:
            condition = ColumnFilter(column="licenses", value=product, shown=product)
            self._add_condition(condition)


def _folder_id(shown: str, items: Sequence[FolderItem]) -> uuid.UUID | None:
    for item in items:
        if item.filter == shown and item.folder is not None:
            return item.folder.id
    return None
