"""Mutation survivors of tui/scoring/leaderboard.py pinned from outside (issue 19).

The oracle is the session summary (tui/scoring/summary.py through stats.observations: another walk of the same
verdicts): every (preset, model) cell of the board is the summary of one session holding all that model's runs of
that preset as one case, and a row's rate over the common presets is the summary of one session with a case per
preset. Random sessions (parents, n/a, partial, missing verdicts, one to three raters) drive it.
"""

from __future__ import annotations

import random

import pytest

from tui.core.model import Case, ChecklistItem, Run, Score, Session
from tui.scoring.leaderboard import compute
from tui.scoring.stats import Rate
from tui.scoring.summary import summarize

PRESETS = ("p/one", "p/two", "p/three")
MODELS = ("m:a", "m:b", "m:c")
RATERS = ("ann", "bob", "cy")
VERDICTS = ("pass", "fail", "partial", "na")


def checklist(rng: random.Random) -> list[ChecklistItem]:
    items: list[ChecklistItem] = []
    for i in range(rng.randint(1, 5)):
        parent = rng.choice([it.id for it in items]) if items and rng.random() < 0.5 else None
        items.append(ChecklistItem(f"i{i}", f"criterion {i}", parent=parent))
    return items


def sessions(seed: int) -> tuple[list[Session], dict[str, list[ChecklistItem]]]:
    rng = random.Random(seed)
    lists = {p: checklist(rng) for p in PRESETS}  # a preset's checklist is the same wherever it runs
    out = []
    for n in range(rng.randint(1, 6)):
        presets = rng.sample(PRESETS, rng.randint(1, 3))
        cases = [Case(id=f"c{k}", prompt="x", preset_id=p, checklist=lists[p]) for k, p in enumerate(presets)]
        cases.append(Case(id="free", prompt="mine", checklist=lists["p/one"]))  # no preset: never on the board
        models = rng.sample(MODELS, rng.randint(1, 3))
        runs = [
            Run(f"s{n}-{c.id}-{m}-{rep}", c.id, m, status="succeeded")
            for c in cases
            for m in models
            for rep in range(rng.randint(1, 3))
        ]
        scores = []
        for run in runs:
            for rater in rng.sample(RATERS, rng.randint(0, 3)):
                given = {it.id: rng.choice(VERDICTS) for it in lists["p/one"] if rng.random() < 0.85}
                case = next(c for c in cases if c.id == run.case_id)
                given = {it.id: rng.choice(VERDICTS) for it in case.checklist if rng.random() < 0.85} or given
                scores.append(Score(run.id, rater, given))
        out.append(Session(id=f"s{n}", name=f"s{n}", created_at="2026-01-01T00:00:00Z", models=models,
                           cases=cases, runs=runs, scores=scores))  # fmt: skip
    return out, lists


def merged(all_sessions: list[Session], lists: dict[str, list[ChecklistItem]], presets: list[str]) -> Session:
    """One session with a case per preset, holding every run of it (from any session) and its scores."""
    cases = [Case(id=p, prompt=p, preset_id=p, checklist=lists[p]) for p in presets]
    runs, scores = [], []
    for s in all_sessions:
        preset_of = {c.id: c.preset_id for c in s.cases}
        for run in s.runs:
            if preset_of[run.case_id] in presets:
                runs.append(Run(run.id, preset_of[run.case_id], run.model, status="succeeded"))
        kept = {r.id for r in runs}
        scores += [sc for sc in s.scores if sc.run_id in kept]
    return Session(id="all", name="all", created_at="2026-01-01T00:00:00Z", models=list(MODELS), cases=cases,
                   runs=runs, scores=scores)  # fmt: skip


def figures(rate: Rate) -> tuple:
    return (rate.passed, rate.scored, rate.units, rate.rate, rate.low, rate.high)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("rater", [None, "bob"])
def test_every_cell_and_row_of_the_board_is_the_summary_of_the_same_runs(seed: int, rater: str | None) -> None:
    all_sessions, lists = sessions(seed)
    board = compute(all_sessions, rater=rater)
    for preset, by_model in board.by_preset.items():
        oracle = {s.model: s for s in summarize(merged(all_sessions, lists, [preset]), rater=rater)}
        for model, rate in by_model.items():
            assert figures(rate) == figures(oracle[model].pass_interval), (preset, model)
        # a model on the preset with no counted verdict is not in its split
        assert set(by_model) == {m for m, s in oracle.items() if s.units}, preset
    if board.common and board.rows:
        oracle = {s.model: s for s in summarize(merged(all_sessions, lists, board.presets), rater=rater)}
        for row in board.rows:
            assert figures(row.rate) == figures(oracle[row.model].pass_interval), row.model
    for row in board.rows:  # the stratified difference, from the board's own split, as its comment defines it
        mine = [p for p, by in board.by_preset.items() if row.model in by]
        mean = {p: sum(r.rate for r in board.by_preset[p].values()) / len(board.by_preset[p]) for p in mine}
        expected = sum(board.by_preset[p][row.model].rate - mean[p] for p in mine) / len(mine)
        assert row.vs_field == pytest.approx(round(expected, 4), abs=1e-9), row.model
        assert row.presets == len(mine)


