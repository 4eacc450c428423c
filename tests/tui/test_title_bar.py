"""The title bar against Textual's own Header, the widget it stands in for: cell by cell, the same characters in the
same colours, at every width and for every kind of title (none, short, cut with an ellipsis, wide characters)."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.command import CommandPalette
from textual.widget import Widget
from textual.widgets import Header

from tui.widgets.title_bar import TitleBar

SUB_TITLES = [
    "",
    "snapshot",
    "tier-a sweep " * 12,
    "評価セッション 夜間ベンチマーク " * 4,
    "a\tb\t",
    "ends in spaces   ",
]


class _Bar(App[None]):
    def __init__(self, bar: type[Widget], sub_title: str) -> None:
        super().__init__()
        self.bar, self.initial_sub_title = bar, sub_title

    def compose(self) -> ComposeResult:
        yield self.bar()

    def on_mount(self) -> None:
        self.title = "imgbench"
        self.sub_title = self.initial_sub_title


def _cells(app: App[None]) -> list[tuple[str, object, object, bool]]:
    """The top line as a terminal shows it: each cell's character and background, and a character's colour and
    dimness (a blank's do not show)."""
    strip = app.screen._compositor.render_strips()[0]
    return [
        (char, seg.style.bgcolor, *((None, False) if char == " " else (seg.style.color, bool(seg.style.dim))))
        for seg in strip
        if seg.style is not None
        for char in seg.text
    ]


async def _top_line(bar: type[Widget], sub_title: str, width: int, screen_sub_title: str | None = None) -> list:
    app = _Bar(bar, sub_title)
    async with app.run_test(size=(width, 3)) as pilot:
        if screen_sub_title is not None:
            app.screen.sub_title = screen_sub_title
        await pilot.pause()
        return _cells(app)


@pytest.mark.parametrize("width", [100, 80, 41, 19, 12, 5])
@pytest.mark.parametrize("sub_title", SUB_TITLES, ids=["none", "short", "long", "wide", "tabs", "spaces"])
async def test_the_title_bar_draws_what_textuals_header_draws(width: int, sub_title: str) -> None:
    ours, textuals = await _top_line(TitleBar, sub_title, width), await _top_line(Header, sub_title, width)
    assert "".join(c[0] for c in ours) == "".join(c[0] for c in textuals)
    assert ours == textuals


async def test_a_screens_own_sub_title_wins_and_a_change_shows() -> None:
    ours = await _top_line(TitleBar, "app's", 100, screen_sub_title="the screen's")
    assert "".join(c[0] for c in ours) == "".join(c[0] for c in await _top_line(Header, "app's", 100, "the screen's"))
    assert "the screen's" in "".join(c[0] for c in ours)


async def test_the_icon_opens_the_command_palette_and_the_rest_of_the_bar_does_not() -> None:
    app = _Bar(TitleBar, "")
    async with app.run_test(size=(60, 5)) as pilot:
        await pilot.click(TitleBar, offset=(30, 0))
        await pilot.pause()
        assert not isinstance(app.screen, CommandPalette)
        await pilot.click(TitleBar, offset=(1, 0))
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
