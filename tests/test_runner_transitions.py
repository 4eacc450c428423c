"""Pinned: the runner's state transitions, with a provider whose timing the test controls (the demo provider).

What the user stopped stays stopped (a resume must not run it again), what a killed process left running is
resumable, and retrying failures never pays twice for a run that succeeded.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tui.cli.main import main
from tui.core.compose import CaseSpec, SessionSpec, build_session
from tui.core.context import Context
from tui.core.model import RunError, Session
from tui.core.runner import Runner

MODELS = ["demo:mosaic", "demo:aurora"]


def _session(ctx: Context, prompts: tuple[str, ...] = ("a red cube",)) -> Session:
    spec = SessionSpec(cases=[CaseSpec(prompt=p) for p in prompts], models=MODELS)
    return build_session(spec, store=ctx.store, registry=ctx.registry, catalog=ctx.catalog)


@pytest.fixture
def slow_demo(config_dir: Path) -> Path:
    (config_dir / "config.toml").write_text("[providers.demo]\nlatency_ms = 1500\n")
    return config_dir


def test_a_run_the_user_cancels_is_cancelled_and_a_resume_leaves_it(slow_demo) -> None:
    ctx = Context()
    session = _session(ctx)
    target = session.runs[0]

    async def go() -> Session:
        runner = Runner(ctx.store, ctx.registry, session)
        task = asyncio.create_task(runner.execute())
        while target.status != "running":
            await asyncio.sleep(0.01)
        runner.cancel(target.id)
        return await task

    asyncio.run(go())
    on_disk = {r.id: r for r in ctx.store.load(session.id).runs}
    assert on_disk[target.id].status == "cancelled", "a user's cancel must not read as an interruption"
    assert on_disk[target.id].error.kind == "cancelled"
    others = [r for r in on_disk.values() if r.id != target.id]
    assert [r.status for r in others] == ["succeeded"]
    resumed = Runner(ctx.store, ctx.registry, ctx.store.load(session.id))
    assert [r.id for r in resumed.pending()] == [], "a resume would run again what the user stopped"


@pytest.mark.parametrize("left", ["running", "retrying"])
def test_runs_a_killed_process_left_running_or_retrying_are_interrupted_on_recovery(fast_demo, left: str) -> None:
    ctx = Context()
    session = _session(ctx)

    def kill_mid_flight(s: Session) -> None:
        s.runs[0].status = left  # type: ignore[assignment]
        s.runs[1].status = "succeeded"

    ctx.store.mutate(session.id, kill_mid_flight)
    assert ctx.store.recover_interrupted(session.id) == 1
    runs = ctx.store.load(session.id).runs
    assert [r.status for r in runs] == ["interrupted", "succeeded"]
    assert runs[0].error.kind == "interrupted"
    assert [r.id for r in Runner(ctx.store, ctx.registry, ctx.store.load(session.id)).pending()] == [runs[0].id]


def test_retry_failed_reruns_only_the_failures_never_what_succeeded(fast_demo) -> None:
    ctx = Context()
    session = _session(ctx, ("a red cube", "a blue cone"))
    assert main(["sessions", "resume", session.id, "-q"]) == 0
    before = {r.id: r for r in ctx.store.load(session.id).runs}
    assert {r.status for r in before.values()} == {"succeeded"}
    failed_id = session.runs[1].id

    def fail_one(s: Session) -> None:
        run = next(r for r in s.runs if r.id == failed_id)
        run.status = "failed"
        run.error = RunError("server", "HTTP 500", 500)

    ctx.store.mutate(session.id, fail_one)
    assert main(["sessions", "resume", session.id, "--retry-failed", "-q"]) == 0
    after = {r.id: r for r in ctx.store.load(session.id).runs}
    assert after[failed_id].status == "succeeded" and after[failed_id].attempts == before[failed_id].attempts + 1
    for run_id, run in before.items():
        if run_id == failed_id:
            continue
        again = after[run_id]
        assert (again.attempts, again.timings.started_at, [i.sha256 for i in again.images]) == (
            run.attempts,
            run.timings.started_at,
            [i.sha256 for i in run.images],
        ), f"{run_id} succeeded and was run again"
