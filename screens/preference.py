"""Pairwise preference for a case: for each pair of outputs, which is better (or tie, or both bad)."""

from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.core.model import Preference, Run, now_iso
from tui.widgets.screen_base import ScreenBase

if TYPE_CHECKING:
    from screens.review_parts import ReviewState

SHOWN = {"a": "left better", "b": "right better", "tie": "tie", "both_bad": "both bad"}


class PreferenceScreen(ScreenBase, ModalScreen[None]):
    HELP_TITLE = "Preference"
    BINDINGS = [
        Binding("up,k", "move(-1)", "Up", id="prefer.up", show=False),
        Binding("down,j", "move(1)", "Down", id="prefer.down", show=False),
        Binding("a,left", "choose('a')", "Left better", id="prefer.a"),
        Binding("b,right", "choose('b')", "Right better", id="prefer.b"),
        Binding("t", "choose('tie')", "Tie", id="prefer.tie"),
        Binding("x", "choose('both_bad')", "Both bad", id="prefer.both_bad"),
        Binding("escape,q", "close", "Done", id="prefer.close"),
    ]

    def __init__(self, review: ReviewState, runs: list[Run]) -> None:
        super().__init__()
        self.review = review
        self.pairs = list(combinations(runs, 2))
        self.cursor = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box"):
            yield Static("Which is better? a: left · b: right · t: tie · x: both bad · esc: done", classes="pane-title")
            yield Static("", id="pairs")

    def on_mount(self) -> None:
        self.render_pairs()

    def _given(self, left: Run, right: Run) -> str | None:
        session = self.review.session
        assert session is not None
        for p in session.preferences:
            if p.rater == self.review.rater and {p.run_a, p.run_b} == {left.id, right.id}:
                if p.run_a == left.id:
                    return p.outcome
                return {"a": "b", "b": "a"}.get(p.outcome, p.outcome)
        return None

    def render_pairs(self) -> None:
        text = Text()
        for i, (left, right) in enumerate(self.pairs):
            given = self._given(left, right)
            style = "reverse" if i == self.cursor else ""
            text.append(
                f"{'▸' if i == self.cursor else ' '} {self.review.label(left)}  vs  {self.review.label(right)}",
                style=style,
            )
            text.append(f"   {SHOWN[given] if given else '·'}\n", style="bold green" if given else "dim")
        self.query_one("#pairs", Static).update(text)

    def action_move(self, step: int) -> None:
        self.cursor = (self.cursor + step) % len(self.pairs)
        self.render_pairs()

    def action_choose(self, outcome: str) -> None:
        review = self.review
        session = review.session
        assert session is not None
        left, right = self.pairs[self.cursor]
        pref = Preference(
            case_id=left.case_id,
            rater=review.rater,
            run_a=left.id,
            run_b=right.id,
            outcome=outcome,
            blind=review.blind,
            given_at=now_iso(),
        )  # type: ignore[arg-type]

        def apply(s) -> None:
            s.preferences = [
                p
                for p in s.preferences
                if not (p.rater == pref.rater and {p.run_a, p.run_b} == {pref.run_a, pref.run_b})
            ]
            s.preferences.append(pref)

        apply(session)
        review.save(apply)
        if self.cursor < len(self.pairs) - 1:
            self.cursor += 1
        self.render_pairs()

    def action_close(self) -> None:
        self.dismiss(None)
