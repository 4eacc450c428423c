"""A screen's first show skips Textual's restyle of every node (its mount styled them a moment ago), and a screen
that was away while the theme changed still comes back in the new one."""

from __future__ import annotations

import pytest
from textual.screen import Screen

from screens.registry import build_app
from tests.tui_support import at_home, wait_for


@pytest.fixture
def restyles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = Screen.update_node_styles

    def counting(self, animate: bool = True) -> None:
        seen.append(type(self).__name__)
        real(self, animate)

    monkeypatch.setattr(Screen, "update_node_styles", counting)
    return seen


async def test_the_first_show_is_not_restyled_and_a_return_shows_the_new_theme(restyles: list[str]) -> None:
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        await pilot.pause()
        assert "HomeScreen" not in restyles  # mounted, styled, shown: no second pass
        home = app.screen
        title = home.query_one("#sessions-title")
        before = title.styles.color
        app.open("help")
        await wait_for(pilot, lambda: app.screen is not home)
        app.theme = "nord" if app.theme != "nord" else "gruvbox"  # changed while away: another accent
        app.pop_screen()
        await wait_for(pilot, lambda: app.screen is home)
        await pilot.pause()
        assert title.styles.color != before  # Home shows the new theme's accent
