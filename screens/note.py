"""A one-line note for an output."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.widgets.screen_base import ScreenBase


class NoteScreen(ScreenBase, ModalScreen[str | None]):
    HELP_TITLE = "Note / text"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="note.cancel")]

    def __init__(
        self, title: str, value: str = "", *, placeholder: str = "what you noticed (enter saves, escape cancels)"
    ) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box"):
            yield Static(self.title_text, classes="pane-title")
            yield Input(self.value, placeholder=self.placeholder, id="note-input")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
