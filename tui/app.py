"""The Textual application: global keys, the command palette, one error path, screen navigation."""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from tui.core import checking, previews
from tui.core.context import Context
from tui.core.lazy_module import LazyModule
from tui.core.safe_text import visible
from tui.core.wording import count
from tui.widgets import action_log, palette
from tui.widgets.failures import ReportsFailures, TaskFailed, explain, write_debug_log
from tui.widgets.hangup import hung_up


class ImgbenchApp(ReportsFailures, App[None]):
    TITLE = "imgbench"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            id="app.quit",
            priority=True,
            show=False,
            tooltip="Quit (asks first while runs go)",
        ),
        Binding("f1,question_mark", "help", "Help", id="app.help", tooltip="Every key of every screen"),
        # Not ctrl+h: terminals send it as 0x08, which Textual reads as backspace.
        Binding("ctrl+g", "home", "Home", id="app.home", show=False, tooltip="Back to the Home screen"),
        Binding("ctrl+k", "keys", "Keys", id="app.keys", show=False, tooltip="API keys"),
        Binding("f12", "screenshot", "Screenshot", id="app.screenshot", show=False, tooltip="Save an SVG screenshot"),
    ]

    def __init__(
        self,
        context: Context | None = None,
        *,
        screens: Mapping[str, type[Screen[Any]]],
        preview_line: str = "",
    ) -> None:
        super().__init__()
        self.screen_types = screens  # looked up by name when opened: a lazy table imports a screen only then
        self.ctx = context or Context()
        # Imported on the first submit: the queues (and the session model they read) are not on Home's first frame.
        previews.install(LazyModule("tui.imaging.thumb_queue"))
        checking.install(LazyModule("tui.imaging.check_queue"))  # machine checks of each recorded run, off-thread
        self.preview_line = preview_line or "halfblock: truecolor half-block cells (works everywhere)"
        self.animation_level = "none"  # over SSH every animated frame is a round trip
        self._hung_up = False
        self.last_resort: threading.Timer | None = None  # ends the process if the way out hangs (the launch stops it)

    def on_mount(self) -> None:
        if self.ctx.config.keymap:
            self.set_keymap(self.ctx.config.keymap)
        if self.ctx.config.theme:
            self.theme = self.ctx.config.theme
        # Home after the App's own mount, not inside it: Textual renders a screen pushed during that batch update,
        # throws the frame away, then paints only what changed since, so the first frame had no borders and the
        # whole screen came ~40 ms later.
        self.call_later(self._show_home)
        self._watch_terminal()
        from tui.core import credentials, paths

        if problem := credentials.permission_problem(paths.credentials_file()):
            self.notify(
                problem + " (ctrl+k, then f, fixes it)",
                title="API keys readable by others",
                severity="warning",
                timeout=15,
            )
        # The preset files are parsed off the UI thread (~20 ms that would hold up the first paint), after it.
        self.call_after_refresh(
            self.run_worker, self._catalog_errors, thread=True, group="catalog", exit_on_error=False
        )

    def _terminal_fd(self) -> int | None:
        """The terminal the keys come from; the headless driver (an App under test) has none."""
        fd = getattr(self._driver, "fileno", None)
        return fd if isinstance(fd, int) else None

    def _watch_terminal(self) -> None:
        if (fd := self._terminal_fd()) is not None:
            self.set_interval(1.0, lambda: self._check_terminal(fd), name="hang-up watch")

    def _check_terminal(self, fd: int) -> None:
        if not self._hung_up and hung_up(fd):
            self._hung_up = True
            self.run_worker(self._terminal_gone(), group="hang-up", exit_on_error=False)

    async def _terminal_gone(self) -> None:
        """No one is at the terminal any more: stop as a quit would (runs in flight recorded as interrupted, for a
        resume), with 129, the status of a process ended by SIGHUP."""
        for screen in self._screens_running():
            await screen.interrupt_runs()
        # Textual's way out writes to the terminal to restore it; on a dead controlling terminal that write can wait
        # for ever (its writer thread stuck): what had to be kept is on disk by now, so end regardless.
        # Only with a real terminal: an App under test (headless) shares its process with the test runner.
        if self._terminal_fd() is not None:
            self.last_resort = threading.Timer(3.0, os._exit, (129,))
            self.last_resort.daemon = True
            self.last_resort.start()
        self.exit(return_code=129)

    def _show_home(self) -> None:
        self.open("home")
        self.screen.call_after_refresh(self._started)

    def _started(self) -> None:
        # Python's full collections walk every object alive; with Textual, Rich and Pillow loaded that took 60-110 ms
        # here, a frozen frame in the middle of a burst of finishing runs. What exists once the first screen is up
        # (modules, styles, widgets) lives for the whole session: move it out of the collector's sight. The launch
        # turned the collector off until now (start-up only allocates what stays).
        gc.freeze()
        gc.enable()
        from tui.imaging import ocr  # (json and the OCR worker's module: not before the first frame)

        ocr.yield_to_screen()  # the machine checks' OCR process only on cores nothing else wants

    def _catalog_errors(self) -> None:
        for err in self.ctx.catalog.errors:
            self.call_from_thread(self.notify, str(err), title="Preset skipped", severity="warning", timeout=10)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        # Messages quote stored text (a session name, a provider's words, a file name): never a raw control byte.
        super().notify(visible(message), title=visible(title), severity=severity, timeout=timeout, markup=markup)

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
        folder = screenshot_dir(self.ctx)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = self.save_screenshot(path=str(folder))
        except OSError as exc:
            self.notify(f"{folder}: {exc.strerror or exc}", title="Screenshot not saved", severity="error")
            return
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
        elif screen == "run":
            self.open("run", session.id)
        elif any(r.status in ("queued", "interrupted") for r in session.runs):
            self.open("run", session.id, ask=True)  # offers to resume them
        else:
            self.open("review", session.id)

    async def run_action(self, action: Any, default_namespace: Any = None, namespaces: Any = None) -> bool:
        handled = await super().run_action(action, default_namespace, namespaces)
        where = default_namespace if default_namespace is not None else self
        action_log.record("action", getattr(where, "HELP_TITLE", "imgbench"), action, handled)
        return handled

    def _screens_running(self) -> list[Any]:
        """The screens with runs in flight (the Run screen; any screen may say so with ``runs_in_flight``)."""
        return [s for s in self.screen_stack if getattr(s, "runs_in_flight", lambda: 0)()]

    async def action_quit(self) -> None:
        """Quit; with runs in flight, ask first, and stop them as interrupted (a resume finishes them)."""
        running = self._screens_running()
        if not running:
            self.exit()
            return
        if self.is_showing("confirm"):
            return
        going = sum(s.runs_in_flight() for s in running)

        async def answer(yes: bool | None) -> None:
            if not yes:
                return
            for screen in running:
                await screen.interrupt_runs()
            self.exit()

        self.open(
            "confirm",
            f"Quit with {count(going, 'run')} still going?",
            "They are recorded as interrupted: open the session again (or `imgbench sessions resume ID`) to finish "
            "them.",
            "quit",
            callback=answer,
        )

    def resume(self, session_id: str) -> None:
        session = self.ctx.store.load(session_id)
        if not any(r.status in ("queued", "interrupted") for r in session.runs):
            self.notify("Every run of this session has finished", title="Nothing to resume")
            return
        self.open_session(session_id, screen="run")

    def on_results(self, session_id: str, action: str) -> None:
        """Open Results for the session and run one of its actions (export, a report, the contact sheet)."""
        self.open("results", session_id)
        self.call_after_refresh(lambda: self.run_action(action, self.screen))

    def action_open_session(self) -> None:
        from functools import partial

        sessions = self.ctx.store.list().sessions
        self.search_commands(
            [
                (f"{h.name}  ({h.created_at[:16].replace('T', ' ')})", partial(self.open_session, h.id))
                for h in sessions
            ],
            placeholder="Open which session? (type part of its name)",
        )

    # -- the one error path: every screen's failed worker arrives here (tui/widgets/failures.py) --------
    def on_task_failed(self, message: TaskFailed) -> None:
        message.stop()
        log = write_debug_log(message.task, message.error)
        said = explain(message.task, message.error, log)
        self.notify("\n".join(filter(None, (said.cause, said.remedy))), title=said.title, severity="error", timeout=20)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from palette.binding_commands(self, screen)
        yield SystemCommand("New session", "Compose a new comparison", self.action_new_session)
        yield from palette.session_commands(self, screen, getattr(screen, "session_id", None))
        for command in super().get_system_commands(screen):
            if command.title in palette.KEEP_FROM_TEXTUAL:
                yield command


def screenshot_dir(ctx: Context) -> Path:
    """Where f12 writes: the configured folder, else the data dir's screenshots/ (never the current directory)."""
    from tui.core import paths

    configured = ctx.config.screenshots
    return Path(configured).expanduser() if configured else paths.data_dir() / "screenshots"
