"""Help: every key of every screen (after remapping), and how images are drawn here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui.widgets.bindings import keyed_bindings
from tui.widgets.screen_base import ScreenBase
from tui.widgets.workbench import workbench


def help_sections(screens: Mapping[str, type[Screen[Any]]], app: type) -> list[tuple[str, type]]:
    """The App's keys ("Everywhere"), then each registered screen's, in the registry's order."""
    return [("Everywhere", app)] + [(getattr(cls, "HELP_TITLE", cls.__name__), cls) for cls in screens.values()]


class HelpScreen(ScreenBase, ModalScreen[None]):
    HELP_TITLE = "Help"
    BINDINGS = [Binding("escape,q,f1", "dismiss_help", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(self._content())

    def _content(self) -> Table:
        keymap = self.app._keymap  # as Textual applies it
        table = Table(title="imgbench keys", expand=True, show_header=True, header_style="bold")
        table.add_column("Screen", style="cyan", no_wrap=True)
        table.add_column("Keys", style="bold", no_wrap=True)
        table.add_column("Does")
        table.add_column("Binding id (remap in config.toml [keymap])", style="dim")
        for title, node in help_sections(workbench(self).screen_types, type(self.app)):
            for b in keyed_bindings(node, keymap):
                table.add_row(title, b.shown_keys, b.description, b.id)
            if title == "Everywhere":
                table.add_row(title, "ctrl+p", "Command palette: every action of the screen on show", "")
        table.caption = Text(f"Images: {workbench(self).preview_line}", style="italic")
        return table

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
