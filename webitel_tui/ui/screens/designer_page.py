"""What the System designer's pages share: only System administrators open them, and a list
page is the title bar, the page's caption, its body and the footer."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Label

from webitel_tui.domain.errors import DomainError
from webitel_tui.i18n import N_, _
from webitel_tui.ui.screens.base import ScreenMixin, ShellContext
from webitel_tui.ui.widgets.keys_footer import KeysFooter
from webitel_tui.ui.widgets.title_bar import TitleBar

NOT_AN_ADMIN = N_("Only system administrators can open the System designer.")


class NotAnAdminError(DomainError):
    def __init__(self) -> None:
        super().__init__(_(NOT_AN_ADMIN))


def require_admin(context: ShellContext) -> None:
    """The one check every designer route passes (the key, the palette, a direct push)."""
    if not context.logged_in.is_admin:
        raise NotAnAdminError()


class DesignerPage(ScreenMixin, Screen[None]):
    """A list page of the System designer; `body` yields what goes under the caption."""

    CAPTION: ClassVar[str]

    def __init__(self, context: ShellContext) -> None:
        require_admin(context)
        super().__init__()
        self.context = context

    def compose(self) -> ComposeResult:
        yield TitleBar(self.app.title, _("System designer"), id="title-bar")
        with Vertical(classes="page-body"):
            yield Label(_(self.CAPTION), classes="page-caption")
            yield from self.body()
        yield KeysFooter()

    def body(self) -> ComposeResult:
        raise NotImplementedError
