"""A model name the catalog does not list is marked in Compose and on the Run screen (through the real App)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from screens.compose import ComposeScreen
from screens.registry import build_app
from screens.run import RunScreen
from tests.providers.conftest import run_prompt
from tests.providers.loopback import Loopback
from tests.tui_support import at_home, wait_for
from tui.core.model import Session

NEW = "openai:gpt-image-2.5-flare"


def test_compose_and_run_mark_a_name_outside_the_catalog(config_dir: Path, monkeypatch) -> None:
    (config_dir / "config.toml").write_text(f'[defaults]\nmodels = ["{NEW}", "openai:gpt-image-2"]\n')
    with Loopback("openai") as server:
        monkeypatch.setenv("IMGBENCH_OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "PLANTED-KEY-marks-0123456789")
        session = run_prompt([NEW, "openai:gpt-image-2"])  # the runner's own loop, before the App's
        asyncio.run(check_screens(session))


async def check_screens(session: Session) -> None:
    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await at_home(app, pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))
        options = app.screen.query_one("#models")
        prompts = {options.get_option_at_index(i).value: str(options.get_option_at_index(i).prompt)
                   for i in range(options.option_count)}  # fmt: skip
        assert "unknown to the catalog" in prompts[NEW]
        assert "unknown to the catalog" not in prompts["openai:gpt-image-2"]
        assert NEW in options.selected  # a configured default, so it is offered and chosen

        screen = RunScreen(session.id)
        app.push_screen(screen)
        await wait_for(pilot, lambda: app.screen is screen and screen.query("#run-detail"))
        for run in session.runs:
            screen._show_detail(run.id)
            text = str(screen.query_one("#run-detail").render())
            assert ("unknown to the catalog" in text) == (run.model == NEW), text
