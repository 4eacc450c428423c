"""Agreement on what raters said, against sklearn, krippendorff and statsmodels, on tables that tell a right
chance term from a wrong one (the raters' marginals differ, so squaring one rater's marginals, or the pooled
ones, gives a different number)."""

from __future__ import annotations

import random

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

from tui.core.model import VERDICTS, Case, ChecklistItem, Run, Score, Session
from tui.scoring.agreement import (
    ORDER,
    agreement,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    weighted_kappa,
)
from tui.scoring.cluster import t975, wilson

LABELS = ["fail", "partial", "pass"]


def _pairs(table: dict[tuple[str, str], int]) -> list[tuple[str, str]]:
    return [pair for pair, count in table.items() for _ in range(count)]


# Rater 1 says pass 60, partial 10, fail 30; rater 2 pass 30, partial 40, fail 30.
SKEWED = {
    ("pass", "pass"): 25, ("pass", "partial"): 30, ("pass", "fail"): 5,
    ("partial", "pass"): 2, ("partial", "partial"): 6, ("partial", "fail"): 2,
    ("fail", "pass"): 3, ("fail", "partial"): 4, ("fail", "fail"): 23,
}  # fmt: skip


def test_cohen_kappa_on_skewed_marginals_matches_sklearn_and_a_hand_count() -> None:
    pairs = _pairs(SKEWED)
    a, b = zip(*pairs, strict=True)
    # po = 0.54; pe = 0.6·0.3 + 0.1·0.4 + 0.3·0.3 = 0.31 -> 0.23 / 0.69
    assert cohen_kappa(pairs) == pytest.approx(0.23 / 0.69)
    assert cohen_kappa(pairs) == pytest.approx(cohen_kappa_score(a, b))
    wrong_one_rater = (0.54 - 0.46) / (1 - 0.46)  # rater 1's marginals squared
    wrong_pooled = (0.54 - 0.355) / (1 - 0.355)  # pooled marginals squared (Scott's pi)
    assert abs(cohen_kappa(pairs) - wrong_one_rater) > 0.04 and abs(cohen_kappa(pairs) - wrong_pooled) > 0.04


def test_cohen_kappa_two_by_two_with_unequal_marginals() -> None:
    # yes/yes 45, yes/no 15, no/yes 25, no/no 15: po 0.6, pe = 0.6·0.7 + 0.4·0.3 = 0.54
    pairs = [("y", "y")] * 45 + [("y", "n")] * 15 + [("n", "y")] * 25 + [("n", "n")] * 15
    a, b = zip(*pairs, strict=True)
    assert cohen_kappa(pairs) == pytest.approx(0.06 / 0.46) == pytest.approx(cohen_kappa_score(a, b))
    assert cohen_kappa([("p", "p")] * 5) is None  # chance agreement 1: undefined


@pytest.mark.parametrize("weights", ["linear", "quadratic"])
def test_weighted_kappa_matches_sklearn(weights: str) -> None:
    pairs = _pairs(SKEWED)
    a = [ORDER[x] for x, _ in pairs]
    b = [ORDER[y] for _, y in pairs]
    assert weighted_kappa(pairs, weights=weights) == pytest.approx(cohen_kappa_score(a, b, weights=weights))
    # Pass/partial splits cost less than pass/fail ones, so the weighted figure differs from the nominal one.
    assert weighted_kappa(pairs, weights=weights) != pytest.approx(cohen_kappa(pairs))


def _matrix(units: list[list[str | None]]) -> np.ndarray:
    return np.array([[np.nan if v is None else ORDER[v] for v in row] for row in zip(*units, strict=True)])


def test_krippendorff_alpha_nominal_and_ordinal_match_the_krippendorff_package() -> None:
    rng = np.random.default_rng(4)
    units = []
    for _ in range(40):
        truth = rng.choice(3)
        row = [LABELS[int(np.clip(truth + rng.choice([-1, 0, 0, 0, 1]), 0, 2))] for _ in range(3)]
        if rng.random() < 0.3:
            row[int(rng.integers(3))] = None  # a rater skipped it
        units.append(row)
    present = [[v for v in row if v is not None] for row in units]
    data = _matrix(units)
    ref_nominal = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal", value_domain=[0, 1, 2])
    ref_ordinal = krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal", value_domain=[0, 1, 2])
    assert krippendorff_alpha(present) == pytest.approx(ref_nominal)
    assert krippendorff_alpha(present, level="ordinal") == pytest.approx(ref_ordinal)
    assert krippendorff_alpha([["pass", "pass"], ["pass"]]) is None


def test_fleiss_kappa_matches_statsmodels_on_an_uneven_table() -> None:
    rng = np.random.default_rng(9)
    ratings = rng.choice(4, size=(30, 5), p=[0.5, 0.2, 0.2, 0.1])
    table, _ = aggregate_raters(ratings, n_cat=4)
    assert fleiss_kappa(table.tolist()) == pytest.approx(sm_fleiss(table, method="fleiss"))
    with pytest.raises(ValueError):
        fleiss_kappa([[2, 1], [1, 1]])


