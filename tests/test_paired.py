"""McNemar's exact test and Holm's adjustment against hand-computed values, and the pairing over a session."""

from __future__ import annotations

import math

import pytest

from tui.core.model import Case, ChecklistItem, Run, Score, Session
from tui.scoring.paired import MIN_PAIRS, holm, mcnemar_exact, paired_comparisons


@pytest.mark.parametrize(
    ("a_only", "b_only", "p"),
    [
        (1, 9, 22 / 1024),  # 2 * (C(10,0) + C(10,1)) / 2**10
        (0, 6, 2 / 64),  # 2 * 0.5**6
        (0, 5, 2 / 32),  # 0.0625: five one-sided pairs are not yet significant
        (5, 5, 1.0),  # capped: 2 * 638/1024 > 1
        (0, 0, 1.0),
        (3, 12, 2 * sum(math.comb(15, i) for i in range(4)) / 2**15),  # 0.03516
    ],
)
def test_mcnemar_exact_matches_the_binomial_by_hand(a_only: int, b_only: int, p: float) -> None:
    assert mcnemar_exact(a_only, b_only) == pytest.approx(p)
    assert mcnemar_exact(b_only, a_only) == pytest.approx(p)  # two-sided: symmetric


def test_holm_steps_down_and_keeps_order() -> None:
    # sorted 0.01, 0.03, 0.04 -> x3, x2, x1 = 0.03, 0.06, 0.04 -> running max 0.03, 0.06, 0.06
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5]) == [0.5] and holm([]) == []
    assert holm([0.4, 0.6]) == pytest.approx([0.8, 0.8])  # capped at 1 never exceeded


ITEMS = [ChecklistItem(f"i{n}", f"criterion {n}") for n in range(8)]


def _session(verdicts: dict[str, list[str]], raters: tuple[str, ...] = ("ann",), repeats: int = 1) -> Session:
    """Two cases x models x repeats; ``verdicts[model]`` lists one verdict per (case, repeat, item) in order."""
    cases = [Case(id=f"k{c}", prompt=f"p{c}", checklist=ITEMS[:4], repeats=repeats) for c in range(2)]
    runs, scores = [], []
    for model, flat in verdicts.items():
        it = iter(flat)
        for case in cases:
            for repeat in range(repeats):
                run = Run(f"{model}-{case.id}-{repeat}", case.id, model, repeat=repeat, status="succeeded")
                runs.append(run)
                marks = {item.id: next(it) for item in case.checklist}
                for rater in raters:
                    scores.append(Score(run.id, rater, dict(marks)))
    return Session(
        id="s",
        name="t",
        created_at="2026-01-01T00:00:00Z",
        models=list(verdicts),
        cases=cases,
        runs=runs,
        scores=scores,
    )


def test_pairs_count_only_units_both_models_were_judged_on() -> None:
    a = ["pass"] * 8
    b = ["fail"] * 6 + ["pass", "na"]
    c = ["pass", "fail", "partial", "pass", "pass", "pass", "pass", "pass"]
    ab, ac, bc = paired_comparisons(_session({"m:a": a, "m:b": b, "m:c": c}))
    assert (ab.a, ab.b) == ("m:a", "m:b")
    # the na unit drops out: 7 units; a passes all, b passes one of them
    assert (ab.units, ab.a_only, ab.b_only, ab.both_pass, ab.both_fail, ab.mixed) == (7, 6, 0, 1, 0, 0)
    assert ab.p_value == pytest.approx(2 / 64)
    assert (ac.units, ac.a_only, ac.b_only, ac.both_pass, ac.mixed) == (8, 1, 0, 6, 1)  # c's partial is mixed
    assert (bc.a_only, bc.b_only, bc.both_fail, bc.both_pass, bc.mixed) == (0, 4, 1, 1, 1)
    # Holm across the three pairs: p = 0.03125, 1.0, 0.125 -> x3, x1, x2 = 0.09375, 1.0, 0.25
    assert [x.p_holm for x in (ab, ac, bc)] == pytest.approx([3 * 2 / 64, 1.0, 2 * 2 / 16])
    assert ab.reading == "no clear difference"  # 0.094 after adjusting for three comparisons
    assert ac.reading.startswith("too few discordant pairs") and MIN_PAIRS > 1


def test_a_clear_winner_over_enough_units() -> None:
    session = _session({"m:a": ["pass"] * 16, "m:b": ["fail"] * 14 + ["pass"] * 2}, repeats=2)
    (ab,) = paired_comparisons(session)
    assert (ab.units, ab.a_only, ab.b_only) == (16, 14, 0)  # repeats pair with repeats: 2 cases x 2 x 4 items
    assert ab.p_value == pytest.approx(2 / 2**14) and ab.p_holm == ab.p_value
    assert ab.reading == "m:a better"
    assert ab.to_dict()["reading"] == "m:a better"


def test_raters_are_averaged_per_unit_and_a_split_is_mixed() -> None:
    session = _session({"m:a": ["pass"] * 8, "m:b": ["fail"] * 8}, raters=("ann", "bob"))
    (ab,) = paired_comparisons(session)
    assert (ab.units, ab.a_only) == (8, 8), "two raters must not double the units"
    bob_b = next(s for s in session.scores if s.rater == "bob" and s.run_id.startswith("m:b"))
    bob_b.verdicts["i0"] = "pass"  # bob disagrees with ann on one unit of b
    (ab,) = paired_comparisons(session)
    assert (ab.units, ab.a_only, ab.mixed) == (8, 7, 1)
    (ann_only,) = paired_comparisons(session, rater="ann")
    assert (ann_only.a_only, ann_only.mixed) == (8, 0)
