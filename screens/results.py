"""Results: per model, items passed / scored, runs succeeded, latency, cost; export."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from tui.stats import summarize


class ResultsScreen(Screen[None]):
    BINDINGS = [
        Binding("e", "export", "Export JSON", id="results.export"),
        Binding("v", "review", "Review", id="results.review"),
        Binding("escape", "back", "Back", id="results.back"),
    ]

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="results-title")
        yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
        yield Static("", id="results-note")
        yield Footer()

    def on_mount(self) -> None:
        session = self.app.ctx.store.load(self.session_id)
        self.sub_title = session.name
        blind = session.blind and not self._revealed()
        table = self.query_one("#results", DataTable)
        table.add_columns("Model", "Passed/scored", "Pass rate", "Runs ok", "Median", "p95", "Cost")
        for s in summarize(session):
            model = "(hidden: blind)" if blind else s.model
            rate = f"{s.pass_rate:.0%}" if s.pass_rate is not None else "—"
            median = f"{s.median_latency_ms / 1000:.1f}s" if s.median_latency_ms is not None else "—"
            p95 = f"{s.p95_latency_ms / 1000:.1f}s" if s.p95_latency_ms is not None else "—"
            cost = f"${s.cost_usd:.3f}" if s.cost_usd is not None else "unknown"
            table.add_row(
                model,
                f"{s.items_passed:g}/{s.items_scored}",
                rate,
                f"{s.succeeded}/{s.runs}",
                median,
                p95,
                cost,
                key=s.model,
            )
        self.query_one("#results-title", Static).update(
            f"{session.name}: {len(session.cases)} case(s) × {len(session.models)} model(s), "
            f"{len(session.scores)} score(s)"
        )
        self.query_one("#results-note", Static).update(
            "Pass rate counts partial as half and leaves n/a out. "
            + ("Model names stay hidden until you reveal them in Review (b)." if blind else "")
        )
        table.focus()

    def _revealed(self) -> bool:
        from screens.review import ReviewScreen

        return any(isinstance(s, ReviewScreen) and s.revealed for s in self.app.screen_stack)

    def action_export(self) -> None:
        from screens.export_flow import export_session

        export_session(self.app, self.session_id)

    def action_review(self) -> None:
        from screens.review import ReviewScreen

        self.app.push_screen(ReviewScreen(self.session_id))

    def action_back(self) -> None:
        self.app.pop_screen()

    def palette_commands(self):
        yield "Export session JSON", "Write the export next to the others", self.action_export
