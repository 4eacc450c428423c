"""Judge from Results: `j` asks which judge (demo:pixels by default), the pass runs in a worker, the screen says
what it did and its trust table appears; a judge that cannot be used is one error message, the app still running."""

from __future__ import annotations

from pathlib import Path

import pytest

from screens.registry import build_app
from tests.tui_support import at_home, wait_for
from tui.cli.main import main
from tui.core.store import Store


@pytest.fixture
def session_id(fast_demo: Path, capsys) -> str:
    argv = ["run", "--prompt", "a red cube", "--model", "demo:mosaic", "--model", "demo:aurora", "-q"]
    assert main([*argv, "--check", "a cube", "--check", "red"]) == 0
    session_id = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["score", session_id, "1", "A", "pf", "--rater", "ann"]) == 0
    return session_id


def _messages(app) -> list[tuple[str, str]]:
    return [(n.title, n.message) for n in app._notifications]


async def test_j_on_results_judges_with_the_demo_judge(session_id: str, data_dir: Path) -> None:
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        app.open_session(session_id, screen="results")
        await wait_for(pilot, lambda: app.screen.HELP_TITLE == "Results" and app.screen.session is not None)
        await pilot.press("j")
        await wait_for(pilot, lambda: app.screen.HELP_TITLE != "Results")
        await pilot.press("enter")  # the default: demo:pixels
        await wait_for(pilot, lambda: any(t == "Judged by judge:demo:pixels" for t, _ in _messages(app)))
        message = next(m for t, m in _messages(app) if t == "Judged by judge:demo:pixels")
        assert "2 outputs" in message and "not a model" in message
        session = Store(data_dir).load(session_id)
        assert sorted(s.rater for s in session.scores) == ["ann", "judge:demo:pixels", "judge:demo:pixels"]
        await wait_for(pilot, lambda: any("trusted" in t.title for t in app.screen._tables))
        assert "1 rater and 1 AI judge" in str(app.screen.query_one("#results-title").render())


async def test_a_judge_without_a_key_is_one_error_and_nothing_changes(session_id: str, data_dir: Path) -> None:
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        app.open_session(session_id, screen="results")
        await wait_for(pilot, lambda: app.screen.HELP_TITLE == "Results" and app.screen.session is not None)
        await pilot.press("j")
        await wait_for(pilot, lambda: app.screen.HELP_TITLE != "Results")
        await pilot.press(*(["backspace"] * 20), *"openai:gpt-4.1-mini", "enter")
        await wait_for(pilot, lambda: any("no API key for openai" in m for _, m in _messages(app)))
        assert app.is_running
        assert [s.rater for s in Store(data_dir).load(session_id).scores] == ["ann"]
