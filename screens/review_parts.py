"""The pieces of the Review screen that other screens share: the output tile, the grid's shape, verdict marks,
and which blind cases this rater has revealed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.model import Session
from tui.widgets.image_view import ImageView

MARKS = {"pass": ("✓", "green"), "fail": ("✗", "red"), "partial": ("½", "yellow"), "na": ("–", "grey50")}


def revealed_cases(app, session: Session) -> set[str]:
    """Cases of a blind session whose model names this rater asked to see (after scoring them)."""
    return app.__dict__.setdefault("_revealed", {}).setdefault(session.id, set())


def best_columns(count: int, width: int, height: int) -> int:
    """The column count that gives each (roughly square) image the most cells; a cell is ~1:2."""
    if count <= 1:
        return 1

    def side(columns: int) -> float:
        rows = -(-count // columns)
        return min(width / columns - 2, (height / rows - 3) * 2)

    return max(range(1, min(count, 9) + 1), key=side)


class OutputTile(Vertical):
    """One output: its image and a caption that never names the model in blind mode."""

    def __init__(self, index: int) -> None:
        super().__init__(classes="tile")
        self.index = index

    def compose(self) -> ComposeResult:
        screen = self.screen
        yield ImageView(classes="tile-image", blind=bool(getattr(screen, "session", None) and screen.session.blind))
        yield Static("", classes="tile-caption")
