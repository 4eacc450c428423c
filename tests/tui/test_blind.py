"""Blind scoring: no screen shows a model name until the rater has scored a case and asks to see them."""

from __future__ import annotations

from pathlib import Path

import pytest

from screens.registry import build_app
from screens.results import ResultsScreen
from screens.review import ReviewScreen
from screens.run import RunScreen
from tests.test_cli import DEMO3, tier_a_refs
from tests.tui_support import at_home, wait_for
from tui.cli.main import main
from tui.core.store import Store

NAMES = ("demo:", "mosaic", "aurora", "sketch", "Mosaic", "Aurora", "Sketch")


def leaks(app) -> list[str]:
    svg = app.export_screenshot()
    return [n for n in NAMES if n in svg]


@pytest.fixture
def blind_session(fast_demo: Path, make_image, capsys) -> str:
    (fast_demo / "config.toml").write_text('rater = "bo"\n[providers.demo]\nlatency_ms = 20\n')
    assert main(["run", "--preset", "tier-a", "--blind", "--quiet", *DEMO3, *tier_a_refs(make_image)]) == 0
    return capsys.readouterr().out.strip()


async def test_blind_tier_a_reveals_nothing_until_scored(blind_session: str, data_dir: Path):
    session_id = blind_session
    session = Store(data_dir).load(session_id)
    assert session.blind

    app = build_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await at_home(app, pilot)
        assert leaks(app) == []  # Home
        app.push_screen(RunScreen(session_id))
        await pilot.pause(0.5)
        assert leaks(app) == []
        table = app.screen.query_one("#runs")
        rows = [table.get_row(key) for key in table.rows]
        assert len(rows) == 18 and all(row[3] == "" and row[4] == "" for row in rows), "no latency or retries"
        assert all(str(row[1]).startswith("slot ") for row in rows)  # (cells of stored text are plain Text)
        app.push_screen(ResultsScreen(session_id))
        await pilot.pause(0.8)
        assert leaks(app) == [], "results must stay masked while blind"
        await pilot.press("escape")
        app.push_screen(ReviewScreen(session_id))
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen))
        review = app.screen
        for case_index, case in enumerate(session.cases):
            await pilot.pause(0.3)
            assert review.case_index == case_index
            assert leaks(app) == [], f"case {case.label} leaks before scoring"
            # Asking too early is refused.
            await pilot.press("b")
            await pilot.pause(0.1)
            assert leaks(app) == []
            await pilot.press(*(["f", "p"] * len(case.checklist) * 3)[: len(case.checklist) * 3])
            await pilot.pause(0.2)
            assert review.items_left() == 0
            assert leaks(app) == [], "scoring alone must not reveal"
            await pilot.press("b")
            await pilot.pause(0.2)
            assert set(leaks(app)) >= {"demo:"}, "the reveal shows the names"
            await pilot.press("right_square_bracket")
        await pilot.pause(0.3)

    session = Store(data_dir).load(session_id)
    assert len(session.scores) == 18
    assert all(s.blind and s.rater == "bo" for s in session.scores)


async def test_a_report_key_pressed_before_results_load_still_asks_blind(blind_session: str, monkeypatch):
    """Found by the pty walk under load: Results' ``hidden`` was False until its load worker finished, so ``m``
    pressed at once wrote a report with the model names and never asked."""
    import threading

    import tui.reports.report_tables as report_tables
    from screens.reveal_prompt import RevealPromptScreen

    release = threading.Event()
    real = report_tables.report_tables

    def held(*args, **kwargs):
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(report_tables, "report_tables", held)
    app = build_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await at_home(app, pilot)
        app.push_screen(ResultsScreen(blind_session))
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen))
        assert app.screen.session is None, "the load is held: the key comes before it"
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, RevealPromptScreen))
        release.set()
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen))
