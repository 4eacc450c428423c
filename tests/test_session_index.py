"""The session index agrees with the session files after every kind of write, after a SIGKILL between the file
and the index, and after the index is deleted or corrupted; the files stay the truth."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.index_support import assert_index_agrees, files_view, index_view
from tests.robustness.support import ROOT, child_env, realistic_session, run_cli
from tui.core import tallies
from tui.core.index import INDEX_FILE
from tui.core.model import Score
from tui.core.store import Store

TWO = ("--model", "demo:mosaic", "--model", "demo:aurora")


def _score_everything(store: Store, session_id: str, rater: str) -> None:
    """Verdicts on every succeeded run, with a failed parent now and then (the parent rule)."""

    def change(session) -> None:
        for n, run in enumerate(r for r in session.runs if r.status == "succeeded"):
            case = session.case(run.case_id)
            verdicts = {
                item.id: ("pass", "fail", "partial", "na")[(n + i) % 4] for i, item in enumerate(case.checklist)
            }
            session.set_score(Score(run.id, rater, verdicts))

    store.mutate(session_id, change)


def test_every_kind_of_write_keeps_the_index_in_step(fast_demo: Path, data_dir: Path, tmp_path: Path) -> None:
    store = Store(data_dir)
    # runs: a real `imgbench run` in its own process
    done = run_cli("run", "--preset", "tier-a/cat1", "--preset", "tier-a/cat2", *TWO, "--repeat", "2")
    assert done.returncode == 0, done.stderr
    session_id = done.stdout.split()[0]
    assert_index_agrees(store)
    # scores, by two raters (the TUI's Review writes through the same Store.mutate)
    _score_everything(store, session_id, "ana")
    _score_everything(store, session_id, "bo")
    assert_index_agrees(store)
    assert index_view(store)[session_id][1], "scored presets have tallies"
    # resume: runs left interrupted by a dead process run again
    store.mutate(session_id, lambda s: [setattr(r, "status", "interrupted") for r in s.runs[:3]])
    resumed = run_cli("sessions", "resume", session_id)
    assert resumed.returncode == 0, resumed.stderr
    assert_index_agrees(store)
    # import: exported, deleted, imported again
    export = tmp_path / "export.json"
    assert run_cli("sessions", "export", session_id, "-o", str(export)).returncode == 0
    store.delete(session_id)
    assert_index_agrees(store)
    assert session_id not in index_view(store)
    assert run_cli("sessions", "import", str(export)).returncode == 0
    assert_index_agrees(store)
    # merge: another rater's export of the same session
    _score_everything(store, session_id, "cy")
    assert run_cli("sessions", "export", session_id, "-o", str(export)).returncode == 0
    store.mutate(session_id, lambda s: setattr(s, "scores", [x for x in s.scores if x.rater != "cy"]))
    merged = run_cli("sessions", "import", str(export))
    assert merged.returncode == 0 and "merged" in merged.stderr, merged.stderr
    assert_index_agrees(store)
    # a new session saved whole (Compose and imports use Store.save)
    store.save(realistic_session(7))
    assert_index_agrees(store)


KILL_BETWEEN = """
import os, signal, sys
from tui.core.index import SessionIndex
from tui.core.model import Score
from tui.core.store import Store

