"""Results: per model, per category and per item pass rates with Wilson intervals, provider statistics,
rater agreement and pairwise ratings; export JSON, reports and a contact sheet."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from tui.core.model import Session
from tui.core.safe_text import visible
from tui.core.wording import count
from tui.widgets.safe import plain
from tui.widgets.screen_base import ScreenBase
from tui.widgets.title_bar import TitleBar
from tui.widgets.workbench import workbench


class ResultsScreen(ScreenBase, Screen[None]):
    HELP_TITLE = "Results"
    BINDINGS = [
        Binding("e", "export", "Export", id="results.export", tooltip="Export the session as JSON"),
        Binding("m", "report('md')", ".md", id="results.report_md", tooltip="Markdown report"),
        Binding("H", "report('html')", ".html", id="results.report_html", tooltip="HTML report"),
        Binding("c", "sheet", "Sheet", id="results.sheet", tooltip="Contact sheet: one PNG, a row per case"),
        Binding("v", "review", "Review", id="results.review", tooltip="Score the outputs"),
        Binding("p", "packet", "Rater", id="results.packet", show=False, tooltip="Export for a rater…: a blind packet"),
        Binding("i", "import_scores", "Import", id="results.import", show=False, tooltip="Import scores…"),
        Binding("j", "judge", "Judge", id="results.judge", show=False, tooltip="Judge with an AI model…"),
        Binding("escape", "back", "Back", id="results.back", show=False, tooltip="Back"),
    ]

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id
        self.session: Session | None = None
        self._show_lock = asyncio.Lock()
        self._generation = 0
        self._tables: list = []  # the report's tables now on show, for the note under the active one
        self._leaving = False

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static("", id="results-title")
        yield TabbedContent(id="results-tabs")
        yield Static("", id="results-note")
        yield Footer()

    def on_screen_resume(self) -> None:  # also on first show
        self.load()

    @property
    def hidden(self) -> bool:
        """Blind and not every case revealed by this rater: the tables are by slot, with no names, speed or cost."""
        from tui.scoring.blind import names_hidden

        return bool(self.session and names_hidden(self.session, self.app.ctx.rater))

    def _names_hidden_now(self) -> bool:
        """``hidden`` before the first load has finished too (a key pressed at once): read from the store then,
        and when the session cannot be read, hidden: never a report with names by default."""
        if self.session is not None:
            return self.hidden
        from tui.scoring.blind import names_hidden

        try:
            return names_hidden(self.app.ctx.store.load(self.session_id), self.app.ctx.rater)
        except Exception:  # the load worker reports why through the error path; here only: ask, to be safe
            return True

    @work(thread=True, exclusive=True, group="results", description="Computing results", exit_on_error=False)
    def load(self) -> None:
        from tui.reports.report import report_data
        from tui.reports.report_tables import report_tables
        from tui.scoring.blind import names_hidden

        session = self.app.ctx.store.load(self.session_id)
        by_slot = names_hidden(session, self.app.ctx.rater)
        tables = report_tables(report_data(session, store=self.app.ctx.store, by_slot=by_slot))
        self.app.call_from_thread(self._show, session, tables)

    async def _show(self, session: Session, tables) -> None:
        # The tables arrive from a worker: the screen may have been left, or a newer result may be on its way.
        if not self.is_attached or self._leaving:
            return
        async with self._show_lock:
            try:
                await self._fill(session, tables)
            except (NoMatches, ValueError):
                if self.is_attached and not self._leaving:  # a real error, not a screen left while filling in
                    raise

    async def _fill(self, session: Session, tables) -> None:
        from tui.scoring.blind import mask_models

        self.session = session
        if self.is_current:  # the header of a screen on its way out may already be gone
            self.sub_title = visible(session.name, one_line=True)
        hide = self.hidden

        def cell(text: str) -> Text:
            # As Text, never as a str: DataTable reads a str as markup, and a stored name such as "[b]x" (or the
            # "[hidden]" of a blind session) would be parsed instead of shown.
            return plain(mask_models(text, session, "[hidden]") if hide else text)

        tabs = self.query_one("#results-tabs", TabbedContent)
        await tabs.clear_panes()
        self._generation += 1
        for index, table in enumerate(tables):
            grid = DataTable(cursor_type="row", zebra_stripes=True)
            grid.add_columns(*(cell(h) for h in table.headers))
            for row in table.rows:
                grid.add_row(*(cell(str(c)) for c in row))
            # Ids unique per fill: the panes of an earlier fill may still be on their way out.
            await tabs.add_pane(TabPane(table.title, grid, id=f"results-{self._generation}-{index}"))
        self.query_one("#results-title", Static).update(
            plain(
                f"{session.name}: {count(len(session.cases), 'case')} × {count(len(session.models), 'model')}, "
                f"{count(len(session.scores), 'score')} from {_raters_line(session)}"
            )
        )
        self._tables = tables
        self._show_note(0)

    def _show_note(self, index: int) -> None:
        """What the table on show means (its definitions), under it."""
        tables = self._tables
        notes = [tables[index].note] if index < len(tables) and tables[index].note else []
        if self.hidden:
            notes.append(
                "Blind: by slot (shuffled per case), no model names, speed or cost until every case is revealed in "
                "Review (b)."
            )
        self.query_one("#results-note", Static).update(" ".join(notes))

    def on_tabbed_content_tab_activated(self, _event: TabbedContent.TabActivated) -> None:
        # The tab active now, not the event's: activations queued while the panes were being added arrive late.
        pane_id = self.query_one("#results-tabs", TabbedContent).active or ""
        if pane_id.startswith(f"results-{self._generation}-"):
            self._show_note(int(pane_id.rsplit("-", 1)[1]))

    # -- exports ------------------------------------------------------------------------------
    def _out(self, suffix: str) -> Path:
        from tui.core import paths

        return paths.data_dir() / "exports" / f"{self.session_id}{suffix}"

    def action_export(self) -> None:
        from screens.export_flow import export_session

        export_session(self.app, self.session_id)

    def _ask_blind(self, what: str, write) -> None:
        """Straight on when the names may show; for a blind session not revealed to this rater, ask first."""
        if not self._names_hidden_now():
            write(False)
            return
        from screens.reveal_prompt import NAMES

        def chosen(choice: str | None) -> None:
            if choice is not None:
                write(choice != NAMES)

        workbench(self).open("reveal_prompt", what, callback=chosen)

    def action_report(self, fmt: str) -> None:
        self._ask_blind(f"{'Markdown' if fmt == 'md' else 'HTML'} report", lambda by_slot: self._report(fmt, by_slot))

    def action_sheet(self) -> None:
        self._ask_blind("contact sheet", self._sheet)

    @work(thread=True, group="results-export", description="Writing the report", exit_on_error=False)
    def _report(self, fmt: str, by_slot: bool) -> None:
        from tui.core.atomic import atomic_write
        from tui.reports.report import render_report

        store = self.app.ctx.store
        path = self._out(f".{fmt}")
        text = render_report(store.load(self.session_id), fmt, store=store, by_slot=by_slot)  # type: ignore[arg-type]
        atomic_write(path, text.encode())
        self.app.call_from_thread(self.notify, _written(path, by_slot), title="Report written")

    @work(thread=True, group="results-export", description="Making the contact sheet", exit_on_error=False)
    def _sheet(self, by_slot: bool) -> None:
        from tui.reports.sheet import contact_sheet

        store = self.app.ctx.store
        path = contact_sheet(store.load(self.session_id), store, self._out(".png"), by_slot=by_slot)
        self.app.call_from_thread(self.notify, _written(path, by_slot), title="Contact sheet written")

    def action_packet(self) -> None:
        """Export for a rater…: a blind packet of this session, with no model names, for one rater's machine."""
        from screens.packet_flow import export_for_rater

        export_for_rater(self, self.session_id)

    def action_import_scores(self) -> None:
        """Import scores…: a rater's scores on a packet of this session (or another export of it), merged in."""
        from screens.packet_flow import import_scores

        import_scores(self, into=self.session_id, then=self.load)

    def action_judge(self) -> None:
        """Judge with an AI model…: every output's checklist answered by a judge (demo:pixels offline)."""
        from screens.judge_flow import judge_session

        judge_session(self, self.session_id, then=self.load)

    def action_review(self) -> None:
        workbench(self).open("review", self.session_id)

    def action_back(self) -> None:
        self._leaving = True
        self.app.pop_screen()

    def on_unmount(self) -> None:
        self._leaving = True


def _written(path: Path, by_slot: bool) -> str:
    return f"{path}" + ("\nby slot: no model names (blind, not revealed)" if by_slot else "")


def _raters_line(session: Session) -> str:
    """ "2 raters", or "1 rater and 1 AI judge": a judge is never counted as a person."""
    from tui.core.wording import count
    from tui.scoring.raters import human_names, judge_names

    judges = len(judge_names(session))
    people = count(len(human_names(session)), "rater")
    return f"{people} and {count(judges, 'AI judge')}" if judges else people
