"""The "Run process" launcher: Creatio's "Process start" lookup with a Run button."""

from __future__ import annotations

from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.processes import Process
from webitel_tui.i18n import N_
from webitel_tui.ui.screens.base import ShellContext
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.widgets.section_grid import GridColumn

PROCESS_COLUMNS = [
    GridColumn[Process]("caption", N_("Process"), lambda p: p.caption),
    GridColumn[Process]("code", N_("Code"), lambda p: p.code, width=20),
]


def process_start_dialog(context: ShellContext) -> LookupDialog[Process]:
    async def processes(request: PageRequest) -> Page[Process]:
        async with context.unit_of_work() as uow:
            return await uow.processes.page_processes(request)

    return LookupDialog(
        "Process start",
        PROCESS_COLUMNS,
        processes,
        sort="caption",
        select_caption="Run",
        empty_text="There are no processes to run.",
    )
