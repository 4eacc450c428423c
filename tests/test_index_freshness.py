"""The session index's quick check (tui/core/index_fresh.py): a read trusts the rows without a stat of every file
only when nothing can have changed behind them, and every write by imgbench is still seen, a killed one too.

The clock is moved on (``_now_ns``) instead of waiting for the sessions folder to settle; a real wait is used
once, for the whole-process CLI.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import tui.core.index as index_module
import tui.core.index_fresh as fresh
from tests.index_support import assert_index_agrees, index_view
from tests.robustness.support import ROOT, child_env, realistic_session, run_cli
from tui.core import tallies
from tui.core.model import Score
from tui.core.store import Store

TICK = 0.05  # longer than a file-time tick (1-10 ms): the next change gets a new folder time


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every folder change is old enough to trust (as it is a second after it)."""
    monkeypatch.setattr(fresh, "_now_ns", lambda: time.time_ns() + 2 * fresh.SETTLE_NS)


@pytest.fixture
def full_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many reads stat every session file."""
    calls: list[int] = []
    real = fresh.on_disk

    def counting(folder):
        found = real(folder)
        calls.append(len(found))
        return found

    monkeypatch.setattr(fresh, "on_disk", counting)
    return calls


def _settled_store(data_dir: Path, n: int = 3) -> Store:
    store = Store(data_dir)
    for i in range(n):
        store.save(realistic_session(i))
    store.list()  # the full check that the quick ones then trust
    time.sleep(TICK)
    return store


def test_an_unchanged_folder_is_trusted_without_a_stat_of_every_file(
    data_dir: Path, later: None, full_checks: list[int]
) -> None:
    store = _settled_store(data_dir)
    full_checks.clear()
    for _ in range(3):
        assert len(Store(data_dir).list().sessions) == 3
    assert full_checks == [], "no full check while nothing changed"
    store.mutate(realistic_session(1).id, lambda s: setattr(s, "name", "renamed by imgbench"))
    assert "renamed by imgbench" in {s.name for s in Store(data_dir).list().sessions}, "a write by imgbench shows"
    assert full_checks == []
    assert_index_agrees(store)


def test_a_folder_changed_just_before_a_full_check_is_not_trusted_yet(data_dir: Path, full_checks: list[int]) -> None:
    store = Store(data_dir)
    store.save(realistic_session(0))  # a new session folder: the sessions folder changed now
    full_checks.clear()
    store.list()
    store.list()
    assert full_checks == [1, 1], "within the settle time every read checks every file"
    rows = store.index.query("SELECT value FROM meta WHERE key = 'folder'", refresh=False)
    assert rows == []


def test_a_full_check_is_made_again_after_recheck_s(
    data_dir: Path, full_checks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _settled_store(data_dir)
    monkeypatch.setattr(fresh, "_now_ns", lambda: time.time_ns() + 2 * fresh.SETTLE_NS)
    Store(data_dir).list()  # trusted from here on
    full_checks.clear()
    Store(data_dir).list()
    assert full_checks == []
    monkeypatch.setattr(fresh, "_now_ns", lambda: time.time_ns() + int((fresh.RECHECK_S + 5) * 1e9))
    Store(data_dir).list()
    assert full_checks == [3]


def test_a_session_folder_copied_in_or_removed_by_hand_shows_at_once(data_dir: Path, later: None) -> None:
    store = _settled_store(data_dir)
    other = Store(data_dir / "elsewhere")
    other.save(realistic_session(5))
    shutil.copytree(other.session_dir(realistic_session(5).id), store.sessions_dir / realistic_session(5).id)
    assert realistic_session(5).id in {s.id for s in Store(data_dir).list().sessions}
    time.sleep(TICK)
    shutil.rmtree(store.session_dir(realistic_session(0).id))
    assert realistic_session(0).id not in {s.id for s in Store(data_dir).list().sessions}
    assert_index_agrees(store)


def test_an_edit_in_place_shows_with_a_full_check(data_dir: Path, later: None) -> None:
    """The one thing a quick check does not see (stated in the README): a file rewritten in place inside an
    existing session folder, without imgbench. Home, ``sessions list --check``, any new or removed session,
    a touch of the sessions folder and RECHECK_S all make the full check that shows it."""
    store = _settled_store(data_dir)
    sid = realistic_session(2).id
    file = store.session_file(sid)
    file.write_bytes(file.read_bytes().replace(b'"name": "', b'"name":"hand edit ', 1))
    assert "hand edit" not in Store(data_dir).list().sessions[0].name, "not seen by the quick check"
    assert Store(data_dir).list(every_file=True).sessions[0].name.startswith("hand edit")
    file.write_bytes(file.read_bytes().replace(b"hand edit ", b"second edit ", 1))
    os.utime(store.sessions_dir)  # touch: the documented way to make every read look again
    assert Store(data_dir).list().sessions[0].name.startswith("second edit")
    assert_index_agrees(store)


KILL_BETWEEN = """
import os, signal, sys
from tui.core.index import SessionIndex
from tui.core.store import Store
from tui.core.model import Score

