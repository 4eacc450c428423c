"""Small things a person notices: the Keys screen says the keys file's real mode, Home says it has no sessions
in full at 80 columns, a row retried by hand counts its time from the retry."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from screens.home import EMPTY_TITLE, HomeScreen
from screens.keys import KeysScreen
from screens.registry import build_app
from screens.run import RunScreen
from tests.test_cli import DEMO3
from tests.tui_support import at_home, wait_for
from tui.cli.main import main
from tui.core.runner import RunEvent


async def test_keys_title_gives_the_mode_the_file_has(config_dir: Path) -> None:
    file = config_dir / "credentials.toml"
    file.write_text('openai = "PLANTED-KEY-0123456789abcdef"\n')
    file.chmod(0o644)
    app = build_app()
    async with app.run_test(size=(110, 30)) as pilot:
        await at_home(app, pilot)
        app.push_screen(KeysScreen())
        await wait_for(pilot, lambda: isinstance(app.screen, KeysScreen))
        await pilot.pause(0.2)
        title = str(app.screen.query_one("#keys-title").render())
        warning = str(app.screen.query_one("#keys-warning").render())
        assert "mode 644" in title and "mode 600" not in title, title
        assert warning.strip(), "the 644 file is warned about"


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
async def test_home_says_it_has_no_sessions_in_full_then_lists_the_first(
    fast_demo: Path, capsys, size: tuple[int, int]
) -> None:
    # In a table row the hint was cut by the Name column ("No sessions y" at 80 columns): it is the pane's title.
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await at_home(app, pilot)
        title = app.screen.query_one("#sessions-title", Static)
        table = app.screen.query_one("#sessions", DataTable)
        await wait_for(pilot, lambda: "none yet" in str(title.render()))
        assert table.row_count == 0 and app.screen.session_id is None
        assert title.region.width >= len(EMPTY_TITLE), (title.region, EMPTY_TITLE)
        argv = ["run", "--preset", "tier-a/cat1", "--quiet", "--name", "short", *DEMO3]
        assert await asyncio.to_thread(main, argv) == 0  # the CLI runs its own event loop
        capsys.readouterr()
        await pilot.press("g")
        await wait_for(pilot, lambda: table.row_count == 1 and str(table.get_row_at(0)[1]) == "short")
        assert str(title.render()) == "Sessions"
        assert app.screen.session_id is not None and app.ctx.store.load(app.screen.session_id).name == "short"
        assert isinstance(app.screen, HomeScreen)


async def test_a_retried_row_counts_from_the_retry(fast_demo: Path, capsys, monkeypatch) -> None:
    assert await asyncio.to_thread(main, ["run", "--preset", "tier-a/cat1", "--quiet", *DEMO3]) == 0
    session_id = capsys.readouterr().out.strip()
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        app.push_screen(RunScreen(session_id))
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen) and app.screen.session is not None)
        screen = app.screen
        run = screen.session.runs[0]
        clock = [1000.0]
        monkeypatch.setattr("screens.run.time.monotonic", lambda: clock[0])
        run.status, run.timings.started_at = "running", "2026-01-01T00:00:00.000Z"
        screen._on_event(RunEvent("started", run))
        clock[0] += 30  # an automatic retry inside the same execution keeps counting
        screen._on_event(RunEvent("started", run))
        assert screen._elapsed(run) == "30.0s"
        clock[0] += 5  # it failed; retried by hand: a new execution with its own start
        run.timings.started_at = "2026-01-01T00:00:35.000Z"
        screen._on_event(RunEvent("started", run))
        clock[0] += 2
        assert screen._elapsed(run) == "2.0s"


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
async def test_each_preset_takes_two_lines_and_the_one_under_the_cursor_is_named_in_full(
    fast_demo: Path, size: tuple[int, int]
) -> None:
    # At 80 columns a title wrapped onto three lines, so two presets filled the pane: cut to one line now, and
    # whole under the list for the preset the cursor is on.
    from textual.widgets import OptionList

    app = build_app()
    async with app.run_test(size=size) as pilot:
        await at_home(app, pilot)
        presets = app.screen.query_one("#presets", OptionList)
        await wait_for(pilot, lambda: presets.option_count >= 6)
        await pilot.pause(0.1)
        assert presets.virtual_size.height == 2 * presets.option_count, presets.virtual_size
        presets.focus()
        await pilot.press("down", "down")
        option = presets.highlighted_option
        assert option is not None
        title = app.ctx.catalog.presets[option.id].title
        detail = app.screen.query_one("#preset-detail", Static)
        await wait_for(pilot, lambda: title in str(detail.render()).replace("\n", " "))
        assert len(title) > presets.scrollable_content_region.width  # the list line alone could not show it
