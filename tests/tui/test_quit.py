"""Quitting with runs in flight asks first; confirmed, the runs are recorded interrupted and a resume finishes them.
Opening a session with unfinished runs offers to resume them."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from screens.confirm import ConfirmScreen
from screens.registry import build_app
from screens.run import RunScreen
from tests.tui_support import at_home, wait_for
from tui.cli.main import main
from tui.core.store import Store

DEMO = ["--model", "demo:mosaic", "--model", "demo:aurora"]


def _session(config_dir: Path, capsys, latency_ms: int) -> str:
    config = config_dir / "config.toml"
    config.write_text('rater = "ann"\n[providers.demo]\nlatency_ms = 5\n')
    assert main(["run", "--prompt", "a red cube", "--prompt", "a blue ball", *DEMO, "-q"]) == 0
    session_id = capsys.readouterr().out.strip()
    config.write_text(f'rater = "ann"\n[providers.demo]\nlatency_ms = {latency_ms}\n')
    return session_id


def _requeue(data_dir: Path, session_id: str) -> None:
    def queue(session) -> None:
        for run in session.runs:
            run.status = "queued"
            run.images = []

    Store(data_dir).mutate(session_id, queue)


@pytest.fixture
def slow_queued(config_dir: Path, data_dir: Path, capsys) -> str:
    session_id = _session(config_dir, capsys, latency_ms=60_000)
    _requeue(data_dir, session_id)
    return session_id


@pytest.fixture
def fast_queued(config_dir: Path, data_dir: Path, capsys) -> str:
    session_id = _session(config_dir, capsys, latency_ms=5)
    _requeue(data_dir, session_id)
    return session_id


async def runs_going(app, pilot, session_id: str) -> RunScreen:
    """Home, then the session's Run screen once its runs are in flight."""
    await at_home(app, pilot)
    app.open_session(session_id, screen="run")
    await wait_for(pilot, lambda: isinstance(app.screen, RunScreen) and app.screen.runner is not None)
    run_screen = app.screen
    await wait_for(pilot, lambda: any(r.status == "running" for r in run_screen.session.runs))
    return run_screen


async def test_quit_mid_run_asks_and_leaves_the_runs_interrupted_for_resume(
    slow_queued: str, config_dir: Path, data_dir: Path
) -> None:
    session_id = slow_queued
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        run_screen = await runs_going(app, pilot, session_id)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "4 runs still going" in app.screen.question
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is run_screen)
        assert run_screen.runner is not None and app.is_running
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running)
    statuses = [r.status for r in Store(data_dir).load(session_id).runs]
    assert statuses == ["interrupted"] * 4
    (config_dir / "config.toml").write_text('rater = "ann"\n[providers.demo]\nlatency_ms = 5\n')
    assert await asyncio.to_thread(main, ["sessions", "resume", session_id, "-q"]) == 0
    assert [r.status for r in Store(data_dir).load(session_id).runs] == ["succeeded"] * 4


async def test_a_session_with_unfinished_runs_offers_to_resume(fast_queued: str, data_dir: Path) -> None:
    session_id = fast_queued
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        app.open_session(session_id)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Resume 4 unfinished runs" in app.screen.question
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen))
        await pilot.pause(0.3)
        assert [r.status for r in Store(data_dir).load(session_id).runs] == ["queued"] * 4
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen.HELP_TITLE == "Home")
        app.open_session(session_id)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: all(r.status == "succeeded" for r in Store(data_dir).load(session_id).runs))


def test_retry_failed_counts_each_run_once(config_dir: Path, data_dir: Path, capsys) -> None:
    from tui.core.model import RunError

    session_id = _session(config_dir, capsys, latency_ms=5)

    def fail(session) -> None:
        for run in session.runs:
            run.status, run.images, run.error = "failed", [], RunError("rate_limit", "planted")

    Store(data_dir).mutate(session_id, fail)
    assert main(["sessions", "resume", session_id, "--retry-failed"]) == 0
    counts = re.findall(r"^\[\s*(\d+)/(\d+)\]", capsys.readouterr().err, flags=re.M)
    assert counts == [(str(i), "4") for i in range(1, 5)]


async def test_a_quit_while_home_mounts_its_footer_ends_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    # ctrl+q the moment Home's first rows show lands between the mounts that follow the first frame: the pane the
    # preset list goes into is no longer attached then, and the quit must still end as a quit, not a traceback.
    from textual.widgets import Footer

    import screens.home

    class QuitOnMount(Footer):
        def on_mount(self) -> None:
            self.app.exit()

    monkeypatch.setattr(screens.home, "Footer", QuitOnMount)
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app._exit)
    assert app._exception is None and app.return_code == 0
