"""Creatio's record page: fields, Save / Cancel / Close, required fields, unsaved changes,
and the optimistic-lock conflict with a choice to reload.

A page subclasses `RecordPage`, composes its fields in `compose_fields`, and implements
`load` (read the record, fill the fields) and `save` (write it); both run in a worker. The
admin's input is never lost: a refused save leaves every field as typed.

A refusal that names its field (`ValidationError.field`, a caption such as "Extension") is
shown twice from the one text: under the page's caption, and in a line right under the field
(class `field-error`), which takes the focus. The page names its fields in `REQUIRED` and
`FIELDS` (caption -> widget id).

`field_row` puts a caption beside its field, on one line; the captions of a page's rows are
made as wide as the widest, so that the fields line up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import HorizontalGroup, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Static

from webitel_tui.domain.display import visible, visible_lines
from webitel_tui.domain.errors import DomainError, RecordConflictError, RequiredFieldError
from webitel_tui.i18n import N_, _
from webitel_tui.ui.screens.base import ScreenMixin, ShellContext
from webitel_tui.ui.screens.dialogs import UNSAVED_CHANGES, ConfirmDialog
from webitel_tui.ui.widgets.keys_footer import KeysFooter
from webitel_tui.ui.widgets.title_bar import TitleBar

SAVED = N_("The record has been saved.")
RELOAD_QUESTION = N_("Reload the record? Your changes on this page will be lost.")
RETRY_QUESTION = N_("Retry?")


def field_row(caption: str, field: Widget) -> HorizontalGroup:
    """`field` with its caption on its left, on one line (a compact header)."""
    return HorizontalGroup(Label(caption, classes="field-caption"), field, classes="field-row")


class RecordPage(ScreenMixin, Screen[bool]):
    """Dismissed with True when something was saved (the list underneath reloads)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="record.save", priority=True),
        Binding("escape", "close", "Close", id="record.close"),
        Binding("ctrl+z", "cancel", "Cancel", id="record.cancel", tooltip="Discard changes"),
    ]
    AUTO_FOCUS = "Input"
    """The first field takes the keys as the page opens (pages may name another)."""
    REQUIRED: ClassVar[dict[str, str]] = {}
    """Input id -> caption of the fields that must be filled to save."""
    FIELDS: ClassVar[dict[str, str]] = {}
    """Caption a refusal names (`ValidationError.field`) -> id of the widget that shows the
    field, for the fields not in `REQUIRED`."""

    @dataclass
    class Loaded(Message):
        pass

    @dataclass
    class Saved(Message):
        pass

    @dataclass
    class SaveRefused(Message):
        message: str
        field: str | None
        conflict: bool
        retryable: bool = False

    def __init__(self, context: ShellContext, caption: str) -> None:
        super().__init__()
        self.context = context
        self.caption = _(caption)
        self.saved_any = False
        self._clean: dict[str, object] = {}
        self._saving = False
        self._just_saved = False

    # What subclasses provide -----------------------------------------------------------------

    def compose_fields(self) -> ComposeResult:
        yield from ()

    async def load(self) -> None:
        """Read the record and fill the fields (runs in a worker; use `post_message` or
        `call_later` to touch widgets, or fill them in `on_loaded`)."""

    async def save(self) -> None:
        """Write the record from the field values; raise DomainError to refuse."""

    def on_loaded(self) -> None:
        """Called on the UI side after `load` finished."""

    def on_saved(self) -> None:
        """Called on the UI side once a save went through and the record was read again."""

    # The page --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TitleBar(self.app.title, self.caption, id="title-bar")
        # Not a Tab stop of its own (an invisible one between fields): the focused field is
        # scrolled into view, and the fields are what Tab moves between.
        with VerticalScroll(classes="page-body record-page", can_focus=False):
            yield Static(Text(visible(self.caption)), classes="page-caption", id="record-caption")
            # Under the caption, so a refusal is seen at once even on a long page at 80x24.
            yield Static(id="record-message", classes="record-message")
            yield from self.compose_fields()
        yield KeysFooter()

    def on_mount(self) -> None:
        self._align_captions()
        self._load()

    def _align_captions(self) -> None:
        """The captions of the page's field rows as wide as the widest, so that the fields
        line up, in whatever language."""
        captions = list(self.query(".field-row > .field-caption").results(Label))
        width = max((cell_len(str(caption.content)) for caption in captions), default=0)
        for caption in captions:
            caption.styles.width = width

    @work(exclusive=True, exit_on_error=False, group="record", description="load record")
    async def _load(self) -> None:
        await self.load()
        self.post_message(self.Loaded())

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        event.stop()
        self.on_loaded()
        self.mark_clean()
        if self._just_saved:
            self._just_saved = False
            self.on_saved()

    def values(self) -> dict[str, object]:
        """The editable state of the page: every Input and Checkbox with an id."""
        state: dict[str, object] = {}
        for field in self.query(Input):
            if field.id:
                state[field.id] = field.value
        for box in self.query(Checkbox):
            if box.id:
                state[box.id] = box.value
        return state

    def mark_clean(self) -> None:
        self._clean = self.values()

    @property
    def dirty(self) -> bool:
        return self.values() != self._clean

    def set_caption(self, caption: str) -> None:
        self.caption = _(caption)
        self.query_one("#record-caption", Static).update(Text(visible(self.caption)))
        self.query_one(TitleBar).show_user_part(self.caption)

    def show_message(self, message: str, *, error: bool) -> None:
        """A message under the caption; it may quote data (a refusal naming a value, the
        server's words): shown, never obeyed (domain/display.py)."""
        label = self.query_one("#record-message", Static)
        label.update(Text(visible_lines(message)))
        label.set_class(error, "-error")
        label.display = bool(message)

    # Errors next to their field -------------------------------------------------------------

    def field_widget(self, caption: str) -> Widget | None:
        """The widget of the field a refusal names by its caption, if the page shows it."""
        required = {name: field_id for field_id, name in self.REQUIRED.items()}
        field_id = {**required, **self.FIELDS}.get(caption)
        if field_id is None:
            return None
        return self.query_one_optional(f"#{field_id}")

    def show_field_error(self, field: Widget, message: str) -> None:
        """`message` under the caption and in a line right under `field`, which takes the
        focus (when it can) and is scrolled into view with its line."""
        self.clear_field_errors()
        self.show_message(message, error=True)
        field.add_class("-bad-field")
        line = Static(Text(visible_lines(message)), classes="field-error")
        # Under the field's row when it has its caption beside it, lined up with the field.
        row = field.parent
        anchor = field
        if isinstance(row, Widget) and row.has_class("field-row"):
            line.styles.margin = (0, 0, 0, field.region.x - row.region.x)
            anchor = row
        if isinstance(anchor.parent, Widget):
            anchor.parent.mount(line, after=anchor)
        if field.focusable:
            field.focus()
        # Once the line has its place on the screen: the field and its line in view.
        self.call_after_refresh(line.scroll_visible, animate=False)

    def clear_field_errors(self) -> None:
        self.query(".field-error").remove()
        for field in self.query(".-bad-field"):
            field.remove_class("-bad-field")

    # Save ------------------------------------------------------------------------------------

    def missing_required(self) -> tuple[str, str] | None:
        for field_id, caption in self.REQUIRED.items():
            field = self.query_one(f"#{field_id}", Input)
            if not field.display:
                continue
            if not field.value.strip():
                return field_id, caption
        return None

    def action_save(self) -> None:
        if self._saving:
            return
        self.clear_field_errors()
        missing = self.missing_required()
        if missing is not None:
            field_id, caption = missing
            message = str(RequiredFieldError(caption))
            self.show_field_error(self.query_one(f"#{field_id}"), message)
            return
        self._saving = True
        self.show_message(_("Saving…"), error=False)
        self._save()

    @work(exclusive=True, exit_on_error=False, group="record", description="save record")
    async def _save(self) -> None:
        try:
            await self.save()
        except RecordConflictError as exc:
            self.post_message(self.SaveRefused(str(exc), None, conflict=True))
        except DomainError as exc:
            self.post_message(
                self.SaveRefused(
                    str(exc),
                    getattr(exc, "field", None),
                    conflict=False,
                    retryable=getattr(exc, "retryable", False),
                )
            )
        else:
            self.post_message(self.Saved())
        finally:
            self._saving = False

    @on(Saved)
    def _saved(self, event: Saved) -> None:
        event.stop()
        self.saved_any = True
        self._just_saved = True
        self.show_message(_(SAVED), error=False)
        self._load()

    @on(SaveRefused)
    def _refused(self, event: SaveRefused) -> None:
        event.stop()
        field = self.field_widget(event.field) if event.field else None
        if field is not None:
            self.show_field_error(field, event.message)
        else:
            self.show_message(event.message, error=True)
        if event.conflict:

            def answered(reload: bool | None) -> None:
                if reload:
                    self.show_message("", error=False)
                    self._load()

            self.app.push_screen(
                ConfirmDialog(f"{event.message} {_(RELOAD_QUESTION)}", title="Conflict"), answered
            )
        elif event.retryable:

            def retry(again: bool | None) -> None:
                if again:
                    self.action_save()

            self.app.push_screen(
                ConfirmDialog(f"{event.message} {_(RETRY_QUESTION)}", title="Retry"), retry
            )

    # Cancel / Close --------------------------------------------------------------------------

    def action_cancel(self) -> None:
        """Creatio's Cancel: discard the changes, show the record as saved."""
        self.show_message("", error=False)
        self._load()

    def action_close(self) -> None:
        if not self.dirty:
            self.dismiss(self.saved_any)
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self.dismiss(self.saved_any)

        self.app.push_screen(ConfirmDialog(UNSAVED_CHANGES), answered)