# -- over a session ---------------------------------------------------------------------------------
PARENTED = [
    ChecklistItem("c1", "Is there a cat?"),
    ChecklistItem("c2", "Is it orange?", parent="c1"),
    ChecklistItem("c3", "Is it on the left?", parent="c1"),
    ChecklistItem("c4", "Is it asleep?", parent="c1"),
    ChecklistItem("c5", "Is it on a mat?", parent="c1"),
]


def _session(scores: list[Score], runs: int = 1, checklist=PARENTED) -> Session:
    case = Case(id="k", prompt="a cat", checklist=list(checklist))
    return Session(id="s", name="t", created_at="2026-01-01T00:00:00Z", models=["m:a"], cases=[case],
                   runs=[Run(f"r{i}", "k", "m:a", status="succeeded") for i in range(runs)], scores=scores)  # fmt: skip


def test_agreement_is_on_raw_verdicts_not_after_the_parent_rule() -> None:
    # Both fail the parent, then mark the children in opposite ways: after the parent rule every child
    # would be "fail" for both (80 % agreement); what they said agrees on 1 of 5.
    ann = {"c1": "fail", "c2": "pass", "c3": "pass", "c4": "fail", "c5": "fail"}
    bob = {"c1": "fail", "c2": "fail", "c3": "fail", "c4": "pass", "c5": "pass"}
    result = agreement(_session([Score("r0", "ann", ann), Score("r0", "bob", bob)]))
    assert result is not None and result.overall.percent == 0.2
    pairs = [(ann[k], bob[k]) for k in ann]
    a, b = zip(*pairs, strict=True)
    assert result.overall.kappa == pytest.approx(round(cohen_kappa_score(a, b), 4))
    assert len(result.disagreements) == 4


def test_na_is_a_category_for_nominal_figures_and_left_out_of_ordered_ones() -> None:
    flat = [ChecklistItem(f"i{n}", "x") for n in range(4)]
    ann = {"i0": "pass", "i1": "na", "i2": "fail", "i3": "partial"}
    bob = {"i0": "pass", "i1": "fail", "i2": "fail", "i3": "pass"}
    o = agreement(_session([Score("r0", "ann", ann), Score("r0", "bob", bob)], checklist=flat)).overall
    assert (o.units, o.percent, o.ordinal_units, o.alpha_units) == (4, 0.5, 3, 4)
    ordered = [("pass", "pass"), ("fail", "fail"), ("partial", "pass")]
    assert o.weighted_kappa == pytest.approx(round(weighted_kappa(ordered), 4))
    assert "n/a" in agreement(_session([Score("r0", "ann", ann), Score("r0", "bob", bob)], checklist=flat)).na_policy


def test_two_raters_with_no_overlap_read_cohen_and_duplicates_keep_the_latest() -> None:
    flat = [ChecklistItem("i0", "x")]
    scores = [Score("r0", "ann", {"i0": "pass"}), Score("r1", "bob", {"i0": "pass"})]
    result = agreement(_session(scores, runs=2, checklist=flat))
    assert result is not None and result.overall.units == 0 and result.overall.method == "cohen"
    dup = [
        Score("r0", "ann", {"i0": "fail"}, scored_at="2026-01-01T00:00:00Z"),
        Score("r0", "ann", {"i0": "pass"}, scored_at="2026-01-02T00:00:00Z"),
        Score("r0", "bob", {"i0": "pass"}, scored_at="2026-01-01T00:00:00Z"),
    ]
    result = agreement(_session(dup, checklist=flat))
    assert (result.overall.units, result.overall.percent, result.duplicates_dropped) == (1, 1.0, 1)


def test_per_item_agreement_has_an_interval_over_its_runs() -> None:
    flat = [ChecklistItem("i0", "x")]
    scores = []
    for i, (a, b) in enumerate([("pass", "pass")] * 7 + [("pass", "fail")] * 3):
        scores += [Score(f"r{i}", "ann", {"i0": a}), Score(f"r{i}", "bob", {"i0": b})]
    item = agreement(_session(scores, runs=10, checklist=flat)).per_item["k/i0"]
    assert item.percent == 0.7 and item.units == 10
    assert item.percent_low < 0.7 < item.percent_high
    # Ten runs of one unit each are the clusters: variance 0.21/10 · 10/9, so n_eff = 9, and t with 9 df.
    assert (item.percent_low, item.percent_high) == pytest.approx(wilson(0.7, 9, t975(9)), abs=1e-4)


def test_percent_agreement_is_the_share_of_agreeing_pairs_for_units_of_two_ratings_too() -> None:
    """Fleiss' P-bar from its definition: per unit, the share of its rater pairs that agree, averaged over units;
    a unit of two ratings is one pair (agree 1, else 0) and a unit of one has no pair and is left out."""
    from itertools import combinations

    rng = random.Random(11)
    units = [[rng.choice(VERDICTS) for _ in range(rng.choice([1, 2, 2, 3, 4]))] for _ in range(60)]
    shares = [sum(a == b for a, b in combinations(u, 2)) / len(list(combinations(u, 2))) for u in units if len(u) > 1]
    table = [[u.count(v) for v in VERDICTS] for u in units]
    assert percent_agreement(table) == pytest.approx(sum(shares) / len(shares), abs=1e-12)
    assert percent_agreement([[1, 1, 0, 0], [2, 0, 0, 0]]) == 0.5
