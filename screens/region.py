"""The edit region of the difference view: four labelled numbers in percent of the image, checked here, each
problem said in words next to the fields (the dialog stays open until they make a region or are all empty)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.widgets.screen_base import ScreenBase

Region = tuple[float, float, float, float]
FIELDS = (("x0", "left"), ("y0", "top"), ("x1", "right"), ("y1", "bottom"))


def region_problems(values: dict[str, str]) -> tuple[Region | None, list[str]]:
    """(the region as fractions 0..1, or None when every field is empty; every problem found, in words)."""
    texts = {key: values.get(key, "").strip().rstrip("%").strip() for key, _ in FIELDS}
    if not any(texts.values()):
        return None, []
    problems: list[str] = []
    numbers: dict[str, float] = {}
    for key, side in FIELDS:
        text = texts[key].replace(",", ".")  # a decimal comma is a decimal point here
        if not text:
            problems.append(f"the {side} edge ({key}) is empty: give all four, or clear all four for no region")
            continue
        try:
            number = float(text)
        except ValueError:
            problems.append(f"the {side} edge ({key}) is not a number: {texts[key]!r}")
            continue
        if not 0 <= number <= 100:
            problems.append(f"the {side} edge ({key}) is {number:g}%: it must be between 0 and 100")
            continue
        numbers[key] = number
    if "x0" in numbers and "x1" in numbers and numbers["x0"] >= numbers["x1"]:
        problems.append("the left edge (x0) must be left of the right edge (x1)")
    if "y0" in numbers and "y1" in numbers and numbers["y0"] >= numbers["y1"]:
        problems.append("the top edge (y0) must be above the bottom edge (y1)")
    if problems:
        return None, problems
    x0, y0, x1, y1 = (numbers[key] / 100 for key, _ in FIELDS)
    return (x0, y0, x1, y1), []


class RegionScreen(ScreenBase, ModalScreen["Region | None | bool"]):
    """Dismissed with the region, None for no region, or False when cancelled."""

    HELP_TITLE = "Edit region"
    DEFAULT_CSS = """
    RegionScreen { align: center middle; }
    #region-box { width: 64; max-width: 95%; height: auto; border: thick $accent; padding: 1 2; background: $panel; }
    #region-fields { height: auto; }
    #region-fields Vertical { width: 1fr; height: auto; }
    #region-fields Input { width: 100%; }
    #region-problems { color: $error; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="region.cancel")]

    def __init__(self, current: Region | None = None) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="region-box"):
            yield Static(
                "[b]Edit region[/b], in % of the image from its top-left corner.\n"
                "Enter applies · all four empty: no region · escape cancels",
                markup=True,
            )
            with Horizontal(id="region-fields"):
                for index, (key, side) in enumerate(FIELDS):
                    with Vertical():
                        yield Label(f"{key} ({side})")
                        value = f"{self.current[index] * 100:g}" if self.current else ""
                        yield Input(value, id=f"region-{key}", placeholder="%")
            yield Static("", id="region-problems")

    def on_mount(self) -> None:
        self.query_one("#region-x0", Input).focus()

    @on(Input.Submitted)
    def _submit(self) -> None:
        values = {key: self.query_one(f"#region-{key}", Input).value for key, _ in FIELDS}
        region, problems = region_problems(values)
        if problems:
            self.query_one("#region-problems", Static).update("\n".join(f"• {p}" for p in problems))
            return
        self.dismiss(region)

    def action_cancel(self) -> None:
        self.dismiss(False)
