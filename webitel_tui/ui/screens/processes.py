"""The "Run process" launcher: Creatio's "Process start" lookup with a Run button."""

from __future__ import annotations

from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.processes import Process
from webitel_tui.domain.rights import PROCESS_OPERATIONS
from webitel_tui.i18n import N_
from webitel_tui.ui.screens.base import ShellContext
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.widgets.section_grid import GridColumn

PROCESS_COLUMNS = [
    GridColumn[Process]("caption", N_("Process"), lambda p: p.caption),
    GridColumn[Process]("code", N_("Code"), lambda p: p.code, 20, 10, share=0),
]


def process_start_dialog(context: ShellContext) -> LookupDialog[Process]:
    # Offered only to those who may run it (the process refuses the others all the same).
    hidden = [
        code for code, needed in PROCESS_OPERATIONS.items() if not context.logged_in.can(needed)
    ]

    async def processes(request: PageRequest) -> Page[Process]:
        async with context.unit_of_work() as uow:
            return await uow.processes.page_processes(request, hidden=hidden)

    return LookupDialog(
        "Process start",
        PROCESS_COLUMNS,
        processes,
        sort="caption",
        select_caption="Run",
        empty_text="There are no processes to run.",
    )
