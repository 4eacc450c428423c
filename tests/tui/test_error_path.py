"""The one error path: a failing screen worker is an error notification (title, cause, what to do), its traceback
goes to the debug log, and the app keeps running. Timers are made once per screen."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from screens.registry import build_app
from screens.run import RunScreen
from tests.tui_support import at_home, open_review, wait_for
from tui.cli.main import main
from tui.core.store import Store
from tui.widgets.failures import debug_log_path

HOLD_LOCK = """
import sys, time
from pathlib import Path
from tui.core.store import Store
with Store(Path(sys.argv[1])).runner_lock(sys.argv[2]):
    print("held", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def session_id(fast_demo: Path, data_dir: Path, capsys) -> str:
    (fast_demo / "config.toml").write_text('rater = "ann"\n[providers.demo]\nlatency_ms = 5\n')
    args = ["run", "--prompt", "a red cube", "--check", "Is there a cube?", "--model", "demo:mosaic", "-q"]
    assert main([*args, "--model", "demo:aurora"]) == 0
    return capsys.readouterr().out.strip()


def _messages(app) -> list[tuple[str, str, str]]:
    return [(n.title, n.message, n.severity) for n in app._notifications]


async def test_a_session_another_process_runs_is_a_message_not_a_crash(session_id: str, data_dir: Path) -> None:
    def unfinished(session) -> None:
        for run in session.runs:
            run.status = "interrupted"

    Store(data_dir).mutate(session_id, unfinished)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(data_dir), session_id], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        app = build_app()
        async with app.run_test(size=(100, 30)) as pilot:
            await at_home(app, pilot)
            app.open_session(session_id)  # unfinished runs: it offers to resume them
            await wait_for(pilot, lambda: app.screen.HELP_TITLE == "Confirm")
            await pilot.press("y")
            await wait_for(pilot, lambda: any("another imgbench process" in m for _, m, _ in _messages(app)))
            title, message, severity = next(m for m in _messages(app) if "another imgbench" in m[1])
            assert severity == "error" and title == "Running the session failed"
            assert f"pid {holder.pid}" in message and f"imgbench sessions resume {session_id}" in message
            assert "Traceback" not in message
            await pilot.pause(0.2)
            assert app.is_running and isinstance(app.screen, RunScreen)
            assert app.screen.runner is None  # and the screen says what is there
            await pilot.press("escape")  # still answers keys
            await wait_for(pilot, lambda: app.screen.HELP_TITLE == "Home")
        assert app.return_code in (0, None)
    finally:
        holder.kill()
        holder.wait()


async def test_an_unexpected_failure_names_the_cause_and_logs_the_traceback(session_id: str, monkeypatch) -> None:
    from tui.reports import report

    def broken(*_args, **_kwargs):
        raise RuntimeError("planted failure in the report tables")

    monkeypatch.setattr(report, "report_data", broken)
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        app.open_session(session_id, screen="results")
        await wait_for(pilot, lambda: any("planted failure" in m for _, m, _ in _messages(app)))
        title, message, _ = next(m for m in _messages(app) if "planted failure" in m[1])
        assert title == "Computing results failed"
        assert message.splitlines()[0] == "RuntimeError: planted failure in the report tables"
        assert str(debug_log_path()) in message and "Traceback" not in message
        assert app.is_running
    log = debug_log_path().read_text()
    assert "Traceback (most recent call last)" in log and "planted failure" in log and "Computing results" in log


async def test_resizing_makes_no_new_timers(session_id: str) -> None:
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        review = await open_review(app, pilot, session_id)
        await pilot.pause(0.1)
        before = len(review._timers)
        assert before >= 1
        for i in range(12):
            await pilot.resize_terminal(80 + i * 3, 24 + i)
            await pilot.pause(0.02)
        await pilot.pause(0.2)
        assert len(review._timers) == before
