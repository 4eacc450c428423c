"""Run: one row per case x model with status, elapsed time and attempts; cancel and retry."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import DataTable, Footer, ProgressBar, Static

from tui.core.budget import COMPOSE_CAP, CONFIG_CAP, Budget, estimate_runs, refuse_above
from tui.core.model import Run, Session, parse_iso
from tui.core.runner import RunEvent, Runner, SessionNotSaved
from tui.core.safe_text import visible
from tui.core.validation import OverBudget
from tui.core.wording import count
from tui.widgets.image_view import ImageView
from tui.widgets.safe import plain
from tui.widgets.screen_base import ScreenBase
from tui.widgets.title_bar import TitleBar
from tui.widgets.workbench import workbench

BUDGET = ("budget",)  # the error kind of a run the spending cap held back
STATUS_MARK = {
    "queued": "· queued",
    "running": "▶ running",
    "retrying": "↻ retrying",
    "succeeded": "✓ done",
    "failed": "✗ failed",
    "cancelled": "■ cancelled",
    "interrupted": "! interrupted",
}


class RunScreen(ScreenBase, Screen[None]):
    HELP_TITLE = "Run"
    BINDINGS = [
        Binding("c", "cancel_run", "Cancel", id="run.cancel", tooltip="Cancel the highlighted run"),
        Binding(
            "C", "cancel_all", "Cancel all", id="run.cancel_all", show=False, tooltip="Cancel every run still going"
        ),
        Binding(
            "t", "retry_failed", "Retry", id="run.retry", tooltip="Run the failed, cancelled and interrupted runs again"
        ),
        Binding("v", "review", "Review", id="run.review", tooltip="Score the outputs"),
        Binding("s", "results", "Results", id="run.results", tooltip="Results of this session"),
        Binding("escape", "back", "Back", id="run.back", show=False, tooltip="Back (once the runs are done)"),
    ]

    def __init__(self, session_id: str, *, ask: bool = False, max_cost: float | None = None) -> None:
        super().__init__()
        self.session_id = session_id
        self.max_cost = max_cost  # Compose's cap; else the config's [defaults] max_cost
        self.ask = ask  # opened on a session with unfinished runs: offer to resume them rather than start
        self._worker: Any = None
        self.session: Session | None = None
        self.runner: Runner | None = None
        # run id -> (the execution's started_at, monotonic time it was seen): a retry by hand is a new execution,
        # so its clock starts again; the automatic retries inside one execution keep counting.
        self.started: dict[str, tuple[str, float]] = {}
        self.messages: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static("", id="run-summary")
        yield ProgressBar(id="run-progress", show_eta=False)
        with Horizontal(id="run-body"):
            yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
            with Vertical(id="run-side"):
                yield ImageView(id="run-preview")
                yield Static("", id="run-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#runs", DataTable)
        self.session = self.app.ctx.store.load(self.session_id)
        # As wide as the longest label (within reason): "Cat 1 · Compositional Semantics" is the case's name.
        cases = max((len(self._cells(r)[0]) for r in self.session.runs), default=4)
        models = max((len(self._cells(r)[1]) for r in self.session.runs), default=5)
        room = 36 if self.app.size.width >= 100 else 22  # at 80 columns, leave room for the time and tries
        table.add_column("Case", key="case", width=max(4, min(cases, room)))
        table.add_column("Model", key="model", width=max(5, min(models, 28)))
        table.add_column("Status", key="status", width=13)
        table.add_column("Time", key="time", width=6)
        table.add_column("Try", key="try", width=3)
        self.sub_title = visible(self.session.name, one_line=True)
        for run in self._row_order():
            table.add_row(*self._cells(run), key=run.id)
        table.focus()
        self._tick_timer = self.set_interval(0.5, self._tick)  # once: Textual stops it when the screen goes
        pending = [r for r in self.session.runs if r.status in ("queued", "interrupted")]
        if pending and self.ask:
            workbench(self).open(
                "confirm",
                f"Resume {count(len(pending), 'unfinished run')} of this session?",
                "They were queued or interrupted (imgbench quit, or was stopped, while they ran). "
                "No leaves them as they are: t runs them later.",
                "resume them",
                callback=lambda yes: self._start() if yes else None,
            )
        elif pending:
            self._start()
        self._summarize()

    def _start(self, runs: list[Run] | None = None) -> None:
        self._worker = self.execute(runs)

    def runs_in_flight(self) -> int:
        """Runs this screen's runner has not finished: what a quit would interrupt."""
        if self.runner is None or self.session is None:
            return 0
        return sum(1 for r in self.session.runs if r.status in ("queued", "running", "retrying"))

    async def interrupt_runs(self) -> None:
        """Stop the runs as a quit does (recorded interrupted, resumable) and wait until they are on disk."""
        from textual.worker import WorkerCancelled, WorkerFailed

        if self.runner is not None:
            self.runner.interrupt()
        if self._worker is not None:
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await self._worker.wait()

    # -- display ------------------------------------------------------------------------------
    def _row_order(self) -> list[Run]:
        """Blind: each case's runs in slot order (A first), so a row's place says nothing of its model; otherwise
        as the session lists them (Compose's model order)."""
        assert self.session is not None
        if not self.session.blind:
            return list(self.session.runs)
        from tui.scoring.blind import blind_order

        return [run for case in self.session.cases for run in blind_order(self.session, case.id)]

    def _model_label(self, run: Run) -> str:
        if self.session and self.session.blind:
            from tui.scoring.blind import slot_label

            return f"slot {slot_label(self.session, run)}"
        return run.model

    def _cells(self, run: Run) -> tuple[object, object, str, str, str]:
        assert self.session is not None
        case = self.session.case(run.case_id)
        label = case.label + (f" #{run.repeat + 1}" if case.repeats > 1 else "")
        status = STATUS_MARK.get(run.status, run.status)
        label, model = plain(label), plain(self._model_label(run))
        if self.session.blind:  # elapsed time and retries would hint at the provider
            return label, model, status, "", ""
        return label, model, status, self._elapsed(run), str(run.attempts or "")

    def _elapsed(self, run: Run) -> str:
        if run.status in ("running", "retrying") and run.id in self.started:
            return f"{time.monotonic() - self.started[run.id][1]:.1f}s"
        if run.latency_ms is not None and run.status == "succeeded":
            return f"{run.latency_ms / 1000:.1f}s"
        if run.timings.started_at and run.timings.finished_at:
            seconds = (parse_iso(run.timings.finished_at) - parse_iso(run.timings.started_at)).total_seconds()
            return f"{seconds:.1f}s"
        return ""

    def _update_row(self, run: Run) -> None:
        table = self.query_one("#runs", DataTable)
        for column, value in zip(("case", "model", "status", "time", "try"), self._cells(run), strict=True):
            table.update_cell(run.id, column, value)

    def _tick(self) -> None:
        if self.session is None:
            return
        for run in self.session.runs:
            if run.status in ("running", "retrying") and not self.session.blind:
                self.query_one("#runs", DataTable).update_cell(run.id, "time", self._elapsed(run))

    def _summarize(self) -> None:
        if self.session is None or not self.is_attached:
            return  # the runner's last word may come after the screen has gone (a quit)
        counts = self.session.status_counts()
        total = len(self.session.runs)
        finished = sum(counts.get(s, 0) for s in ("succeeded", "failed", "cancelled"))
        parts = [f"{n} {s}" for s, n in counts.items()]
        busy = self.runner is not None or any(r.status in ("running", "retrying") for r in self.session.runs)
        with contextlib.suppress(NoMatches):
            self.query_one("#run-summary", Static).update(
                plain(
                    f"{self.session.name} — {finished}/{total} finished: {', '.join(parts)}"
                    + ("   (c cancel · C cancel all)" if busy else "   (v review · s results · t retry failed)")
                )
            )
        with contextlib.suppress(NoMatches):
            self.query_one("#run-progress", ProgressBar).update(total=total, progress=finished)

    @on(DataTable.RowHighlighted, "#runs")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(str(event.row_key.value))

    def _show_detail(self, run_id: str) -> None:
        if self.session is None:
            return
        run = self.session.run(run_id)
        lines = [f"{self._model_label(run)} · {STATUS_MARK.get(run.status, run.status)}"]
        if self.session.blind:
            # Provider messages and parameters name or hint at the model: only the kind of failure shows.
            if run.error:
                lines.append(run.error.kind)
        else:
            if run.error:
                status = f" (HTTP {run.error.http_status})" if run.error.http_status else ""
                lines.append(f"{run.error.kind}{status}: {run.error.message}")
            if msg := self.messages.get(run.id):
                lines.append(msg)
            if not self.app.ctx.registry.catalogued(run.model):
                lines.append("unknown to the catalog: conservative capabilities, no price (cost unknown)")
            asked = ", ".join(f"{k}={v}" for k, v in run.params_requested.items()) or "provider defaults"
            lines.append(f"asked: {asked}")
            if run.params_effective:
                lines.append("sent:  " + ", ".join(f"{k}={v}" for k, v in run.params_effective.items()))
        shown = "\n".join(visible(line, one_line=True) for line in lines)  # each line's own newlines shown too
        self.query_one("#run-detail", Static).update(plain(shown, one_line=False))
        preview = self.query_one("#run-preview", ImageView)
        if run.images:
            preview.show(self.app.ctx.store.abspath(self.session.id, run.images[0].path))
        else:
            preview.show(None, message="no image yet" if not run.finished else "no image")

    # -- running ------------------------------------------------------------------------------
    @work(exclusive=True, group="runner", description="Running the session", exit_on_error=False)
    async def execute(self, runs: list[Run] | None = None) -> None:
        assert self.session is not None
        ctx = self.app.ctx
        self.runner = Runner(ctx.store, ctx.registry, self.session, listener=self._on_event, before_send=self._guard)
        try:
            await self.runner.execute(runs)
        except OverBudget as exc:
            self.notify(plain(str(exc)), title="Not started: over the spending cap", severity="error", timeout=30)
            return
        except SessionNotSaved as exc:
            self.notify(str(exc), title="Session not saved", severity="error", timeout=60)
            return
        finally:
            self.runner = None
            self._summarize()
        held = sum(1 for r in self.session.runs if r.status == "interrupted" and getattr(r.error, "kind", "") in BUDGET)
        if held:
            self.notify(
                f"{count(held, 'run')} not sent: the spending cap was reached. t sends them (the cap counts again).",
                title="Spending cap",
                severity="warning",
                timeout=30,
            )
        counts = self.session.status_counts()
        failed = counts.get("failed", 0)
        self.notify(
            f"{counts.get('succeeded', 0)} succeeded" + (f", {failed} failed" if failed else ""),
            title="Runs finished",
            severity="warning" if failed else "information",
        )

    def _guard(self, sending: list[Run]) -> None:
        """The cap against the estimate of what is about to be sent (under the runner lock); the runner's budget."""
        cap = self.max_cost if self.max_cost is not None else self.app.ctx.config.defaults.max_cost
        if cap is None or self.runner is None or self.session is None:
            return
        estimate = estimate_runs(self.session, sending, self.app.ctx.registry)
        if self.max_cost is not None:  # Compose's cap
            refuse_above(estimate, cap, where=f"{COMPOSE_CAP} in Compose")
        else:  # opened from Home: the config's cap, or a shell's for these runs alone
            resume = f"imgbench sessions resume {self.session.id} --max-cost USD"
            refuse_above(estimate, cap, where=CONFIG_CAP, fewer=f"send them with a cap of their own: {resume}")
        self.runner.budget = Budget(cap, estimate)

    def _on_event(self, event: RunEvent) -> None:
        if event.kind == "write_failed":
            self.notify(event.message, title="Session not saved yet", severity="error", timeout=10)
            return
        run = event.run
        if run is None or self.session is None or not self.is_attached:
            return
        if event.kind == "started" and self.started.get(run.id, (None, 0.0))[0] != (run.timings.started_at or ""):
            self.started[run.id] = (run.timings.started_at or "", time.monotonic())
        if event.message:
            self.messages[run.id] = event.message
        live = self.session.run(run.id)
        self._update_row(live)
        if event.kind in ("finished", "started", "retrying"):
            self._summarize()
            table = self.query_one("#runs", DataTable)
            if table.row_count and table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == run.id:
                self._show_detail(run.id)

    def _selected(self) -> str | None:
        table = self.query_one("#runs", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_cancel_run(self) -> None:
        if self.runner and (run_id := self._selected()):
            self.runner.cancel(run_id)

    def action_cancel_all(self) -> None:
        if self.runner:
            self.runner.cancel()

    def action_retry_failed(self) -> None:
        if self.runner is not None or self.session is None:
            self.notify("Runs are still going", severity="warning")
            return
        todo = [r for r in self.session.runs if r.status in ("failed", "cancelled", "interrupted", "queued")]
        if not todo:
            self.notify("Nothing failed")
            return
        self._start(todo)

    def action_review(self) -> None:
        workbench(self).open("review", self.session_id)

    def action_results(self) -> None:
        workbench(self).open("results", self.session_id)

    def on_unmount(self) -> None:
        # Leaving with runs going (the app is closing): they are interrupted, for a resume, not cancelled.
        if self.runner is not None:
            self.runner.interrupt()

    def action_back(self) -> None:
        if self.runner is not None:
            self.notify("Runs are still going: C cancels them, or wait", severity="warning")
            return
        self.app.pop_screen()
