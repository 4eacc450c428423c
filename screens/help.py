"""Help: every key of every screen (after remapping), and how images are drawn here."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def _screens():
    from screens.compose import ComposeScreen
    from screens.file_picker import FilePickerScreen
    from screens.home import HomeScreen
    from screens.keys import KeysScreen
    from screens.results import ResultsScreen
    from screens.review import ReviewScreen
    from screens.run import RunScreen
    from screens.zoom import ZoomScreen

    return [
        ("Everywhere", None),
        ("Home", HomeScreen),
        ("Compose", ComposeScreen),
        ("Pick a file", FilePickerScreen),
        ("Run", RunScreen),
        ("Review", ReviewScreen),
        ("Zoom", ZoomScreen),
        ("Results", ResultsScreen),
        ("Keys", KeysScreen),
    ]


def _display(key: str) -> str:
    return ", ".join(
        k.replace("bracketleft", "[").replace("bracketright", "]").replace("question_mark", "?") for k in key.split(",")
    )


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,f1", "dismiss_help", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(self._content())

    def _content(self) -> Table:
        keymap = dict(self.app.ctx.config.keymap)
        table = Table(title="imgbench keys", expand=True, show_header=True, header_style="bold")
        table.add_column("Screen", style="cyan", no_wrap=True)
        table.add_column("Keys", style="bold", no_wrap=True)
        table.add_column("Does")
        table.add_column("Binding id (remap in config.toml [keymap])", style="dim")
        for title, screen in _screens():
            bindings = type(self.app).BINDINGS if screen is None else screen.BINDINGS
            for b in bindings:
                if not isinstance(b, Binding):
                    continue
                keys = keymap.get(b.id or "", b.key)
                table.add_row(title, _display(keys), b.description or b.action, b.id or "")
            if screen is None:
                table.add_row(title, "ctrl+p", "Command palette", "")
        table.caption = Text(f"Images: {self.app.preview_line}", style="italic")
        return table

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
