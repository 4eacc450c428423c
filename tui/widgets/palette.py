"""What the command palette (ctrl+p) offers: every action of the screen on show with its key, read from its live
bindings (the keymap applied), then the App's own, then the session commands. Nothing here is a hand-kept list of
a screen's actions: a new binding shows up by itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.app import App, SystemCommand
from textual.screen import Screen

from tui.widgets.bindings import KeyedBinding, keyed_bindings

# Textual's own commands worth keeping; ours replace its Quit (which asks first here), Keys and Screenshot.
KEEP_FROM_TEXTUAL = {"Theme", "Maximize", "Minimize"}


def binding_commands(app: App[Any], screen: Screen[Any]) -> Iterator[SystemCommand]:
    keymap = getattr(app, "_keymap", {})
    title = getattr(screen, "HELP_TITLE", type(screen).__name__)
    for binding in keyed_bindings(screen, keymap):
        yield _command(app, screen, title, binding)
    for binding in keyed_bindings(app, keymap):
        yield _command(app, app, "imgbench", binding)


def _command(app: App[Any], namespace: Any, title: str, binding: KeyedBinding) -> SystemCommand:
    run: Callable[[], Any] = partial(app.run_action, binding.action, namespace)
    return SystemCommand(f"{title}: {binding.description}", f"key {binding.shown_keys}", run)


def session_commands(app: Any, screen: Screen[Any], session_id: str | None) -> Iterator[SystemCommand]:
    """Export, reports, the contact sheet and resuming, for the session on show (or selected on Home). They run
    the Results screen's own actions, so what they write (and what blind mode hides) is the same as its keys."""
    yield SystemCommand("Open session…", "Pick a session by name", app.action_open_session)
    if session_id is None:
        return
    if not app.is_showing("results"):
        for name, action in (
            ("Export session JSON", "export"),
            ("Markdown report", "report('md')"),
            ("HTML report", "report('html')"),
            ("Contact sheet", "sheet"),
        ):
            yield SystemCommand(name, "Written to the exports folder", partial(app.on_results, session_id, action))
    yield SystemCommand(
        "Resume unfinished runs", "Run what is queued or was interrupted", partial(app.resume, session_id)
    )