@pytest.mark.parametrize("seed", range(40))
def test_ranks_and_order_follow_the_pairwise_rule_on_shared_presets(seed: int) -> None:
    all_sessions, lists = sessions(seed)
    board = compute(all_sessions)
    presets_of = {r.model: {p for p, by in board.by_preset.items() if r.model in by} for r in board.rows}
    for row in board.rows:
        beaten, apart = 0, []
        for other in board.rows:
            both = sorted(presets_of[row.model] & presets_of[other.model])
            if other is row:
                continue
            if not both:
                apart.append(other.model)
                continue
            oracle = {s.model: s.pass_interval for s in summarize(merged(all_sessions, lists, both))}
            beaten += oracle[other.model].low > oracle[row.model].high
        assert row.rank == 1 + beaten, row.model
        assert sorted(row.not_compared) == sorted(apart), row.model
        # sessions: those holding a scored run of this model on a shared preset
        mine = {s.id for s in all_sessions for sc in s.scores for r in s.runs
                if sc.run_id == r.id and r.model == row.model and any(c.id == r.case_id and c.preset_id in
                presets_of[row.model] for c in s.cases) and sc.verdicts}  # fmt: skip
        assert row.sessions <= len(mine) and row.sessions >= 1
    keys = [(r.rank, -(r.vs_field or 0.0), -(r.rate.rate or 0.0), r.model) for r in board.rows]
    assert keys == sorted(keys)  # best first: rank, then vs_field, then rate, then name


@pytest.mark.parametrize("winner", ["m:a", "m:c"])  # first and last by name: a pair is compared both ways
def test_a_clear_winner_is_ranked_above_and_equal_models_share_a_rank(winner: str) -> None:
    items = [ChecklistItem(f"i{n}", "x") for n in range(4)]
    out = []
    for n in range(3):  # three sessions of twenty presets: the winner passes all, the others half
        cases = [Case(id=f"c{p}", prompt="x", preset_id=f"p/{p}", checklist=items) for p in range(20)]
        runs = [Run(f"{n}{c.id}{m}", c.id, m, status="succeeded") for c in cases for m in ("m:a", "m:b", "m:c")]
        scores = [
            Score(r.id, "ann", {i.id: "pass" if r.model == winner or k % 2 else "fail" for k, i in enumerate(items)})
            for r in runs
        ]
        out.append(Session(id=f"s{n}", name="s", created_at="2026-01-01T00:00:00Z", models=["m:a", "m:b", "m:c"],
                           cases=cases, runs=runs, scores=scores))  # fmt: skip
    board = compute(out)
    others = sorted({"m:a", "m:b", "m:c"} - {winner})
    assert {r.model: r.rank for r in board.rows} == {winner: 1, **dict.fromkeys(others, 2)}
    assert [r.model for r in board.rows] == [winner, *others]  # equal rows: by name
    assert all(r.sessions == 3 and r.runs_scored == 60 and r.presets == 20 for r in board.rows)
    assert board.common and board.sessions == 3 and board.sessions_seen == 3


def test_loading_every_session_skips_empty_folders_and_names_each_bad_file(tmp_path) -> None:
    import json

    from tui.core.store import Store
    from tui.scoring.leaderboard import load_all

    store = Store(tmp_path)
    assert load_all(store) == ([], [])  # no sessions folder yet
    good, _ = sessions(3)
    for s in good[:2]:
        store.save(s)
    (store.sessions_dir / "a-empty").mkdir()  # sorts first: a folder without a session file is skipped
    (store.sessions_dir / "b-corrupt").mkdir()
    (store.sessions_dir / "b-corrupt" / "session.json").write_text("{not json")
    (store.sessions_dir / "c-folder" / "session.json").mkdir(parents=True)  # unreadable: a folder in its place
    (store.sessions_dir / "d-deep").mkdir()
    (store.sessions_dir / "d-deep" / "session.json").write_text("[" * 100_000)
    old = json.loads((store.sessions_dir / good[0].id / "session.json").read_text())
    old.update(schema_version=1, id="e-old")  # an older file: read through the migrating path
    (store.sessions_dir / "e-old").mkdir()
    (store.sessions_dir / "e-old" / "session.json").write_text(json.dumps(old))
    loaded, errors = load_all(store)
    assert sorted(s.id for s in loaded) == sorted([good[0].id, good[1].id, "e-old"])
    assert len(errors) == 3
    said = [str(e) for e in errors]
    assert "b-corrupt" in said[0] and "corrupt session file" in said[0]
    assert "c-folder" in said[1] and "cannot read" in said[1]
    assert "d-deep" in said[2]
    migrated = next(s for s in loaded if s.id == "e-old")
    assert migrated.schema_version == 2 and len(migrated.scores) == len(good[0].scores)
    assert compute(loaded).to_dict() == compute([*good[:2], migrated]).to_dict()
