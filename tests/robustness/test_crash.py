"""SIGKILL ``imgbench run`` / ``imgbench sessions resume`` at random moments: nothing finished is ever lost.

Each chain starts a 36-run Tier-A session (six presets x three demo models x ``--repeat 2``, concurrency 6) as
a child process, kills it at a random moment, checks the session on disk, then resumes and kills again, a few
times, and finally lets a resume finish. The demo latency is drawn per process (150-400 ms), so kills land
while the session is being built, while images are written, while the writer replaces session.json, and
between all of those. After every kill:

- the session loads (or, killed before its first save, does not exist and lists nothing broken);
- every run recorded as succeeded has its image on disk with the recorded sha256;
- every score given so far (between kills, and while a runner was alive) is there, as given;
- runs that were in flight are marked ``interrupted`` by ``Store.recover_interrupted`` (or by the resume command);
- a run that succeeded before stays exactly as it was: same id, same image and sha256, same attempts.

The last resume ends with all 36 succeeded, and one more resume changes nothing.
"""

from __future__ import annotations

import math
import os
import random
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.index_support import assert_index_agrees
from tests.robustness.support import check_outputs, set_demo_config, spawn, tier_a_run_args
from tui.core.model import Run, Score, Session
from tui.core.store import Store

TOTAL_RUNS = 36
CONCURRENCY = 6
KILLS = 20  # kills that landed on a live process
SEED = int(os.environ.get("IMGBENCH_CRASH_SEED", "20260606"))  # set it to explore other kill moments
STARTUP_S = 0.45  # roughly what a child needs before its first run starts, on a loaded 2-core box

pytestmark = pytest.mark.slow


@dataclass
class Expect:
    """What must still hold after every later kill."""

    run_ids: set[str] = field(default_factory=set)
    finished: dict[str, tuple] = field(default_factory=dict)  # run id -> fingerprint of a succeeded run
    scores: dict[tuple[str, str], tuple] = field(default_factory=dict)  # (run id, rater) -> (verdicts, note)


def fingerprint(run: Run) -> tuple:
    return (run.status, run.attempts, tuple(run.attempt_log), tuple(run.images), run.latency_ms, run.case_id)


def new_session_dirs(store: Store, before: set[str]) -> list[Path]:
    if not store.sessions_dir.exists():
        return []
    return [p for p in store.sessions_dir.iterdir() if p.name not in before]


def give_score(store: Store, session_id: str, rng: random.Random, expect: Expect, tag: str) -> None:
    """Score one run the way the TUI does: under the session's lock, re-reading first."""
    session = store.load(session_id)
    done = [r for r in session.runs if r.status == "succeeded"]
    run = rng.choice(done or session.runs)
    case = session.case(run.case_id)
    verdicts = {item.id: rng.choice(("pass", "fail", "partial", "na")) for item in case.checklist}
    rater = rng.choice(("ana", "bo", "chen"))
    note = f"{tag} {rng.random():.6f}"

    def change(s: Session) -> None:
        s.set_score(Score(run.id, rater, dict(verdicts), note=note, scored_at="2026-01-01T00:00:00.000Z"))

    store.mutate(session_id, change)
    expect.scores[(run.id, rater)] = (verdicts, note)


def check_after_kill(store: Store, session_id: str, expect: Expect) -> Session:
    session = store.load(session_id)  # must load: a kill never leaves a half-written session.json
    assert len(session.runs) == TOTAL_RUNS
    ids = {r.id for r in session.runs}
    if expect.run_ids:
        assert ids == expect.run_ids, "runs were added or replaced"
    expect.run_ids = ids
    check_outputs(store, session)
    for run in session.runs:
        if run.id in expect.finished:
            assert fingerprint(run) == expect.finished[run.id], f"succeeded run {run.id} changed"
    for (run_id, rater), (verdicts, note) in expect.scores.items():
        score = session.score_of(run_id, rater)
        assert score is not None, f"score of {rater} on {run_id} lost"
        assert (score.verdicts, score.note) == (verdicts, note)
    assert not store.list().errors
    assert_index_agrees(store)  # a kill between session.json and its index row is repaired by that listing
    return session


def recover(store: Store, session: Session) -> None:
    """Runs a dead process left running or retrying become interrupted, and nothing else changes."""
    in_flight = {r.id for r in session.runs if r.status in ("running", "retrying")}
    before = {r.id: r.status for r in session.runs}
    assert store.recover_interrupted(session.id) == len(in_flight)
    folder = store.session_dir(session.id)
    strays = [p for place in (folder, folder / "images", folder / "refs") for p in place.glob(".*.tmp")]
    assert not strays, f"half-written temp files left behind: {strays}"
    after = store.load(session.id)
    for run in after.runs:
        if run.id in in_flight:
            assert run.status == "interrupted" and run.error is not None and run.error.kind == "interrupted"
        else:
            assert run.status == before[run.id]
    assert store.recover_interrupted(session.id) == 0


def kill_at_random(proc: subprocess.Popen[bytes], delay: float) -> tuple[bool, int, str, str]:
    """Kill ``proc`` after ``delay`` s; (landed on a live process, return code, stdout, stderr)."""
    try:
        proc.wait(timeout=delay)
        landed = False
    except subprocess.TimeoutExpired:
        proc.kill()  # SIGKILL: no handler, no finally, no atexit
        landed = True
    out, err = proc.communicate(timeout=30)
    return landed, proc.returncode, out.decode(), err.decode()