SessionIndex.put = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)  # dies once the file is written
store = Store()
store.mutate(sys.argv[1], lambda s: s.set_score(Score(s.runs[0].id, "killed", {"p1": "pass"})))
"""


def test_a_write_killed_between_the_file_and_the_index_is_seen_by_a_quick_read(
    data_dir: Path, later: None, full_checks: list[int]
) -> None:
    store = _settled_store(data_dir)
    sid = realistic_session(1).id
    store.mutate(sid, lambda s: s.scores.clear())
    child = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KILL_BETWEEN), sid], cwd=ROOT, env=child_env(), timeout=60
    )
    assert child.returncode == -signal.SIGKILL
    assert store.index.query("SELECT dir FROM pending", refresh=False) == [(sid,)], "the mark outlived the writer"
    full_checks.clear()
    listing = Store(data_dir).list()
    assert {s.id: s.raters for s in listing.sessions}[sid] == ["killed"]
    assert full_checks == [], "found by its pending mark, not by a stat of every file"
    assert store.index.query("SELECT dir FROM pending", refresh=False) == [], "cleared once re-read"
    assert_index_agrees(store)


def test_a_pending_session_whose_writer_holds_its_lock_is_left_to_that_writer(data_dir: Path, later: None) -> None:
    store = _settled_store(data_dir)
    sid = realistic_session(0).id
    with store.lock(sid):  # a writer between its mark and its row
        store.index.begin(sid)
        file = store.session_file(sid)
        file.write_bytes(file.read_bytes().replace(b'"name": "', b'"name":"half way ', 1))
        reader = Store(data_dir)
        assert not any(s.name.startswith("half way") for s in reader.list().sessions)
        assert store.index.query("SELECT dir FROM pending", refresh=False) == [(sid,)], "still the writer's"
        reader.index.close()
    # the writer died without its row: the lock is free now, so the next read re-reads the session
    assert any(s.name.startswith("half way") for s in Store(data_dir).list().sessions)
    assert store.index.query("SELECT dir FROM pending", refresh=False) == []


def test_a_write_the_index_could_not_record_makes_the_next_read_check_every_file(
    data_dir: Path, later: None, monkeypatch: pytest.MonkeyPatch, full_checks: list[int]
) -> None:
    store = _settled_store(data_dir)
    sid = realistic_session(0).id
    monkeypatch.setattr(store.index, "begin", lambda directory: False)  # a locked or broken index
    monkeypatch.setattr(store.index, "put", lambda directory, doc, st: False)
    time.sleep(TICK)
    store.mutate(sid, lambda s: setattr(s, "name", "written past the index"))
    full_checks.clear()
    assert "written past the index" in {s.name for s in Store(data_dir).list().sessions}
    assert full_checks == [3]


def test_every_kind_of_write_is_seen_by_quick_reads(fast_demo: Path, data_dir: Path, later: None) -> None:
    """Runs, scores, resume, delete, import and merge, each followed by a quick read in a new Store."""
    done = run_cli("run", "--preset", "tier-a/cat1", "--model", "demo:mosaic", "--model", "demo:aurora")
    assert done.returncode == 0, done.stderr
    sid = done.stdout.split()[0]
    Store(data_dir).list()
    time.sleep(TICK)

    def quick_view() -> dict[str, tuple[int, int, list[str]]]:
        return {s.id: (s.runs, s.scores, s.raters) for s in Store(data_dir).list().sessions}

    store = Store(data_dir)

    def score(session) -> None:
        run = session.runs[0]
        session.set_score(Score(run.id, "ana", {session.case(run.case_id).checklist[0].id: "pass"}))

    store.mutate(sid, score)
    assert quick_view()[sid][2] == ["ana"]
    store.mutate(sid, lambda s: setattr(s.runs[0], "status", "interrupted"))
    assert run_cli("sessions", "resume", sid).returncode == 0
    assert_index_agrees(store)
    export = data_dir.parent / "export.json"
    assert run_cli("sessions", "export", sid, "-o", str(export)).returncode == 0
    store.delete(sid)
    assert sid not in quick_view()
    assert run_cli("sessions", "import", str(export)).returncode == 0
    assert sid in quick_view()
    store.mutate(sid, lambda s: setattr(s, "scores", []))
    assert quick_view()[sid][1] == 0
    assert run_cli("sessions", "import", str(export)).returncode == 0  # a merge of the scores back
    assert quick_view()[sid][2] == ["ana"]
    assert_index_agrees(store)


def test_the_cli_listing_sees_a_killed_write_and_check_sees_an_edit_in_place(data_dir: Path) -> None:
    """Whole processes, with the real settle time waited out once."""
    store = Store(data_dir)
    for i in range(2):
        store.save(realistic_session(i))
    assert run_cli("sessions", "list").returncode == 0
    time.sleep(fresh.SETTLE_NS / 1e9 + 0.2)
    assert run_cli("sessions", "list").returncode == 0  # this full check is trusted by the next reads
    sid = realistic_session(0).id
    child = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KILL_BETWEEN), sid], cwd=ROOT, env=child_env(), timeout=60
    )
    assert child.returncode == -signal.SIGKILL
    listed = run_cli("sessions", "list", "--json")
    assert {s["id"]: s["scores"] for s in json.loads(listed.stdout)}[sid] == len(store.load(sid).scores)
    file = store.session_file(realistic_session(1).id)
    file.write_bytes(file.read_bytes().replace(b'"name": "', b'"name":"\\u001b[31medited ', 1))
    plain = run_cli("sessions", "list")
    assert "edited" not in plain.stdout, "the quick check trusts the folder (the README says so)"
    checked = run_cli("sessions", "list", "--check")
    line = next(x for x in checked.stdout.splitlines() if x.startswith(realistic_session(1).id))
    assert "␛[31medited" in line and "\x1b" not in checked.stdout, "shown, its control character as a mark"
    assert_index_agrees(store)


def test_the_index_format_names_the_tally_version() -> None:
    assert index_module.TALLY_VERSION == tallies.TALLY_VERSION, "bump tui/core/index.py's copy with the tallies'"


def test_the_listing_columns_agree_with_the_summaries(data_dir: Path) -> None:
    store = Store(data_dir)
    for i in range(4):
        store.save(realistic_session(i))
    rows, _ = store.index.listing()
    summaries = [s for s, _ in index_view(store).values() if s]
    by_id = {s.id: s for s in summaries}
    assert [r[0] for r in rows] == [s.id for s in store.list().sessions]
    for sid, created, name, cases, models, ok, runs, scores in rows:
        s = by_id[sid]
        assert (created, name, cases, models, ok, runs, scores) == (
            s.created_at,
            s.name,
            s.cases,
            len(s.models),
            s.status.get("succeeded", 0),
            s.runs,
            s.scores,
        )
