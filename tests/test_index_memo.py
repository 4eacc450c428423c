"""The leaderboard's sums are kept in the index (table ``memo``) until the tallies change: a board asked again is
read back, and every write, by this process or another, a killed one or a rebuild, makes the next board new."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

import tui.core.index_fresh as fresh
from tests.test_leaderboard_index import boards_agree, random_session
from tui.core.model import Score
from tui.core.store import Store
from tui.scoring.leaderboard import leaderboard


def _generation(store: Store) -> int:
    return int(store.index.query("SELECT value FROM meta WHERE key = 'generation'", refresh=False)[0][0])


def test_a_board_asked_again_is_read_back_and_any_write_makes_it_new(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fresh, "_now_ns", lambda: time.time_ns() + 2 * fresh.SETTLE_NS)  # quick checks
    store = Store(data_dir)
    rng = random.Random(5)
    sessions = [random_session(rng, n) for n in range(6)]
    for s in sessions:
        store.save(s)
    boards_agree(store, [store.load(s.id) for s in sessions])
    kept = store.index.query("SELECT key, generation FROM memo", refresh=False)
    assert kept and {g for _, g in kept} == {_generation(store)}

    executed: list[str] = []
    store.index._conn.set_trace_callback(executed.append)
    leaderboard(store)
    assert not any("SUM(n_pass)" in sql and "memo" not in sql for sql in executed), "read back, not summed again"
    store.index._conn.set_trace_callback(None)

    other = Store(data_dir)  # another process's connection
    first = sessions[0]
    run = next(r for r in first.runs)
    case = first.case(run.case_id)
    other.mutate(first.id, lambda s: s.set_score(Score(run.id, "ana", {i.id: "fail" for i in case.checklist})))
    boards_agree(store, [store.load(s.id) for s in sessions])
    other.delete(sessions[1].id)
    boards_agree(store, [store.load(s.id) for s in sessions[2:]] + [store.load(first.id)])
    time.sleep(0.05)
    new = random_session(rng, 9)
    other.save(new)
    boards_agree(store, [store.load(s.id) for s in [first, *sessions[2:], new]])


def test_a_rebuilt_index_keeps_no_old_board(data_dir: Path) -> None:
    store = Store(data_dir)
    rng = random.Random(8)
    sessions = [random_session(rng, n) for n in range(4)]
    for s in sessions:
        store.save(s)
    leaderboard(store)
    store.index.close()
    from tui.core.index import INDEX_FILE

    for suffix in ("", "-wal", "-shm"):
        (data_dir / (INDEX_FILE + suffix)).unlink(missing_ok=True)
    store = Store(data_dir)
    store.mutate(sessions[0].id, lambda s: s.scores.clear())
    boards_agree(store, [store.load(s.id) for s in sessions])
