"""Results: leaving at once, or coming back while tables load, never raises; the tables are the report's."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.css.query import NoMatches
from textual.widgets import DataTable, TabbedContent

from screens.registry import build_app
from screens.results import ResultsScreen
from tests.tui_support import at_home, wait_for, workers_idle
from tui.cli.main import main


@pytest.fixture
def session_id(fast_demo: Path, capsys) -> str:
    assert main(["run", "--preset", "tier-a/cat1", "--model", "demo:mosaic", "--model", "demo:aurora", "-q"]) == 0
    return capsys.readouterr().out.strip()


async def test_leaving_results_at_once_is_safe(session_id: str) -> None:
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        for _ in range(5):
            # Leave as soon as the screen is up, while its tables are still being computed.
            await app.push_screen(ResultsScreen(session_id))
            await pilot.press("escape")
        app.push_screen(ResultsScreen(session_id))

        def filled() -> bool:
            try:
                tables = app.screen.query(DataTable) if isinstance(app.screen, ResultsScreen) else []
                return len(tables) >= 3 and len(app.screen.query(TabbedContent)) == 1
            except NoMatches:
                return False

        await wait_for(pilot, filled)
        screen = app.screen
        first = screen.query(DataTable).first()
        models = {str(first.get_row(k)[0]) for k in first.rows}
        assert models == {"demo:mosaic", "demo:aurora"}
        await pilot.press("m")
        await pilot.pause(0.5)
    assert app.return_code in (None, 0)


async def test_the_paired_tab_shows_its_test_and_its_own_definition(session_id: str) -> None:
    from tui.core.model import Score
    from tui.core.store import Store

    store = Store()
    session = store.load(session_id)
    mosaic = {r.model: r for r in session.runs}["demo:mosaic"]
    aurora = {r.model: r for r in session.runs}["demo:aurora"]
    items = [i.id for i in session.cases[0].checklist]
    session.scores += [
        Score(mosaic.id, "ann", dict.fromkeys(items, "pass")),
        Score(aurora.id, "ann", dict.fromkeys(items, "fail")),
    ]
    store.save(session)
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        app.push_screen(ResultsScreen(session_id))
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen) and len(app.screen.query(DataTable)) >= 6)
        await workers_idle(app)
        screen = app.screen
        tabs = screen.query_one("#results-tabs", TabbedContent)
        pane = next(p for p in tabs.query("TabPane") if "Paired" in str(p._title))
        tabs.active = pane.id
        note = screen.query_one("#results-note")
        await wait_for(pilot, lambda: "sign-flip permutation p over cases" in str(note.render()))
        grid = pane.query_one(DataTable)
        (row,) = [[str(c) for c in grid.get_row(k)] for k in grid.rows]
        n = len(items)  # every item: mosaic passed, aurora failed, on the one case they share
        assert list(row[:6]) == [
            "demo:mosaic vs demo:aurora",
            "too few shared cases (1 < 6)",  # one prompt cannot show a difference, however clean
            "+100 pts [+0 pts, +100 pts]",
            "1.000",
            "1.000",
            "1",
        ]
        # McNemar, one repeat: every item discordant for mosaic, as a secondary figure
        assert row[9] == f"{2 / 2**n:.3f} ({n} A only, 0 B only, 0 mixed)"


MARKUP_CHECK = "a [bold]red[/bold] fox [hidden]"


@pytest.fixture
def markup_session(fast_demo: Path, capsys) -> str:
    argv = ["run", "--prompt", "a fox", "--check", MARKUP_CHECK, "--model", "demo:mosaic", "--name", "[b]mine", "-q"]
    assert main(argv) == 0
    return capsys.readouterr().out.strip()


async def test_stored_text_that_looks_like_markup_is_shown_as_written(markup_session: str) -> None:
    # DataTable reads a str cell as Rich markup: "[bold]" would vanish and style the rest instead.
    check, session_id = MARKUP_CHECK, markup_session
    app = build_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await at_home(app, pilot)
        app.push_screen(ResultsScreen(session_id))
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen) and len(app.screen.query(DataTable)) >= 3)
        await workers_idle(app)
        shown = [
            str(grid.get_row(key)[i])
            for grid in app.screen.query(DataTable)
            for key in grid.rows
            for i in range(len(grid.columns))
        ]
        rendered = [
            grid._get_row_renderables(index).cells  # what the table draws, after its formatter
            for grid in app.screen.query(DataTable)
            for index in range(grid.row_count)
        ]
    assert any(check in cell for cell in shown), shown
    drawn = [getattr(c, "plain", str(c)) for row in rendered for c in row]
    assert any(check in cell for cell in drawn), drawn
