"""Creatio's side panel: the workplace switcher and the sections of the current workplace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from webitel_tui.domain.display import visible
from webitel_tui.domain.workplaces import SectionInWorkplace, Workplace
from webitel_tui.i18n import _
from webitel_tui.ui.seeded import section_caption, workplace_name


class SidePanel(Vertical):
    @dataclass
    class SectionChosen(Message):
        section: SectionInWorkplace

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self._sections: dict[str, SectionInWorkplace] = {}

    def compose(self) -> ComposeResult:
        yield Label(_("WORKPLACE"), id="workplace-caption")
        yield Static(id="workplace-name")
        yield OptionList(id="sections", compact=True)

    @property
    def sections(self) -> OptionList:
        return self.query_one("#sections", OptionList)

    def show(self, workplace: Workplace | None, sections: Sequence[SectionInWorkplace]) -> None:
        """Show `workplace` and its sections (already in Position order)."""
        # Workplace names and section captions are data (an admin names them): shown, never
        # obeyed (domain/display.py).
        shown = workplace_name(workplace.name) if workplace is not None else _("No workplace")
        name = Text(visible(shown))
        self.query_one("#workplace-name", Static).update(name)
        self._sections = {str(section.id): section for section in sections}
        option_list = self.sections
        option_list.set_options(
            Option(Text(visible(section_caption(s.code, s.caption))), id=str(s.id))
            for s in sections
        )
        if sections:
            option_list.highlighted = 0

    @on(OptionList.OptionSelected, "#sections")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        section = self._sections.get(event.option.id or "")
        if section is not None:
            self.post_message(self.SectionChosen(section))
