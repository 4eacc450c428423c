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
