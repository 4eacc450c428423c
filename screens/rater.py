"""Asked once: the rater's name, saved to config.toml so scores say who gave them."""

from __future__ import annotations

import getpass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.widgets.screen_base import ScreenBase


class RaterScreen(ScreenBase, ModalScreen[str | None]):
    HELP_TITLE = "Rater name"
    BINDINGS = [Binding("escape", "skip", "Use the default", id="rater.skip")]

    def compose(self) -> ComposeResult:
        try:
            default = getpass.getuser()
        except Exception:
            default = "me"
        with Vertical(id="note-box"):
            yield Static("Your name as a rater (saved in config.toml; asked once)", classes="pane-title")
            yield Input(default, id="rater-input")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        if not name:
            return
        self._save(name)
        self.dismiss(name)

    def _save(self, name: str) -> None:
        import msgspec

        from tui.core.config import save_config

        ctx = self.app.ctx
        config = msgspec.structs.replace(ctx.config, rater=name)
        try:
            save_config(config)
        except OSError as exc:
            self.notify(f"could not save config.toml: {exc}", severity="warning")
        ctx.__dict__["config"] = config

    def action_skip(self) -> None:
        self.dismiss(None)
