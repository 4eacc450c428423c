"""The leaderboard from the session index's tallies equals the leaderboard computed from the sessions themselves
(``compute`` over every file read in full), for random sessions: parents, n/a, raters, free prompts, unscored runs."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core.model import Case, ChecklistItem, Run, Score, Session
from tui.core.store import Store
from tui.scoring.leaderboard import compute, leaderboard

PRESETS = ("tier-a/cat1", "tier-a/cat2", "tier-a/cat3", None)  # None: a free prompt
MODELS = ("demo:mosaic", "demo:aurora", "demo:sketch")
RATERS = ("ana", "bo", "cy")
JUDGE = "judge:demo:pixels"


def random_session(rng: random.Random, n: int) -> Session:
    cases = []
    for c in range(rng.randint(1, 4)):
        items = []
        for i in range(rng.randint(1, 5)):
            parent = rng.choice([None, *(it.id for it in items)]) if items and rng.random() < 0.4 else None
            items.append(ChecklistItem(f"p{i}", f"criterion {i}", parent=parent))
        cases.append(Case(id=f"c{c}", prompt="x", preset_id=rng.choice(PRESETS), checklist=items))
    models = rng.sample(MODELS, rng.randint(1, 3))
    runs = [Run(id=f"r{c.id}{m}", case_id=c.id, model=m, status="succeeded") for c in cases for m in models]
    scores = []
    for run in runs:
        case = next(c for c in cases if c.id == run.case_id)
        for rater in rng.sample(RATERS, rng.randint(0, 3)):
            verdicts = {
                it.id: rng.choice(("pass", "fail", "partial", "na")) for it in case.checklist if rng.random() < 0.9
            }
            scores.append(Score(run.id, rater, verdicts))
        if rng.random() < 0.5:  # an AI judge: on the board only when asked for by name
            verdicts = {it.id: rng.choice(("pass", "fail", "partial", "na")) for it in case.checklist}
            scores.append(Score(run.id, JUDGE, verdicts, kind="judge"))  # type: ignore[arg-type]
    return Session(
        id=f"s{n:04d}",
        name=f"s{n}",
        created_at=f"2026-01-01T00:{n % 60:02d}:00.000Z",
        models=models,
        cases=cases,
        runs=runs,
        scores=scores,
    )


def boards_agree(store: Store, sessions: list[Session]) -> None:
    for rater in (None, "ana", "nobody", JUDGE):
        for presets in (None, ["tier-a/cat1", "tier-a/cat2"], ["tier-a/none"]):
            want = compute(sessions, rater=rater, presets=presets).to_dict()
            have = leaderboard(store, rater=rater, presets=presets).to_dict()
            have.pop("errors"), want.pop("errors")  # compute never reads files
            assert have == want, (rater, presets)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**32 - 1), st.integers(1, 12))
def test_the_board_from_the_index_is_the_board_from_the_files(tmp_path_factory, seed: int, count: int) -> None:
    store = Store(tmp_path_factory.mktemp("data"))
    rng = random.Random(seed)
    sessions = [random_session(rng, n) for n in range(count)]
    for s in sessions:
        store.save(s)
    boards_agree(store, [store.load(s.id) for s in sessions])


def test_the_board_follows_every_write_and_a_broken_file(data_dir: Path) -> None:
    store = Store(data_dir)
    rng = random.Random(7)
    sessions = [random_session(rng, n) for n in range(6)]
    for s in sessions:
        store.save(s)
    store.mutate(sessions[0].id, lambda s: s.scores.clear())
    store.delete(sessions[1].id)
    broken = store.session_file(sessions[2].id)
    broken.write_bytes(b"{not json")
    board = leaderboard(store)
    assert len(board.errors) == 1 and str(broken) in board.errors[0]
    boards_agree(store, [store.load(s.id) for s in sessions[3:]] + [store.load(sessions[0].id)])


def test_an_unknown_rater_or_preset_is_an_empty_board(data_dir: Path) -> None:
    store = Store(data_dir)
    store.save(random_session(random.Random(1), 0))
    assert leaderboard(store, rater="nobody").rows == []
    assert leaderboard(store, presets=["nope"]).rows == []


@pytest.mark.parametrize("seed", [3, 11])
def test_a_rebuilt_index_gives_the_same_board(data_dir: Path, seed: int) -> None:
    store = Store(data_dir)
    rng = random.Random(seed)
    sessions = [random_session(rng, n) for n in range(8)]
    for s in sessions:
        store.save(s)
    before = leaderboard(store).to_dict()
    store.index.close()
    (data_dir / "index.sqlite3").unlink()
    assert leaderboard(Store(data_dir)).to_dict() == before


def test_a_judge_never_moves_the_peoples_board(data_dir: Path) -> None:
    store = Store(data_dir)
    rng = random.Random(5)
    sessions = [random_session(rng, n) for n in range(5)]
    for s in sessions:
        s.scores = [sc for sc in s.scores if sc.kind != "judge"]
        store.save(s)
    before = leaderboard(store).to_dict()

    def harsh(session: Session) -> None:
        for run in session.runs:
            case = session.case(run.case_id)
            verdicts = dict.fromkeys((i.id for i in case.checklist), "fail")
            session.scores.append(Score(run.id, JUDGE, verdicts, kind="judge"))  # type: ignore[arg-type]

    for s in sessions:
        store.mutate(s.id, harsh)
    assert leaderboard(store).to_dict() == before
    judged = leaderboard(store, rater=JUDGE)
    assert judged.rows and all(row.rate.rate == 0 for row in judged.rows)
