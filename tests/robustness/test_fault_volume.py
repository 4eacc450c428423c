"""Provider faults at volume: 500+ requests through the real Runner and the real adapters against loopback
servers that answer with every failure image APIs are known for.

Each run's prompt fixes its history (see ``faultserver``), so every run's end is known in advance: succeeded
after the retries it should take, or failed with the right error kind after the right number of attempts.
Timeouts are short (1.5 s) and the retry policy's base is milliseconds, so the whole test takes seconds.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from providers.retry import RetryPolicy
from tests.robustness.support import ROOT, child_env
from tui.core.context import Context
from tui.core.model import Case, Run, Session, new_id, new_session_id, now_iso, parse_iso
from tui.core.runner import Runner

TIMEOUT_S = 4.0  # long enough that a loaded 2-core box (load 10 seen) makes no timeout a scenario did not ask for
PER_PROVIDER = 12
ATTEMPTS = 3
POLICY = RetryPolicy(max_attempts=ATTEMPTS, base_s=0.005, cap_s=0.02, max_wait_s=5.0, rng=random.Random(6))
MIN_REQUESTS = 500

# scenario (one step per attempt, the last repeats) -> (status, error kind, attempts)
OPENAI_SHAPE = {
    "ok": ("succeeded", None, 1),
    "r429ra,ok": ("succeeded", None, 2),
    "r429ms,ok": ("succeeded", None, 2),
    "r429,ok": ("succeeded", None, 2),
    "r429,r429ra,ok": ("succeeded", None, 3),
    "r429": ("failed", "rate_limit", ATTEMPTS),
    "r429long": ("failed", "rate_limit", 1),
    "s500,ok": ("succeeded", None, 2),
    "s500": ("failed", "server", ATTEMPTS),
    "s502html,ok": ("succeeded", None, 2),
    "s502html": ("failed", "server", ATTEMPTS),
    "s503,reset,ok": ("succeeded", None, 3),
    "reset,ok": ("succeeded", None, 2),
    "reset": ("failed", "network", ATTEMPTS),
    "hang,ok": ("succeeded", None, 2),
    "hang": ("failed", "timeout", ATTEMPTS),
    "stall": ("failed", "timeout", ATTEMPTS),
    "truncated,ok": ("succeeded", None, 2),
    "truncated": ("failed", "network", ATTEMPTS),
    "badjson": ("failed", "bad_response", 1),
    "html200": ("failed", "bad_response", 1),
    "badb64": ("failed", "bad_response", 1),
    "notimage": ("failed", "bad_response", 1),
    "cutpng": ("failed", "bad_response", 1),
    "empty": ("failed", "bad_response", 1),
    "c400policy": ("failed", "content_policy", 1),
    "c401": ("failed", "auth", 1),
}
XAI = {
    "ok": ("succeeded", None, 1),
    "empty": ("failed", "content_policy", 1),  # xAI blocks a whole request with HTTP 200 and no image
    "xairefusal": ("failed", "content_policy", 1),
    "s500,ok": ("succeeded", None, 2),
    "reset,hang,ok": ("succeeded", None, 3),
    "badb64": ("failed", "bad_response", 1),
}
GEMINI = {
    "ok": ("succeeded", None, 1),
    "imagesafety": ("failed", "content_policy", 1),
    "promptblock": ("failed", "content_policy", 1),
    "r429ra,ok": ("succeeded", None, 2),
    "empty": ("failed", "bad_response", 1),
    "html200": ("failed", "bad_response", 1),
    "stall,ok": ("succeeded", None, 2),
}
MODELS = {
    "openai:gpt-image-2": OPENAI_SHAPE,
    "gw:img-1": OPENAI_SHAPE,  # a configured OpenAI-compatible endpoint
    "xai:grok-imagine-image": XAI,
    "gemini:gemini-2.5-flash-image": GEMINI,
}


class RemoteFaultServer:
    """The fault server in a child process (see ``faultserver``: in ours it would answer late)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.robustness.faultserver"],
            cwd=ROOT,
            env=child_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.url

    def stats(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/_stats", timeout=10) as answer:
            return json.load(answer)

    def stop(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def fault_world(config_dir: Path, monkeypatch: pytest.MonkeyPatch):
    server = RemoteFaultServer()
    try:
        for provider, var in (("openai", "OPENAI_API_KEY"), ("xai", "XAI_API_KEY"), ("gemini", "GEMINI_API_KEY")):
            monkeypatch.setenv(var, f"test-{provider}-key-0000")
            monkeypatch.setenv(f"IMGBENCH_{provider.upper()}_BASE_URL", f"{server.url}/{provider}/v1")
        monkeypatch.setenv("IMGBENCH_GEMINI_BASE_URL", f"{server.url}/gemini/v1beta")
        tables = "".join(
            f"[providers.{p}]\ntimeout_s = {TIMEOUT_S}\nconcurrency = {PER_PROVIDER}\n\n"
            for p in ("openai", "xai", "gemini")
        )
        (config_dir / "config.toml").write_text(
            tables + f'[endpoints.gw]\nbase_url = "{server.url}/gw/v1"\nmodels = ["img-1"]\n'
            f"timeout_s = {TIMEOUT_S}\nconcurrency = {PER_PROVIDER}\n"
        )
        yield server
    finally:
        server.stop()


def fault_session(rng: random.Random) -> tuple[Session, dict[str, tuple[str, str | None, int]]]:
    """Runs drawn at random from every model's scenarios until they add up to MIN_REQUESTS requests."""
    cases: list[Case] = []
    runs: list[Run] = []
    expected: dict[str, tuple[str, str | None, int]] = {}
    requests = 0
    # Every scenario at least once, then random ones.
    plan = [(m, s) for m, table in MODELS.items() for s in table]
    while requests < MIN_REQUESTS or plan:
        model, scenario = plan.pop() if plan else (m := rng.choice(list(MODELS)), rng.choice(list(MODELS[m])))
        case = Case(id=f"k{len(cases)}", prompt=f"a red cube fault:{scenario}:{len(cases)}")
        run = Run(id=new_id("r-"), case_id=case.id, model=model)
        cases.append(case)
        runs.append(run)
        expected[run.id] = MODELS[model][scenario]
        requests += MODELS[model][scenario][2]
    session = Session(
        id=new_session_id(), name="faults", created_at=now_iso(), models=list(MODELS), cases=cases, runs=runs
    )
    return session, expected


def test_five_hundred_requests_of_faults_end_right(fault_world: RemoteFaultServer) -> None:
    ctx = Context()
    session, expected = fault_session(random.Random(500))
    ctx.store.save(session)
    started = time.monotonic()

    async def go() -> Session:
        runner = Runner(ctx.store, ctx.registry, session, retry=POLICY, concurrency=4 * PER_PROVIDER)
        return await asyncio.wait_for(runner.execute(), timeout=90)

    done = asyncio.run(go())
    elapsed = time.monotonic() - started
    on_disk = ctx.store.load(session.id)
    assert on_disk.runs == done.runs  # the writer persisted every final state

    wrong = []
    for run in on_disk.runs:
        status, kind, attempts = expected[run.id]
        got = (run.status, run.error.kind if run.error else None, run.attempts)
        if got != (status, kind, attempts):
            scenario = on_disk.case(run.case_id).prompt.split("fault:")[1]
            log = [(a.outcome, a.started_at[17:], a.ended_at[17:]) for a in run.attempt_log]
            wrong.append(f"{run.model} {scenario}: expected {(status, kind, attempts)}, got {got}: {run.error} {log}")
    assert not wrong, f"{len(wrong)} of {len(on_disk.runs)} runs ended wrong:\n" + "\n".join(wrong)

    for run in on_disk.runs:
        assert len(run.attempt_log) == run.attempts
        if run.status == "succeeded":
            assert run.images and run.error is None
            path = ctx.store.abspath(session.id, run.images[0].path)
            assert path.is_file()
        else:
            assert not run.images and run.error.message
            assert "Traceback" not in run.error.message
            # An adapter bug surfaces as "bad_response: SomeError: …"; classified failures never look like that.
            assert not run.error.message.startswith(("KeyError", "TypeError", "AttributeError", "ValueError"))
        # Each retry waited at least the backoff it recorded. (A lower bound only: a loaded machine makes every
        # step later, never sooner, so this cannot fail for load; an upper bound on wall time could, and did.)
        for before, after in zip(run.attempt_log, run.attempt_log[1:], strict=False):
            gap = (parse_iso(after.started_at) - parse_iso(before.ended_at)).total_seconds()
            assert before.wait_s is not None and gap >= before.wait_s - 0.002, f"{run.id}: {gap:.3f}s < {before.wait_s}"
        assert run.attempt_log[-1].wait_s is None, f"{run.id}: a wait recorded after the last attempt"
    stats = fault_world.stats()
    assert stats["requests"] == sum(r.attempts for r in on_disk.runs) >= MIN_REQUESTS
    # The error kinds users see in the Results screen are all of the taxonomy's, none invented.
    kinds = {r.error.kind for r in on_disk.runs if r.error}
    assert kinds == {"rate_limit", "server", "network", "timeout", "bad_response", "content_policy", "auth"}
    print(
        f"\n{stats['requests']} requests, {len(on_disk.runs)} runs "
        f"({sum(r.status == 'succeeded' for r in on_disk.runs)} succeeded) in {elapsed:.1f}s; "
        f"steps served: {dict(sorted(stats['steps'].items()))}"
    )
