"""The Keys screen: set, list masked with the source, remove; the key never appears on screen."""

from __future__ import annotations

import stat
from pathlib import Path

from screens.confirm import ConfirmScreen
from screens.keys import KeyInput, KeysScreen
from screens.registry import build_app
from tests.tui_support import wait_for
from tui.core import credentials

PLANTED = "PLANTED-KEY-0123456789abcdef"


async def test_set_and_remove_a_key_without_showing_it(config_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("XAI_API_KEY", "PLANTED-ENV-KEY-fedcba9876543210")
    app = build_app()
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("ctrl+k")
        await wait_for(pilot, lambda: isinstance(app.screen, KeysScreen))
        screen = app.screen
        table = screen.query_one("#keys")
        rows = {str(table.get_row(k)[0]): [str(c) for c in table.get_row(k)] for k in table.rows}
        assert rows["xai"][2] == "env:XAI_API_KEY" and "fedc" not in rows["xai"][1][:3]
        assert rows["openai"][2] == "missing" and "imgbench keys set openai" in rows["openai"][3]
        table.move_cursor(row=list(rows).index("openai"))
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, KeyInput))
        await pilot.press(*PLANTED, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, KeysScreen))
        await pilot.pause(0.1)
        svg = app.export_screenshot()
        assert PLANTED not in svg and "PLANTED-ENV-KEY" not in svg
        assert credentials.mask(PLANTED) in svg
        assert credentials.load_stored()["openai"] == PLANTED
        file = config_dir / "credentials.toml"
        assert stat.S_IMODE(file.stat().st_mode) == 0o600 and stat.S_IMODE(config_dir.stat().st_mode) == 0o700
        assert any(m.info.id.startswith("openai:") and m.available for m in app.ctx.registry.models())
        await pilot.press("d")  # asks first: no leaves the key
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, KeysScreen))
        assert credentials.load_stored()["openai"] == PLANTED
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: "openai" not in credentials.load_stored())