SessionIndex.put = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)  # dies once the file is written
store = Store()
session_id = sys.argv[1]
store.mutate(session_id, lambda s: s.set_score(Score(s.runs[0].id, "killed", {"p1": "pass"})))
"""


def test_a_sigkill_between_the_file_and_the_index_is_repaired_on_the_next_read(data_dir: Path) -> None:
    store = Store(data_dir)
    session = realistic_session(1)
    store.save(session)
    session.scores.clear()
    store.mutate(session.id, lambda s: s.scores.clear())
    assert_index_agrees(store)
    child = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KILL_BETWEEN), session.id], cwd=ROOT, env=child_env(), timeout=60
    )
    assert child.returncode == -signal.SIGKILL
    assert any(s.rater == "killed" for s in store.load(session.id).scores), "the file was written"
    with pytest.raises(AssertionError):
        assert_index_agrees(store)  # the row is stale: it says what the file said before
    listing = store.list()  # a read compares every file with its row and re-reads the ones that changed
    assert listing.sessions[0].raters == ["killed"]
    assert_index_agrees(store)


def test_a_deleted_index_is_rebuilt_and_says_so(data_dir: Path) -> None:
    store = Store(data_dir)
    for i in range(3):
        store.save(realistic_session(i))
    os.unlink(data_dir / INDEX_FILE)
    store = Store(data_dir)
    listing = store.list()
    assert listing.notice is not None and "missing" in listing.notice and "3 session files" in listing.notice
    assert [s.id for s in listing.sessions] == [realistic_session(i).id for i in (2, 1, 0)]
    assert_index_agrees(store)
    assert store.list().notice is None, "said once"


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"this is not a database" + bytes(range(256)) * 8,
        lambda data: data[: len(data) // 2],
        lambda data: data[:100] + b"\x00" * 4096 + data[4196:],
        lambda data: b"",
    ],
    ids=["garbage", "truncated", "zeroed-pages", "empty"],
)
def test_a_corrupt_index_is_rebuilt(data_dir: Path, damage) -> None:
    store = Store(data_dir)
    for i in range(4):
        store.save(realistic_session(i))
    store.index.close()
    for suffix in ("-wal", "-shm"):
        (data_dir / (INDEX_FILE + suffix)).unlink(missing_ok=True)
    file = data_dir / INDEX_FILE
    file.write_bytes(damage(file.read_bytes()))
    store = Store(data_dir)
    listing = store.list()
    assert len(listing.sessions) == 4 and not listing.errors
    assert_index_agrees(store)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=8192))
def test_any_bytes_in_the_index_file_never_break_a_listing(data_dir: Path, junk: bytes) -> None:
    store = Store(data_dir)
    if not store.exists(realistic_session(0).id):
        store.save(realistic_session(0))
    store.index.close()
    for suffix in ("", "-wal", "-shm"):
        (data_dir / (INDEX_FILE + suffix)).unlink(missing_ok=True)
    (data_dir / INDEX_FILE).write_bytes(junk)
    store = Store(data_dir)
    assert [s.id for s in store.list().sessions] == [realistic_session(0).id]
    assert_index_agrees(store)
    store.index.close()


def test_a_new_tally_version_rebuilds(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(data_dir)
    store.save(realistic_session(0))
    store.index.close()
    import tui.core.index as index_module

    monkeypatch.setattr(index_module, "_FORMAT", f"{index_module.INDEX_SCHEMA}.{tallies.TALLY_VERSION + 1}")
    listing = Store(data_dir).list()
    assert listing.notice is not None and "another version" in listing.notice
    assert len(listing.sessions) == 1


def test_a_broken_session_file_is_an_error_until_it_is_fixed(data_dir: Path) -> None:
    store = Store(data_dir)
    good, bad = realistic_session(0), realistic_session(1)
    store.save(good)
    store.save(bad)
    file = store.session_file(bad.id)
    data = file.read_bytes()
    file.write_bytes(data[: len(data) // 3])
    listing = store.list()
    assert [s.id for s in listing.sessions] == [good.id]
    (error,) = listing.errors
    assert error.file == str(file) and "corrupt" in str(error)
    file.write_bytes(data)
    listing = store.list()
    assert {s.id for s in listing.sessions} == {good.id, bad.id} and not listing.errors
    assert_index_agrees(store)


def test_a_session_written_by_hand_or_an_older_imgbench_is_picked_up(data_dir: Path) -> None:
    """Files the index never saw (copied in, written without it) show on the next read."""
    store = Store(data_dir)
    store.save(realistic_session(0))
    other = Store(data_dir / "elsewhere")
    other.save(realistic_session(5))
    target = store.sessions_dir / realistic_session(5).id
    os.rename(other.session_dir(realistic_session(5).id), target)
    assert len(store.list().sessions) == 2
    assert_index_agrees(store)


def test_an_unusable_index_location_still_lists(data_dir: Path) -> None:
    store = Store(data_dir)
    store.save(realistic_session(0))
    store.index.close()
    for suffix in ("", "-wal", "-shm"):
        (data_dir / (INDEX_FILE + suffix)).unlink(missing_ok=True)
    (data_dir / INDEX_FILE).mkdir()  # something that can never be a database
    store = Store(data_dir)
    assert [s.id for s in store.list().sessions] == [realistic_session(0).id]
    store.mutate(realistic_session(0).id, lambda s: s.scores.clear())  # writes go on
    assert store.list().sessions[0].scores == 0
    assert files_view(store)[realistic_session(0).id][0].scores == 0
