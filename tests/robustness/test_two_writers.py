"""Two processes on one session: the TUI scoring while the CLI resumes, and a second runner turned away."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

from tests.robustness.support import DEMO3, ROOT, check_outputs, child_env, set_demo_config, spawn
from tui.core.compose import CaseSpec, SessionSpec, build_session
from tui.core.context import Context
from tui.core.model import Score, Session
from tui.core.runner import Runner
from tui.core.store import Store


def new_session(*, cases: int, repeats: int, concurrency: int | None = None) -> Session:
    ctx = Context()
    spec = SessionSpec(
        cases=[CaseSpec(prompt=f"case {i}: a red cube on a blue table") for i in range(cases)],
        models=list(DEMO3),
        repeats=repeats,
        concurrency=concurrency,
    )
    return build_session(spec, store=ctx.store, registry=ctx.registry, catalog=ctx.catalog)


def wait_until(predicate, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what} not reached in {timeout} s"
        time.sleep(0.01)


def test_scores_given_while_a_resume_runs_are_all_kept(config_dir: Path, data_dir: Path, tmp_path: Path) -> None:
    """Two scorers (TUI-like writers) and one runner write one session at once: nothing lost, nothing torn."""
    # 36 runs, 12 waves of 400 ms: on a loaded box the second resume still starts well before the first ends.
    set_demo_config(config_dir, latency_ms=400)
    session = new_session(cases=4, repeats=3, concurrency=3)
    store = Store(data_dir)
    stop = tmp_path / "stop"
    scorers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.robustness.scorer", session.id, rater, rater, str(stop)],
            cwd=ROOT,
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rater in ("tui-one", "tui-two")
    ]
    try:
        runner = spawn(["sessions", "resume", session.id])
        # The runner has the session once a run has left the queue; then a second runner must be turned away.
        wait_until(lambda: any(r.status != "queued" for r in store.load(session.id).runs), what="runner start")
        second = spawn(["sessions", "resume", session.id])
        out, err = (s.decode() for s in second.communicate(timeout=30))
        assert runner.poll() is None, "the first runner finished before the second started: the test proves nothing"
        assert second.returncode == 2, err
        assert out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        message = lines[0]
        assert message.startswith(f"imgbench: error: {session.id}: another imgbench process (pid {runner.pid})")
        assert "is running this session" in message and f"imgbench sessions resume {session.id}" in message
        # The turned-away resume marked nothing interrupted under the live runner's feet.
        assert not any(r.status == "interrupted" for r in store.load(session.id).runs)

        _out, err = runner.communicate(timeout=60)
        assert runner.returncode == 0, err.decode()
    finally:
        stop.touch()
        results = []
        for scorer in scorers:
            out, err = scorer.communicate(timeout=30)
            assert scorer.returncode == 0, err
            results.append(json.loads(out))

    final = store.load(session.id)
    assert [r.status for r in final.runs] == ["succeeded"] * 36
    assert all(r.attempts == 1 for r in final.runs), "a run was started twice"
    check_outputs(store, final)
    for rater, result in zip(("tui-one", "tui-two"), results, strict=True):
        assert result["iterations"] >= 10, "the scorer barely overlapped the runner"
        for run_id, (verdicts, note) in result["given"].items():
            score = final.score_of(run_id, rater)
            assert score is not None, f"{rater}'s score on {run_id} was lost"
            assert (score.verdicts, score.note) == (verdicts, note)
    assert len(final.scores) == sum(len(r["given"]) for r in results)
    assert not store.list().errors


def test_a_stale_copy_never_runs_a_finished_run_again(fast_demo: Path, data_dir: Path) -> None:
    """A copy read before another process finished the runs (a Run screen left open, a resume that loaded the
    session just before the other runner let go) must not run them again: their images and scores stay."""
    ctx = Context()
    session = new_session(cases=2, repeats=1)
    stale = ctx.store.load(session.id)
    done = asyncio.run(Runner(ctx.store, ctx.registry, ctx.store.load(session.id)).execute())
    assert all(r.status == "succeeded" for r in done.runs)
    run = done.runs[0]
    ctx.store.mutate(session.id, lambda s: s.set_score(Score(run.id, "ana", {"c1": "pass"}, note="keep me")))
    before = {r.id: (r.attempts, r.images, r.timings.finished_at) for r in ctx.store.load(session.id).runs}

    again = asyncio.run(Runner(ctx.store, ctx.registry, stale).execute())
    after = ctx.store.load(session.id)
    assert {r.id: (r.attempts, r.images, r.timings.finished_at) for r in after.runs} == before
    check_outputs(ctx.store, after)
    assert after.score_of(run.id, "ana").note == "keep me"
    # The caller's copy now says what is true on disk.
    assert [r.status for r in again.runs] == ["succeeded"] * len(before)


def test_tui_opening_a_session_a_cli_is_running_marks_nothing_interrupted(config_dir: Path, data_dir: Path) -> None:
    """Opening a session in the TUI calls ``recover_interrupted``: with a live runner it must do nothing."""
    set_demo_config(config_dir, latency_ms=150)
    session = new_session(cases=2, repeats=2, concurrency=2)
    store = Store(data_dir)
    runner = spawn(["sessions", "resume", session.id, "-q"])
    try:
        wait_until(lambda: any(r.status == "running" for r in store.load(session.id).runs), what="a running run")
        assert store.recover_interrupted(session.id) == 0
        assert not any(r.status == "interrupted" for r in store.load(session.id).runs)
    finally:
        _out, err = runner.communicate(timeout=60)
    assert runner.returncode == 0, err.decode()
    assert all(r.status == "succeeded" and r.attempts == 1 for r in store.load(session.id).runs)
