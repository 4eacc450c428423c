"""What a screen may ask of the App, as a protocol: screens never import the App or each other to navigate.

A screen opens another by its registered name (``workbench(self).open("review", session_id)``); the App
looks the name up in the registry it was built with (``screens/registry.py``). So the screens sit above the
App in the import graph and no screen module imports another screen module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.screen import Screen

    from tui.core.context import Context


class Workbench(Protocol):
    ctx: Context
    preview_line: str
    screen_types: Mapping[str, type[Screen[Any]]]

    def open(self, name: str, *args: Any, callback: Callable[[Any], Any] | None = None, **kwargs: Any) -> None:
        """Push the screen registered as ``name``, built with these arguments."""

    def replace(self, name: str, *args: Any, **kwargs: Any) -> None:
        """Switch the current screen for the one registered as ``name``."""

    def open_session(self, session_id: str, *, screen: str = "auto") -> None:
        """Run what is pending, else review; 'results' goes straight to the results."""

    def is_showing(self, name: str) -> bool:
        """Whether the current screen is the one registered as ``name``."""


def workbench(node: DOMNode) -> Workbench:
    return cast("Workbench", node.app)


def ask_then_work(
    screen: Screen[Any],
    dialog: str,
    *args: Any,
    work: Callable[[Any], object],
    group: str,
    description: str,
    **kwargs: Any,
) -> None:
    """Open the dialog registered as ``dialog``; its answer (not None, not empty) runs ``work(answer)`` in a thread
    worker, whose failure goes through the App's one error path. The shape of every "ask one thing, then do it in
    the background" action (judge, rater packet, import)."""

    def answered(value: Any) -> None:
        if value:
            screen.run_worker(
                partial(work, value), thread=True, group=group, description=description, exit_on_error=False
            )

    workbench(screen).open(dialog, *args, callback=answered, **kwargs)
