"""What every screen of imgbench mixes in (before ``Screen``): its failed workers reported through the one error
path, and its footer in the order its BINDINGS are declared, remapped keys included (Textual moves a binding the
keymap changed to the end, where a narrow footer cuts it off)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from textual import events
from textual.binding import ActiveBinding

from tui.widgets import action_log
from tui.widgets.bindings import keyed_bindings
from tui.widgets.failures import ReportsFailures


@lru_cache(maxsize=64)
def _declared_order(cls: type) -> dict[str, int]:
    return {b.id: i for i, b in enumerate(keyed_bindings(cls, {}))}


class ScreenBase(ReportsFailures):
    _resumed_once = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self._resumed_once:
            # Textual restyles every node of a screen it resumes, for one that was away while the styles changed.
            # A screen on show for the first time was styled by its own mount a moment ago: the pass again cost
            # Home's first frame ~5 ms. (This handler runs before Screen's own, which reads the flag.)
            self._resumed_once = True
            event.refresh_styles = False
        # Textual calls each class's own handler along the MRO: no super() here. Popping two screens at once
        # (ctrl+g from Results) resumes the one between too, in its own queue, maybe after the one now on show:
        # only the screen on show is logged.
        if self.app.screen is self:
            action_log.record("screen", getattr(self, "HELP_TITLE", type(self).__name__))

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        live: dict[str, ActiveBinding] = super().active_bindings  # type: ignore[misc]
        rank: dict[Any, int] = _declared_order(type(self))
        last = len(rank)
        return dict(sorted(live.items(), key=lambda item: rank.get(item[1].binding.id, last)))
