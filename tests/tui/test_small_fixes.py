"""Small things a person notices: the Keys screen says the keys file's real mode, Home's Name column is not as wide
as the "No sessions yet" line once a session exists, a row retried by hand counts its time from the retry."""

from __future__ import annotations

import asyncio
from pathlib import Path

from screens.home import HomeScreen
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


async def test_home_name_column_fits_the_sessions_not_the_placeholder(fast_demo: Path, capsys) -> None:
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        table = app.screen.query_one("#sessions")
        await wait_for(pilot, lambda: table.row_count == 1)
        assert "No sessions yet" in str(table.get_row_at(0)[1])
        argv = ["run", "--preset", "tier-a/cat1", "--quiet", "--name", "short", *DEMO3]
        assert await asyncio.to_thread(main, argv) == 0  # the CLI runs its own event loop
        capsys.readouterr()
        await pilot.press("g")
        await wait_for(pilot, lambda: table.row_count == 1 and str(table.get_row_at(0)[1]) == "short")
        await pilot.pause(0.1)
        name = list(table.columns.values())[1]
        assert name.get_render_width(table) < len("No sessions yet: press n to compose one"), name.width
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
