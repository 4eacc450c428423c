"""Mutation survivors of tui/scoring/leaderboard.py pinned from outside (issue 19).

The oracle is the session summary (tui/scoring/summary.py through stats.observations: another walk of the same
verdicts): every (preset, model) cell of the board is the summary of one session holding all that model's runs of
that preset as one case, and a row's rate over the common presets is the summary of one session with a case per
preset. Random sessions (parents, n/a, partial, missing verdicts, one to three raters) drive it.
"""

from __future__ import annotations

import random

import pytest

from tui.core.model import SCHEMA_VERSION, Case, ChecklistItem, Run, Score, Session
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
    # deeper than the decoder recurses, under a key the slim decoder skips unread: msgspec's RecursionError
    (store.sessions_dir / "d-deep" / "session.json").write_text('{"id": "d", "junk": ' + "[" * 100_000 + "}")
    old = json.loads((store.sessions_dir / good[0].id / "session.json").read_text())
    old.update(schema_version=1, id="e-old")  # an older file: read through the migrating path
    (store.sessions_dir / "e-old").mkdir()
    (store.sessions_dir / "e-old" / "session.json").write_text(json.dumps(old))
    newer = {**old, "schema_version": SCHEMA_VERSION + 1, "id": "f-newer"}  # from a later imgbench: refused, named
    (store.sessions_dir / "f-newer").mkdir()
    (store.sessions_dir / "f-newer" / "session.json").write_text(json.dumps(newer))
    loaded, errors = load_all(store)
    assert sorted(s.id for s in loaded) == sorted([good[0].id, good[1].id, "e-old"])
    assert len(errors) == 4
    said = [str(e) for e in errors]
    assert "b-corrupt" in said[0] and "corrupt session file" in said[0]
    assert "c-folder" in said[1] and "cannot read" in said[1]
    assert "d-deep" in said[2] and "nested too deeply" in said[2]
    assert "f-newer" in said[3] and "newer imgbench" in said[3]
    migrated = next(s for s in loaded if s.id == "e-old")
    assert migrated.schema_version == 2 and len(migrated.scores) == len(good[0].scores)
    assert compute(loaded).to_dict() == compute([*good[:2], migrated]).to_dict()


def _session(sid: str, cases: list[Case], passes: dict[tuple[str, str], int], items: list[ChecklistItem]) -> Session:
    """One run of each (case, model) in ``passes``, scored by ann: its first ``passes[...]`` items pass."""
    runs = [Run(f"{sid}-{c}-{m}", c, m, status="succeeded") for c, m in passes]
    scores = [
        Score(f"{sid}-{c}-{m}", "ann", {it.id: "pass" if k < n else "fail" for k, it in enumerate(items)})
        for (c, m), n in passes.items()
    ]
    models = sorted({m for _, m in passes})
    return Session(id=sid, name=sid, created_at="2026-01-01T00:00:00Z", models=models, cases=cases, runs=runs,
                   scores=scores)  # fmt: skip


def test_a_pair_sharing_more_than_the_common_presets_is_ranked_on_all_it_shares() -> None:
    # m:a and m:b share ten presets m:c never ran, where m:a passes everything and m:b nothing; on p/z, the one
    # preset common to all three, they are level. Their rank must come from all eleven (both sorted, "p/a…" first,
    # a list that sorts before the common ["p/z"]), not from the common one alone.
    items = [ChecklistItem(f"i{n}", "x") for n in range(4)]
    cases = [Case(id=f"c{p}", prompt="x", preset_id=f"p/a{p}", checklist=items) for p in range(10)]
    cases.append(Case(id="cz", prompt="x", preset_id="p/z", checklist=items))
    passes = {(f"c{p}", m): 4 if m == "m:a" else 0 for p in range(10) for m in ("m:a", "m:b")}
    passes |= {("cz", m): 2 for m in ("m:a", "m:b", "m:c")}
    session = _session("s", cases, passes, items)
    board = compute([session])
    assert board.presets == ["p/z"] and board.common
    lists = {c.preset_id: items for c in cases}
    both = sorted(lists)
    oracle = {s.model: s.pass_interval for s in summarize(merged([session], lists, both))}
    assert oracle["m:a"].low > oracle["m:b"].high  # on what the two share, m:a is clearly better
    ranks = {r.model: r.rank for r in board.rows}
    assert ranks["m:b"] == 2 and ranks["m:a"] == 1


def test_rows_of_one_rank_are_ordered_by_vs_field_even_where_it_is_exactly_zero() -> None:
    # Three models on one preset at 1/4, 2/4 and 3/4: the middle one is exactly at the preset's mean (vs_field 0.0),
    # which must sort between the one above the mean and the one below, not as if it were missing.
    items = [ChecklistItem(f"i{n}", "x") for n in range(4)]
    cases = [Case(id="c", prompt="x", preset_id="p/one", checklist=items)]
    session = _session("s", cases, {("c", "m:a"): 2, ("c", "m:b"): 1, ("c", "m:c"): 3}, items)
    board = compute([session])
    oracle = {s.model: s.pass_interval for s in summarize(merged([session], {"p/one": items}, ["p/one"]))}
    assert {r.rank for r in board.rows} == {1}  # one preset, one run each: the intervals overlap
    assert [r.model for r in board.rows] == sorted(oracle, key=lambda m: -oracle[m].rate)
    assert [r.vs_field for r in board.rows] == [0.25, 0.0, -0.25]


@pytest.mark.parametrize("loser", ["m:a", "m:c"])  # first and last by name: both sides of a pair's comparison
def test_a_model_failing_everything_beats_nobody_though_its_lower_bound_is_zero(loser: str) -> None:
    # A lower bound of exactly 0.0 is a value, not a missing bound: read as missing and defaulted to 1.0, the model
    # that failed every item would beat the others.
    items = [ChecklistItem(f"i{n}", "x") for n in range(4)]
    cases = [Case(id=f"c{p}", prompt="x", preset_id=f"p/{p}", checklist=items) for p in range(20)]
    best = "m:b"
    passes = {(c.id, m): {loser: 0, best: 4}.get(m, 2) for c in cases for m in ("m:a", "m:b", "m:c")}
    session = _session("s", cases, passes, items)
    board = compute([session])
    oracle = {s.model: s.pass_interval for s in summarize(merged([session], {c.preset_id: items for c in cases},
                                                                  board.presets))}  # fmt: skip
    assert oracle[loser].low == 0.0
    expected = {m: 1 + sum(o.low > oracle[m].high for o in oracle.values()) for m in oracle}
    assert {r.model: r.rank for r in board.rows} == expected
    assert expected[loser] == 3
