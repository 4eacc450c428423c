"""Review shows each item's machine check beside it, measured off the UI thread after the screen opened, and a
verdict given stays the person's: the machine's ✗ never becomes a fail, nor fills in an item left open."""

from __future__ import annotations

from pathlib import Path

import msgspec
from textual.widgets import Static

from presets import load_catalog
from screens.registry import build_app
from tests.checks_support import poster, stored_session
from tests.tui_support import open_review, wait_for
from tui.core.model import MachineCheck, Params
from tui.core.store import Store
from tui.imaging import check_queue


def _checklist(app) -> str:
    return str(app.screen.query_one("#review-checklist", Static).content)


async def test_review_shows_the_machine_line_and_never_a_verdict(config_dir: Path, data_dir: Path) -> None:
    (config_dir / "config.toml").write_text('rater = "ann"\n')
    headline = msgspec.convert(load_catalog().get("tier-a/cat3").item("c1").machine, MachineCheck)
    store = Store(data_dir)
    session = stored_session(store, {"c1": headline, "c2": MachineCheck("aspect")}, [poster("時光電影節")],
                             params=Params(aspect="9:16"))  # fmt: skip
    app = build_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_review(app, pilot, session.id)
        assert _checklist(app).count("machine: measuring…") == 2  # nothing measured yet
        check_queue.submit(store, session.id, ["r-0"])
        await wait_for(pilot, lambda: "CER 0.6" in _checklist(app), timeout=60)
        text = _checklist(app)
        assert "machine: ✗ read 時光電影節 for 时光电影节, CER 0.6 (1/2 found)" in text
        assert "machine: ✗ 1024x1024 is 1.000, asked 9:16 = 0.562 (±2%)" in text
        await pilot.press("p")  # the person passes c1 regardless
        await pilot.press("escape")
        await pilot.pause(0.2)
    stored = Store(data_dir).load(session.id)
    (score,) = stored.scores
    assert score.verdicts == {"c1": "pass"}  # c2 and "plain" stay open: no check fills a verdict
    assert [r.outcome for r in stored.run("r-0").checks] == ["fail", "fail"]
