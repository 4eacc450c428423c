"""Yes or no before something that cannot be undone: removing a stored key, quitting while runs go."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.widgets.screen_base import ScreenBase


class ConfirmScreen(ScreenBase, ModalScreen[bool]):
    HELP_TITLE = "Confirm"
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, detail: str = "", yes: str = "yes") -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.question, classes="pane-title")
            if self.detail:
                yield Static(self.detail, id="confirm-detail")
            yield Static(f"y / enter: {self.yes}    n / escape: no", id="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
