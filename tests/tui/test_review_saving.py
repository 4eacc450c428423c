"""Review: a verdict the disk refuses is said at once and kept, and lands once the disk is back."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from screens.registry import build_app
from screens.review import ReviewScreen
from tests.tui_support import at_home, wait_for
from tui.cli.main import main
from tui.core import ordered_saver
from tui.core.store import Store


@pytest.fixture
def session_id(fast_demo: Path, capsys) -> str:
    assert main(["run", "--prompt", "a red cube", "--model", "demo:mosaic", "--check", "Is there a cube?", "-q"]) == 0
    (fast_demo / "config.toml").write_text('rater = "ann"\n[providers.demo]\nlatency_ms = 20\n')
    return capsys.readouterr().out.strip()


async def test_a_refused_score_is_said_and_saved_when_the_disk_is_back(
    session_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ordered_saver, "RETRY_DELAYS_S", (0.01,))
    real = Store.mutate
    full = [True]

    def mutate(self: Store, *args, **kwargs):
        if full[0]:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "mutate", mutate)
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        app.push_screen(ReviewScreen(session_id))
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.session is not None)
        await pilot.press("p")
        await wait_for(pilot, lambda: any("No space left" in n.message for n in app._notifications))
        assert Store().load(session_id).scores == []
        full[0] = False
        await pilot.press("escape")  # leaving Review writes what was kept
        await pilot.pause(0.2)
    (score,) = Store().load(session_id).scores
    assert score.rater == "ann" and score.verdicts == {"c1": "pass"}
