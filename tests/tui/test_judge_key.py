"""Judge from Results: `j` asks which judge (demo:pixels by default), the pass runs in a worker, the screen says
what it did and its trust table appears; a judge that cannot be used is one error message, the app still running;
a cap typed after the judge (against a loopback judge server) refuses to start above the estimate and stops
sending at the cap, as `imgbench judge --max-cost` does."""

from __future__ import annotations

from pathlib import Path

import pytest

from screens.registry import build_app
from tests.providers.judge_loopback import JudgeLoopback
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


async def _ask_judge(app, pilot, session_id: str, answer: str | None = None) -> None:
    """Results of the session, `j`, then the default judge (enter) or ``answer`` typed over it."""
    await at_home(app, pilot)
    app.open_session(session_id, screen="results")
    await wait_for(pilot, lambda: app.screen.HELP_TITLE == "Results" and app.screen.session is not None)
    await pilot.press("j")
    await wait_for(pilot, lambda: app.screen.HELP_TITLE != "Results")
    keys = [] if answer is None else [*(["backspace"] * 30), *answer]
    await pilot.press(*keys, "enter")


@pytest.fixture
def openrouter(monkeypatch, fast_demo: Path):
    """A loopback OpenRouter judge ($0.00123 an answer, no price in the table), asked one question at a time."""
    (fast_demo / "config.toml").write_text(
        "[providers.demo]\nlatency_ms = 20\n[providers.openrouter]\nconcurrency = 1\n"
    )
    server = JudgeLoopback("judge_openrouter").start()
    monkeypatch.setenv("IMGBENCH_OPENROUTER_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENROUTER_API_KEY", "PLANTED-KEY-judgekey-0123456789")
    yield server
    server.stop()


async def test_j_on_results_judges_with_the_demo_judge(session_id: str, data_dir: Path) -> None:
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _ask_judge(app, pilot, session_id)  # the default: demo:pixels
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
        await _ask_judge(app, pilot, session_id, "openai:gpt-4.1-mini")
        await wait_for(pilot, lambda: any("no API key for openai" in m for _, m in _messages(app)))
        assert app.is_running
        assert [s.rater for s in Store(data_dir).load(session_id).scores] == ["ann"]


async def test_a_cap_typed_after_the_judge_stops_it_at_the_cap(openrouter, session_id: str, data_dir: Path) -> None:
    judge = "openrouter:qwen/qwen2.5-vl-72b-instruct"  # no price in the table
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _ask_judge(app, pilot, session_id, f"{judge} 0.001")
        await wait_for(pilot, lambda: any(t.startswith("Judged by") for t, _ in _messages(app)))
        said = dict(_messages(app))
        assert said["Spending"] == f"Estimated cost: ≥ $0.00 + 1 model without a price ({judge}) (cap $0.001)"
        assert "stopped at the cap: 1 output not judged in full" in said[f"Judged by judge:{judge}"]
    assert len(openrouter.judge_calls()) == 1  # $0.00123 after the first answer: nothing more sent
    judged = [s for s in Store(data_dir).load(session_id).scores if s.kind == "judge"]
    assert len(judged) == 1


async def test_a_cap_below_the_estimate_sends_nothing(monkeypatch, session_id: str, data_dir: Path) -> None:
    server = JudgeLoopback("judge_openai").start()
    monkeypatch.setenv("IMGBENCH_OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "PLANTED-KEY-judgekey-0123456789")
    try:
        app = build_app()
        async with app.run_test(size=(100, 30)) as pilot:
            await _ask_judge(app, pilot, session_id, "openai:gpt-4.1-mini $0.0001")
            await wait_for(pilot, lambda: any(t == "Not judged" for t, _ in _messages(app)))
            said = dict(_messages(app))["Not judged"]
            assert "of 2 output(s) is above the cap of $0.0001;" in said and "nothing was sent" in said
            # What to change here: the cap typed in the dialog; the command line's way to ask for less.
            assert "(raise the cap typed after the judge (openai:gpt-4.1-mini 2.00), or leave it out for none" in said
            assert f"imgbench judge {session_id} --model openai:gpt-4.1-mini --items unscored)" in said
            assert app.is_running
        assert server.judge_calls() == []
        assert [s.rater for s in Store(data_dir).load(session_id).scores] == ["ann"]
    finally:
        server.stop()
