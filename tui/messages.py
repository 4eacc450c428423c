"""Messages the runner's worker posts to the screens (from the App's own event loop)."""

from __future__ import annotations

from textual.message import Message

from tui.runner import RunEvent


class RunUpdated(Message):
    def __init__(self, event: RunEvent) -> None:
        super().__init__()
        self.event = event
