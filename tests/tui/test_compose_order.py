"""Compose runs the cases in the presets' order, whatever order they were ticked in, and labels its fields."""

from __future__ import annotations

from pathlib import Path

from screens.registry import build_app
from screens.run import RunScreen
from tests.tui.test_walkthrough import open_compose
from tests.tui_support import at_home, wait_for
from tui.core.store import Store


async def test_cases_follow_the_preset_order_not_the_ticking_order(fast_demo: Path, data_dir: Path) -> None:
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        compose = await open_compose(app, pilot)
        presets = compose.query_one("#presets")
        presets.select("tier-a/cat3")
        presets.select("tier-a/cat1")
        presets.select("tier-a/cat2")
        await pilot.pause(0.1)
        labels = [str(label.render()) for label in compose.query(".param-label")]
        assert [label.split(" ")[0] for label in labels] == ["Size", "Aspect", "Quality", "Repeats"]
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen) and app.screen.session is not None, 20)
        session_id = app.screen.session_id
    session = Store(data_dir).load(session_id)
    assert [c.preset_id for c in session.cases] == ["tier-a/cat1", "tier-a/cat2", "tier-a/cat3"]
