"""Command palette entries: the app's, plus whatever the current screen offers now."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.screen import Screen

if TYPE_CHECKING:
    from tui.app import ImgbenchApp


def commands_for(app: ImgbenchApp, screen: Screen) -> Iterable[SystemCommand]:
    from screens.compose import ComposeScreen

    yield SystemCommand("New session", "Compose a new comparison", lambda: app.push_screen(ComposeScreen()))
    yield SystemCommand("API keys", "Set, list and remove provider keys", app.action_keys)
    yield SystemCommand("Home", "Recent sessions and presets", app.action_home)
    yield SystemCommand("Help", "Every key, and how images are drawn", app.action_help)
    offer = getattr(screen, "palette_commands", None)
    if offer is not None:
        for title, help_text, callback in offer():
            yield SystemCommand(title, help_text, callback)
