"""Review: a case's outputs side by side, zoom, and checklist scoring with single keys."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from screens.review_parts import OutputTile, best_columns, checklist_text, next_unscored, scroll_for_line, take_checks
from tui.core.model import Run, Score, Session, now_iso
from tui.core.ordered_saver import OrderedSaver
from tui.core.safe_text import visible
from tui.core.wording import count
from tui.imaging import check_queue
from tui.scoring.blind import left_to_score, mark_revealed, revealed_cases
from tui.widgets.image_view import ImageView
from tui.widgets.screen_base import ScreenBase
from tui.widgets.steady_static import SteadyStatic
from tui.widgets.title_bar import TitleBar
from tui.widgets.workbench import workbench

CASES = Binding.Group("case")  # one footer entry for [ and ]


def _shape(session: Session) -> list[tuple[str, int]]:
    return [(r.status, len(r.images)) for r in session.runs]


class ReviewScreen(ScreenBase, Screen[None]):
    HELP_TITLE = "Review"
    BINDINGS = [
        Binding("left", "output(-1)", "◀ out", id="review.prev_output", show=False, tooltip="Previous output"),
        Binding("right", "output(1)", "out ▶", id="review.next_output", show=False, tooltip="Next output"),
        Binding("up,k", "item(-1)", "Item up", id="review.prev_item", show=False, tooltip="Previous checklist item"),
        Binding("down,j", "item(1)", "Item down", id="review.next_item", show=False, tooltip="Next checklist item"),
        Binding("p", "verdict('pass')", "Pass", id="review.pass", tooltip="Pass: the item is met"),
        Binding("f", "verdict('fail')", "Fail", id="review.fail", tooltip="Fail: the item is not met"),
        Binding("h", "verdict('partial')", "Part", id="review.partial", tooltip="Partly met"),
        Binding("n", "verdict('na')", "N/A", id="review.na", tooltip="Does not apply to this output"),
        Binding("x", "verdict(None)", "Clear", id="review.clear", show=False, tooltip="Clear this item's verdict"),
        Binding(
            "left_square_bracket,pageup", "case(-1)", "◀", id="review.prev_case", group=CASES, tooltip="Case before"
        ),
        Binding(
            "right_square_bracket,pagedown", "case(1)", "▶", id="review.next_case", group=CASES, tooltip="Next case"
        ),
        Binding("z,enter", "zoom", "Zoom", id="review.zoom", tooltip="Zoom: the output over the whole terminal"),
        Binding("o", "note", "Note", id="review.note", show=False, tooltip="A note on this output"),
        Binding("b", "reveal", "Reveal", id="review.reveal", show=False, tooltip="Reveal the models (after scoring)"),
        Binding("w", "prefer", "Prefer", id="review.prefer", show=False, tooltip="Pairwise preference between outputs"),
        Binding("s", "results", "Results", id="review.results", tooltip="Results of this session"),
        Binding("escape", "back", "Back", id="review.back", show=False, tooltip="Back"),
    ]

    def __init__(self, session_id: str, case_index: int = 0) -> None:
        super().__init__()
        self.session_id = session_id
        self.session: Session | None = None
        self.case_index = case_index
        self.output_index = 0
        self.item_index = 0
        self._saver = OrderedSaver(self._not_saved, name="score-saver")
        # Edit regions for the difference view, per case, until a run records its own.
        self.regions: dict[str, tuple[float, float, float, float] | None] = {}
        self._checks_seen = 0  # check_queue.measured() at the last poll: look again when it grew

    # -- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static("", id="case-header")
        with Horizontal(id="review-body"):
            yield Grid(id="outputs")
            # Not focusable: up/down/pageup/pagedown are the screen's (items, cases); the pane follows the cursor.
            pane = VerticalScroll(id="checklist-pane")
            pane.can_focus = False
            with pane:
                yield SteadyStatic("", id="review-checklist")
        yield Footer()

    def on_mount(self) -> None:
        self._loop = asyncio.get_running_loop()
        # One poll for the screen's life (it was made on every resize): Textual stops it when the screen goes.
        self._poll_timer = self.set_interval(1.0, self._poll)
        self.reload()
        if not self.app.ctx.config.rater:
            workbench(self).open("rater")

    def on_resize(self) -> None:
        if self.session is not None:
            grid = self.query_one("#outputs", Grid)
            count = len(self.outputs())
            columns = best_columns(count, grid.size.width, grid.size.height)
            grid.styles.grid_size_columns = columns
            grid.styles.grid_size_rows = max(1, -(-count // columns))

    def on_unmount(self) -> None:
        # Every given score reaches the disk before the screen goes, or the person hears which did not.
        if unsaved := self._saver.close():
            self.app.notify(
                f"{count(unsaved, 'score change')} could not be saved (see the messages before); they are lost if "
                "imgbench quits now: free the disk and score them again",
                title="Scores not saved",
                severity="error",
                timeout=60,
            )

    def _not_saved(self, message: str) -> None:
        # From the saver's thread, and possibly while on_unmount waits for it: never block on the event loop.
        self._loop.call_soon_threadsafe(
            lambda: self.app.notify(message, title="Score not saved yet", severity="error", timeout=15)
        )

    def reload(self) -> None:
        self.session = self.app.ctx.store.load(self.session_id)
        self.sub_title = visible(self.session.name, one_line=True)
        self.case_index = min(self.case_index, len(self.session.cases) - 1)
        self.show_case()

    def _poll(self) -> None:
        """While runs are still finishing behind this screen, pick their outputs (and machine checks) up."""
        seen, self._checks_seen = self._checks_seen, check_queue.measured()
        if self.session and (not all(r.finished for r in self.session.runs) or seen != self._checks_seen):
            fresh = self.app.ctx.store.load(self.session_id)
            if _shape(fresh) != _shape(self.session):
                fresh.scores = self.session.scores  # our in-memory verdicts (and reveals) are the newest
                fresh.revealed = self.session.revealed
                self.session = fresh
                self.show_case(keep_tiles=False)
            elif take_checks(self.session, fresh):  # machine checks measured meanwhile: shown beside the items
                self.render_checklist()

    @property
    def blind(self) -> bool:
        if not (self.session and self.session.blind):
            return False
        return self.session.cases[self.case_index].id not in revealed_cases(self.session, self.rater)

    @property
    def rater(self) -> str:
        if self.session is not None and self.session.packet is not None:
            return self.session.packet.rater  # a packet is scored by whom it was made for, whatever config says
        return self.app.ctx.rater

    def save(self, change: Callable[[Session], None]) -> None:
        self._saver.submit(self.app.ctx.store.mutate, self.session_id, change)

    def outputs(self) -> list[Run]:
        assert self.session is not None
        case = self.session.cases[self.case_index]
        if self.session.blind:
            from tui.scoring.blind import blind_order

            return blind_order(self.session, case.id)
        order = {m: i for i, m in enumerate(self.session.models)}
        return sorted(self.session.runs_of(case.id), key=lambda r: (order.get(r.model, 99), r.repeat))

    def label(self, run: Run) -> str:
        assert self.session is not None
        if self.session.blind:
            from tui.scoring.blind import slot_label

            slot = slot_label(self.session, run)
            hidden = run.case_id not in revealed_cases(self.session, self.rater)
            return slot if hidden else f"{slot} = {run.model}"
        case = self.session.case(run.case_id)
        return run.model + (f" #{run.repeat + 1}" if case.repeats > 1 else "")

    def show_case(self, keep_tiles: bool = False) -> None:
        assert self.session is not None
        case = self.session.cases[self.case_index]
        outputs = self.outputs()
        self.output_index = min(self.output_index, max(0, len(outputs) - 1))
        self.item_index = min(self.item_index, max(0, len(case.checklist) - 1))
        header = Text()
        header.append(f"Case {self.case_index + 1}/{len(self.session.cases)} ", style="bold")
        header.append(f"{visible(case.label, one_line=True)} ", style="bold cyan")
        header.append(f"[{case.mode}] ", style="dim")
        header.append(visible(case.prompt.replace("\n", " ")[:300], one_line=True), style="italic")
        self.query_one("#case-header", Static).update(header)
        grid = self.query_one("#outputs", Grid)
        columns = best_columns(len(outputs), grid.size.width or 60, grid.size.height or 20)
        grid.styles.grid_size_columns = columns
        grid.styles.grid_size_rows = max(1, -(-len(outputs) // columns))
        self.run_worker(
            self._rebuild_tiles(len(outputs)),
            exclusive=True,
            group="review-tiles",
            description="Laying out outputs",
            exit_on_error=False,
        )
        self.render_checklist()

    async def _rebuild_tiles(self, count: int) -> None:
        grid = self.query_one("#outputs", Grid)
        if len(grid.children) != count:
            await grid.remove_children()
            await grid.mount_all([OutputTile(i) for i in range(count)])
        self._fill_tiles()

    def _fill_tiles(self) -> None:
        assert self.session is not None
        for tile, run in zip(self.query(OutputTile), self.outputs(), strict=False):
            image = tile.query_one(ImageView)
            if run.images:
                image.show(self.app.ctx.store.abspath(self.session.id, run.images[0].path), sha256=run.images[0].sha256)
            elif run.status == "failed" and run.error:
                image.show(None, message=f"failed: {run.error.kind}")
            else:
                image.show(None, message=run.status)
        self.render_captions()

    def render_captions(self) -> None:
        assert self.session is not None
        case = self.session.cases[self.case_index]
        for tile, run in zip(self.query(OutputTile), self.outputs(), strict=False):
            score = self.session.score_of(run.id, self.rater)
            done = len(score.verdicts) if score else 0
            caption = Text(
                f"{'▶ ' if tile.index == self.output_index else '  '}{visible(self.label(run), one_line=True)}",
                style="bold reverse" if tile.index == self.output_index else "bold",
            )
            caption.append(f"  {done}/{len(case.checklist)} scored", style="dim")
            tile.query_one(".tile-caption", SteadyStatic).show(caption)
            tile.set_class(tile.index == self.output_index, "selected")

    def render_checklist(self) -> None:
        assert self.session is not None
        outputs = self.outputs()
        if not outputs:
            self.query_one("#review-checklist", SteadyStatic).show("no outputs")
            return
        run = outputs[self.output_index]
        text = checklist_text(
            self.session,
            run,
            self.session.score_of(run.id, self.rater),
            label=self.label(run),
            cursor=self.item_index,
            left=self.items_left(),
            blind=self.blind,
        )
        self.query_one("#review-checklist", SteadyStatic).show(text)  # a cursor move: no layout pass
        self._follow_cursor(text)

    def _follow_cursor(self, text: Text) -> None:
        """Scroll the checklist pane so the item under the cursor (and the line after it) is in view."""
        pane = self.query_one("#checklist-pane", VerticalScroll)
        width = pane.scrollable_content_region.width
        if width < 4 or pane.size.height < 2:
            self.call_after_refresh(lambda: self._follow_cursor(text) if pane.size.height >= 2 else None)
            return
        has_checklist = bool(self.session and self.session.cases[self.case_index].checklist)
        line = self.item_index + (1 if has_checklist else 2)  # after the heading (and the "no checklist" line)
        region = pane.scrollable_content_region
        y = scroll_for_line(text, line, width, self.app.console, pane.scroll_y, region.height)
        if y is not None:
            pane.scroll_to(y=y, animate=False)

    # -- actions ------------------------------------------------------------------------------
    def action_output(self, step: int) -> None:
        count = len(self.outputs())
        if count:
            self.output_index = (self.output_index + step) % count
            self.render_captions()
            self.render_checklist()

    def action_item(self, step: int) -> None:
        assert self.session is not None
        count = len(self.session.cases[self.case_index].checklist)
        if count:
            self.item_index = (self.item_index + step) % count
            self.render_checklist()

    def action_case(self, step: int) -> None:
        assert self.session is not None
        self.case_index = (self.case_index + step) % len(self.session.cases)
        self.output_index = self.item_index = 0
        self.show_case()

    def _current(self) -> Run | None:
        outputs = self.outputs()
        return outputs[self.output_index] if outputs else None

    def action_verdict(self, verdict: str | None) -> None:
        assert self.session is not None
        run = self._current()
        case = self.session.cases[self.case_index]
        if run is None or not case.checklist:
            return
        if run.status != "succeeded":
            self.notify("This output failed: there is nothing to score", severity="warning")
            return
        item = case.checklist[self.item_index]
        old = self.session.score_of(run.id, self.rater)
        verdicts = dict(old.verdicts) if old else {}
        if verdict is None:
            verdicts.pop(item.id, None)
        else:
            verdicts[item.id] = verdict  # type: ignore[assignment]
        score = Score(
            run_id=run.id,
            rater=self.rater,
            verdicts=verdicts,
            note=old.note if old else "",
            blind=self.blind or bool(old and old.blind and old.verdicts),
            scored_at=now_iso(),
        )
        self._record(score)
        if verdict is not None:
            self._advance()
        self.render_captions()
        self.render_checklist()

    def _advance(self) -> None:
        assert self.session is not None
        case = self.session.cases[self.case_index]
        where = next_unscored(self.session, case, self.outputs(), self.rater, self.output_index, self.item_index)
        if where is not None:
            self.output_index, self.item_index = where

    def _record(self, score: Score) -> None:
        assert self.session is not None
        self.session.set_score(score)
        store, session_id = self.app.ctx.store, self.session_id
        self._saver.submit(store.mutate, session_id, lambda s: s.set_score(score))

    def action_note(self) -> None:
        run = self._current()
        if run is None or self.session is None:
            return
        old = self.session.score_of(run.id, self.rater)

        def save(note: str | None) -> None:
            if note is None or self.session is None:
                return
            score = Score(
                run_id=run.id,
                rater=self.rater,
                verdicts=dict(old.verdicts) if old else {},
                note=note,
                blind=self.blind,
                scored_at=now_iso(),
            )
            self._record(score)
            self.render_checklist()

        workbench(self).open("note", f"Note for {self.label(run)}", old.note if old else "", callback=save)

    def action_zoom(self) -> None:
        if self.session and self.outputs():
            workbench(self).open("zoom", self, self.output_index)

    def items_left(self) -> int:
        """Checklist items (or, without a checklist, notes) this rater has yet to give in this case."""
        assert self.session is not None
        return left_to_score(self.session, self.session.cases[self.case_index].id, self.rater)

    def action_reveal(self) -> None:
        if self.session is None or not self.session.blind:
            self.notify("This session is not blind")
            return
        if self.session.packet is not None:
            self.notify("This is a blind packet: the names stay with whoever made it", title="Still blind")
            return
        case = self.session.cases[self.case_index]
        if case.id in revealed_cases(self.session, self.rater):
            self.notify("Already revealed for this case")
            return
        if left := self.items_left():
            self.notify(
                f"Score this case first: {count(left, 'item')} left. Names show only after scoring.",
                title="Still blind",
                severity="warning",
            )
            return
        rater = self.rater
        mark_revealed(self.session, rater, case.id)
        self.save(lambda session: mark_revealed(session, rater, case.id))  # kept per rater, across restarts
        self.render_captions()
        self.render_checklist()

    def action_prefer(self) -> None:
        if self.session is None:
            return
        done = [r for r in self.outputs() if r.status == "succeeded"]
        if len(done) < 2:
            self.notify("Pairwise preference needs two outputs that succeeded", severity="warning")
            return
        workbench(self).open("preference", self, done)

    def action_results(self) -> None:
        workbench(self).open("results", self.session_id)

    def action_back(self) -> None:
        self.app.pop_screen()
