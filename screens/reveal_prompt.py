"""Asked before a report or contact sheet of a blind session whose names the rater has not revealed: by slot
(nothing names a model) or with the model names."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.widgets.screen_base import ScreenBase

SLOTS, NAMES = "slots", "names"


class RevealPromptScreen(ScreenBase, ModalScreen[str | None]):
    HELP_TITLE = "Blind: report by slot or with names"
    DEFAULT_CSS = """
    RevealPromptScreen { align: center middle; }
    #reveal-box { width: 72; max-width: 95%; height: auto; border: thick $warning; padding: 1 2; background: $panel; }
    """
    BINDINGS = [
        Binding("s,enter", "choose('slots')", "By slot", id="reveal_prompt.slots"),
        Binding("r", "choose('names')", "Name models", id="reveal_prompt.names"),
        Binding("escape", "choose(None)", "Cancel", id="reveal_prompt.cancel"),
    ]

    def __init__(self, what: str = "report") -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(id="reveal-box"):
            yield Static(f"[b]Blind session, not revealed for you[/b]\n\nWrite the {self.what}:", markup=True)
            yield Static(
                "  [b]s[/b] / enter  by slot: no model names, speed or cost, as in Review\n"
                "  [b]r[/b]          with the model names (you will see them)\n"
                "  [b]escape[/b]     cancel",
                markup=True,
            )

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)
