"""The Textual application: global keys, the command palette, one error path, screen navigation."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from pathlib import Path

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui.context import Context


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

    def __init__(self, context: Context | None = None, *, preview_line: str = "") -> None:
        super().__init__()
        self.ctx = context or Context()
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
        from screens.home import HomeScreen

        self.push_screen(HomeScreen())
        from tui import credentials, paths

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

    # -- navigation ---------------------------------------------------------------------------
    def action_help(self) -> None:
        from screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_home(self) -> None:
        from screens.home import HomeScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()

    def action_keys(self) -> None:
        from screens.keys import KeysScreen

        if not isinstance(self.screen, KeysScreen):
            self.push_screen(KeysScreen())

    def action_screenshot(self) -> None:
        path = self.save_screenshot(path=str(Path.cwd()))
        self.notify(path, title="Screenshot saved")

    def open_session(self, session_id: str, *, screen: str = "auto") -> None:
        """Run what is pending, else review; 'results' goes straight to the results."""
        from screens.results import ResultsScreen
        from screens.review import ReviewScreen
        from screens.run import RunScreen

        try:
            self.ctx.store.recover_interrupted(session_id)
            session = self.ctx.store.load(session_id)
        except Exception as exc:
            self.notify(str(exc), title="Cannot open session", severity="error", timeout=10)
            return
        if screen == "results":
            self.push_screen(ResultsScreen(session.id))
        elif screen == "run" or any(r.status in ("queued", "interrupted") for r in session.runs):
            self.push_screen(RunScreen(session.id))
        else:
            self.push_screen(ReviewScreen(session.id))

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
        from screens.palette import commands_for

        yield from commands_for(self, screen)
