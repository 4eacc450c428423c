"""Help: every key of every screen (after remapping), and how images are drawn here."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.widgets.workbench import workbench


def _display(key: str) -> str:
    return ", ".join(
        k.replace("bracketleft", "[").replace("bracketright", "]").replace("question_mark", "?") for k in key.split(",")
    )


class HelpScreen(ModalScreen[None]):
    HELP_TITLE = "Help"
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
        everywhere: list[tuple[str, type | None]] = [("Everywhere", None)]
        listed = everywhere + [
            (getattr(cls, "HELP_TITLE", cls.__name__), cls) for cls in workbench(self).screen_types.values()
        ]
        for title, screen in listed:
            bindings = type(self.app).BINDINGS if screen is None else screen.BINDINGS
            for b in bindings:
                if not isinstance(b, Binding):
                    continue
                keys = keymap.get(b.id or "", b.key)
                table.add_row(title, _display(keys), b.description or b.action, b.id or "")
            if screen is None:
                table.add_row(title, "ctrl+p", "Command palette", "")
        table.caption = Text(f"Images: {workbench(self).preview_line}", style="italic")
        return table

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