def kill_delay(rng: random.Random, pending: int, latency_ms: float) -> float:
    """A moment between the child's start and (about) when it would finish on its own."""
    return rng.uniform(0.0, STARTUP_S + math.ceil(pending / CONCURRENCY) * latency_ms / 1000)


def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path, config_dir: Path, data_dir: Path) -> None:
    rng = random.Random(SEED)
    store = Store(data_dir)
    run_args = tier_a_run_args(tmp_path / "refs", concurrency=CONCURRENCY)
    kills = chains = kills_before_save = resumed_in_flight = 0
    started = time.monotonic()

    while kills < KILLS:
        assert time.monotonic() - started < 240, "the crash test ran far past its budget"
        expect = Expect()
        chains += 1
        # -- build the session with `imgbench run`, killed at a random moment -------------------------
        latency = rng.uniform(150, 400)
        set_demo_config(config_dir, latency_ms=latency)
        before = {p.name for p in store.sessions_dir.iterdir()} if store.sessions_dir.exists() else set()
        landed, code, out, err = kill_at_random(spawn(run_args), kill_delay(rng, TOTAL_RUNS, latency))
        kills += landed
        created = [p for p in new_session_dirs(store, before) if (p / "session.json").exists()]
        if not created:
            # Killed before the first save: nothing half-made is listed, and nothing else is hurt.
            assert landed, f"imgbench run exited {code} without a session: {err}"
            kills_before_save += 1
            assert not store.list().errors
            assert out.strip() == ""
            continue
        (session_dir,) = created
        session_id = session_dir.name
        if out.strip():
            assert out.split() == [session_id]
        if not landed:
            assert code == 0, err

        # -- kill the resumes a few times, then let one finish ------------------------------------------
        for step in range(rng.randint(3, 6)):
            session = check_after_kill(store, session_id, expect)
            in_flight = sum(r.status in ("running", "retrying") for r in session.runs)
            if rng.random() < 0.5:
                recover(store, session)
            else:
                resumed_in_flight += in_flight  # left for `sessions resume` to mark
            session = store.load(session_id)
            expect.finished.update({r.id: fingerprint(r) for r in session.runs if r.status == "succeeded"})
            give_score(store, session_id, rng, expect, f"between kills {step}")
            pending = sum(r.status != "succeeded" for r in session.runs)
            if not pending or kills >= KILLS:
                break
            latency = rng.uniform(150, 400)
            set_demo_config(config_dir, latency_ms=latency)
            proc = spawn(["sessions", "resume", session_id])
            delay = kill_delay(rng, pending, latency)
            # A score given while the runner is alive (the TUI scoring as the CLI resumes) must survive too.
            first = rng.uniform(0.0, delay)
            time.sleep(first)
            if proc.poll() is None:
                give_score(store, session_id, rng, expect, f"while running {step}")
            landed, code, _out, err = kill_at_random(proc, max(0.0, delay - first))
            kills += landed
            if not landed:
                assert code == 0, err

        # -- the final resume runs exactly what is missing ------------------------------------------------
        session = check_after_kill(store, session_id, expect)
        expect.finished.update({r.id: fingerprint(r) for r in session.runs if r.status == "succeeded"})
        in_flight = sum(r.status in ("running", "retrying") for r in session.runs)
        set_demo_config(config_dir, latency_ms=20)
        proc = spawn(["sessions", "resume", session_id])
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
        if in_flight:
            runs = "run" if in_flight == 1 else "runs"
            assert f"{in_flight} interrupted {runs} will run again" in err.decode()
        final = check_after_kill(store, session_id, expect)
        assert [r.status for r in final.runs] == ["succeeded"] * TOTAL_RUNS
        assert all(r.error is None for r in final.runs)

        # Nothing missing: one more resume does nothing at all, not even rewrite the file.
        file = store.session_file(session_id)
        snapshot = file.read_bytes()
        proc = spawn(["sessions", "resume", session_id])
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
        assert file.read_bytes() == snapshot

    assert kills >= KILLS
    print(
        f"\n{kills} kills over {chains} chains ({kills_before_save} before the first save, "
        f"{resumed_in_flight} in-flight runs recovered by `resume`) in {time.monotonic() - started:.1f}s"
    )


def test_recovery_removes_temp_files_a_killed_writer_left(fast_demo: Path, data_dir: Path) -> None:
    from tui.core.compose import CaseSpec, SessionSpec, build_session
    from tui.core.context import Context

    ctx = Context()
    session = build_session(
        SessionSpec(cases=[CaseSpec(prompt="a red cube")], models=["demo:mosaic"]),
        store=ctx.store,
        registry=ctx.registry,
        catalog=ctx.catalog,
    )
    folder = ctx.store.session_dir(session.id)
    (folder / "images").mkdir(exist_ok=True)
    strays = [folder / ".session.json.k1ll3d.tmp", folder / "images" / ".r-1-0.png.x.tmp"]
    for stray in strays:
        stray.write_bytes(b"half")
    keep = folder / "images" / "r-1-0.png"
    keep.write_bytes(b"not a temp file")
    assert ctx.store.recover_interrupted(session.id) == 0
    assert not any(stray.exists() for stray in strays) and keep.exists()
    assert ctx.store.load(session.id).id == session.id
