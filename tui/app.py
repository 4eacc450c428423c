"""The Textual application: global keys, the command palette, one error path, screen navigation."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui.core import previews
from tui.core.context import Context
from tui.imaging import thumb_queue


class ImgbenchApp(App[None]):
    TITLE = "imgbench"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("f1,question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+h", "home", "Home", id="app.home", show=False),
        Binding("ctrl+k", "keys", "Keys", id="app.keys", show=False),
        Binding("f12", "screenshot", "Screenshot", id="app.screenshot", show=False),
    ]

    def __init__(
        self,
        context: Context | None = None,
        *,
        screens: Mapping[str, type[Screen[Any]]],
        preview_line: str = "",
    ) -> None:
        super().__init__()
        self.screen_types = dict(screens)
        self.ctx = context or Context()
        previews.install(thumb_queue)
        self.preview_line = preview_line or "halfblock: truecolor half-block cells (works everywhere)"
        self.animation_level = "none"  # over SSH every animated frame is a round trip

    def on_mount(self) -> None:
        # Python's full collections walk every object alive; with Textual, Rich and Pillow loaded that took 60-110 ms
        # here, a frozen frame in the middle of a burst of finishing runs. What exists once the first screen is up
        # (modules, styles, widgets) lives for the whole session: move it out of the collector's sight.
        self.call_after_refresh(gc.freeze)
        if self.ctx.config.keymap:
            self.set_keymap(self.ctx.config.keymap)
        if self.ctx.config.theme:
            self.theme = self.ctx.config.theme
        self.open("home")
        from tui.core import credentials, paths

        if problem := credentials.permission_problem(paths.credentials_file()):
            self.notify(
                problem + " (ctrl+k, then f, fixes it)",
                title="API keys readable by others",
                severity="warning",
                timeout=15,
            )
        for err in self.ctx.catalog.errors:
            self.notify(str(err), title="Preset skipped", severity="warning", timeout=10)

    def on_unmount(self) -> None:
        gc.unfreeze()  # the process may go on (tests, an embedding program): let the collector see it all again

    # -- navigation: screens by their registered name -----------------------------------------
    def open(self, name: str, *args: Any, callback: Callable[[Any], Any] | None = None, **kwargs: Any) -> None:
        self.push_screen(self.screen_types[name](*args, **kwargs), callback)

    def replace(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.switch_screen(self.screen_types[name](*args, **kwargs))

    def is_showing(self, name: str) -> bool:
        return isinstance(self.screen, self.screen_types[name])

    def action_help(self) -> None:
        if not self.is_showing("help"):
            self.open("help")

    def action_home(self) -> None:
        while len(self.screen_stack) > 2 and not self.is_showing("home"):
            self.pop_screen()

    def action_keys(self) -> None:
        if not self.is_showing("keys"):
            self.open("keys")

    def action_new_session(self) -> None:
        self.open("compose")

    def action_screenshot(self) -> None:
        path = self.save_screenshot(path=str(Path.cwd()))
        self.notify(path, title="Screenshot saved")

    def open_session(self, session_id: str, *, screen: str = "auto") -> None:
        """Run what is pending, else review; 'results' goes straight to the results."""
        try:
            self.ctx.store.recover_interrupted(session_id)
            session = self.ctx.store.load(session_id)
        except Exception as exc:
            self.notify(str(exc), title="Cannot open session", severity="error", timeout=10)
            return
        if screen == "results":
            self.open("results", session.id)
        elif screen == "run" or any(r.status in ("queued", "interrupted") for r in session.runs):
            self.open("run", session.id)
        else:
            self.open("review", session.id)

    # -- the one error path -------------------------------------------------------------------
    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.notify(
                f"{error}",
                title=f"{event.worker.description or event.worker.name} failed",
                severity="error",
                timeout=10,
            )

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("New session", "Compose a new comparison", self.action_new_session)
        yield SystemCommand("API keys", "Set, list and remove provider keys", self.action_keys)
        yield SystemCommand("Home", "Recent sessions and presets", self.action_home)
        yield SystemCommand("Help", "Every key, and how images are drawn", self.action_help)
        offer = getattr(screen, "palette_commands", None)
        if offer is not None:
            for title, help_text, callback in offer():
                yield SystemCommand(title, help_text, callback)
