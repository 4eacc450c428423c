"""Statistics against hand-computed and published values: Wilson, percentiles, the parent rule, kappas,
Bradley–Terry and the cross-session leaderboard (blind slots: test_blind_slots.py)."""

from __future__ import annotations

import math

import pytest

from tui.core.model import (
    Case,
    ChecklistItem,
    OutputImage,
    Preference,
    Run,
    RunError,
    Score,
    Session,
)
from tui.core.store import Store
from tui.scoring.agreement import agreement, fleiss_kappa, krippendorff_alpha, percent_agreement
from tui.scoring.bradley_terry import ELO_SCALE, bradley_terry, fit, rate, standard_errors
from tui.scoring.cluster import cluster_interval
from tui.scoring.leaderboard import compute, leaderboard
from tui.scoring.stats import (
    Rate,
    category_rates,
    effective_verdicts,
    item_rates,
    percentile,
    wilson_interval,
)
from tui.scoring.summary import summarize

# -- Wilson ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (8, 10, 0.4902, 0.9433),  # the textbook example
        (0, 10, 0.0, 0.2775),  # z²/(n+z²) = 3.8415/13.8415
        (10, 10, 0.7225, 1.0),
        (1, 2, 0.0945, 0.9055),
        (50, 100, 0.4038, 0.5962),
    ],
)
def test_wilson_matches_hand_computed_bounds(k: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(low, abs=1e-4)
    assert hi == pytest.approx(high, abs=1e-4)


def test_wilson_edge_cases_and_fractional_successes() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    lo, hi = wilson_interval(2.5, 5)  # partial verdicts make half successes
    assert lo < 0.5 < hi and lo == pytest.approx(1 - hi)
    r = Rate.of(7, 8, units=4)  # two raters on four units: the interval is sized by the units
    assert r.rate == 0.875
    assert (r.low, r.high) == tuple(round(x, 4) for x in wilson_interval(3.5, 4))
    assert Rate.of(0, 0).rate is None


def test_percentile_interpolates() -> None:
    assert percentile([], 50) is None
    assert percentile([7.0], 95) == 7.0
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)


# -- the parent rule and the session summaries -----------------------------------------------------
CHECKLIST = [
    ChecklistItem("c1", "Is there a cat?"),
    ChecklistItem("c2", "Is the cat orange?", parent="c1"),
    ChecklistItem("c3", "Is it on the left?", parent="c2"),
    ChecklistItem("c4", "Text reads 'hello'"),
]


def test_dsg_parent_rule_fails_children_and_grandchildren() -> None:
    out = effective_verdicts(CHECKLIST, {"c1": "fail", "c2": "pass", "c3": "pass", "c4": "na"})
    assert out == {"c1": "fail", "c2": "fail", "c3": "fail", "c4": "na"}
    assert effective_verdicts(CHECKLIST, {"c1": "partial", "c2": "pass"}) == {"c1": "partial", "c2": "pass"}
    # A parent left unscored does not fail its child.
    assert effective_verdicts(CHECKLIST, {"c3": "pass"}) == {"c3": "pass"}


def _session() -> Session:
    case = Case(id="k1", prompt="a cat", preset_id="p/one", category="Animals", checklist=CHECKLIST)
    case2 = Case(id="k2", prompt="a dog", checklist=[ChecklistItem("d1", "Is there a dog?")])
    img = [OutputImage("images/x.png", "0" * 64, 10, 10, "PNG")]
    runs = [
        Run("r1", "k1", "m:a", status="succeeded", images=img, latency_ms=100, ttfb_ms=10, cost_usd=0.04, attempts=1),
        Run("r2", "k1", "m:b", status="succeeded", images=img, latency_ms=300, ttfb_ms=30, cost_usd=0.02, attempts=2),
        Run("r3", "k2", "m:a", status="succeeded", images=img, latency_ms=200, ttfb_ms=20, cost_usd=0.04, attempts=1),
        Run("r4", "k2", "m:b", status="failed", error=RunError("content_policy", "blocked"), attempts=1),
    ]
    scores = [
        Score("r1", "ann", {"c1": "pass", "c2": "pass", "c3": "pass", "c4": "pass"}),
        Score("r2", "ann", {"c1": "fail", "c2": "pass", "c3": "pass", "c4": "partial"}),
        Score("r3", "ann", {"d1": "partial"}),
    ]
    return Session(
        id="s1",
        name="t",
        created_at="2026-01-01T00:00:00Z",
        models=["m:a", "m:b"],
        cases=[case, case2],
        runs=runs,
        scores=scores,
    )


def test_summarize_counts_rates_intervals_and_costs() -> None:
    a, b = summarize(_session())
    assert (a.items_scored, a.items_passed, a.pass_rate) == (5, 4.5, 0.9)
    # Two cases: the interval is the cluster one over cases (wide: two prompts say little), Wilson only aside.
    _, low, high, _ = cluster_interval([[(4.0, 4)], [(0.5, 1)]])
    assert (a.cases, a.pass_low, a.pass_high) == (2, round(low, 4), round(high, 4))
    assert (a.pass_wilson_low, a.pass_wilson_high) == tuple(round(x, 4) for x in wilson_interval(4.5, 5))
    assert a.pass_high - a.pass_low > a.pass_wilson_high - a.pass_wilson_low
    # b: c1 fail, c2 and c3 fail by the parent rule, c4 partial -> 0.5 / 4
    assert (b.items_scored, b.items_passed, b.pass_rate) == (4, 0.5, 0.125)
    assert (b.succeeded, b.failed, b.refused, b.errors) == (1, 1, 1, {"content_policy": 1})
    assert (b.success_rate, b.attempts) == (0.5, 3)
    # Passing image: every counted verdict passed. r1 yes, r3 (partial) no.
    assert (a.outputs_scored, a.passing_images, a.strict_pass_rate) == (2, 1, 0.5)
    assert a.cost_per_image == 0.04 and a.cost_per_passing_image == 0.08
    assert b.cost_per_passing_image is None
    assert a.cost_per_passing_image_all_in == 0.08
    assert a.median_latency_ms == 150.0 and a.p50_ttfb_ms == 15.0
    assert (a.p95_latency_ms, a.latency_tail, a.latency_n) == (200.0, "max", 2)  # no p95 of two values
    # Backwards compatible: every field the export schema requires is still there.
    assert {"model", "runs", "succeeded", "failed", "items_scored", "items_passed", "pass_rate"} <= a.to_dict().keys()


def test_category_and_item_rates() -> None:
    session = _session()
    cats = category_rates(session)
    assert list(cats) == ["Animals", "free prompt"]
    assert cats["Animals"]["m:a"].rate == 1.0 and cats["Animals"]["m:b"].rate == 0.125
    assert cats["free prompt"]["m:a"].passed == 0.5 and cats["free prompt"]["m:b"].scored == 0
    rows = item_rates(session)
    assert [(r.case_id, r.item_id) for r in rows] == [
        ("k1", "c1"),
        ("k1", "c2"),
        ("k1", "c3"),
        ("k1", "c4"),
        ("k2", "d1"),
    ]
    assert rows[2].rates["m:b"].rate == 0.0 and rows[2].parent == "c2"


def test_several_raters_pool_verdicts_but_size_intervals_by_units() -> None:
    session = _session()
    session.scores.append(Score("r1", "bob", {"c1": "pass", "c2": "fail", "c3": "pass", "c4": "pass"}))
    a = summarize(session)[0]
    assert a.items_scored == 9 and a.units == 5
    assert summarize(session, rater="bob")[0].items_scored == 4
    # bob failed c2, so r1 is no longer a passing image (every rater must pass every item).
    assert a.passing_images == 0


# -- agreement -------------------------------------------------------------------------------------


# Cohen's kappa against sklearn, on tables whose marginals tell a wrong chance term apart: test_agreement.py.


def test_fleiss_kappa_published_example() -> None:
    # Fleiss' kappa worked example (Wikipedia): 10 subjects, 14 raters, 5 categories -> 0.210
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    assert fleiss_kappa(table) == pytest.approx(0.20993, abs=1e-5)
    assert percent_agreement(table) == pytest.approx(0.37802, abs=1e-5)
    with pytest.raises(ValueError):
        fleiss_kappa([[2, 1], [1, 1]])


def test_agreement_over_a_session_with_three_raters() -> None:
    session = _session()
    session.scores = [
        Score("r1", "ann", {"c1": "pass", "c2": "pass", "c3": "pass", "c4": "pass"}),
        Score("r1", "bob", {"c1": "pass", "c2": "pass", "c3": "fail", "c4": "pass"}),
        Score("r1", "cy", {"c1": "pass", "c2": "pass", "c3": "pass"}),  # c4 not scored by cy: not a unit
        Score("r2", "ann", {"c1": "fail"}),  # bob did not score r2 at all
    ]
    assert agreement(session, ["ann"]) is None
    result = agreement(session)
    assert result is not None and result.raters == ["ann", "bob", "cy"]
    assert result.overall.units == 3 and result.overall.method == "fleiss"
    assert result.overall.percent == pytest.approx(round((1 + 1 + 1 / 3) / 3, 4))
    assert set(result.per_pair) == {"ann | bob", "ann | cy", "bob | cy"}
    assert result.per_pair["ann | cy"].percent == 1.0 and result.per_pair["ann | cy"].method == "cohen"
    [d] = result.disagreements
    assert (d.run_id, d.item_id, d.verdicts) == ("r1", "c3", {"ann": "pass", "bob": "fail", "cy": "pass"})
    # Alpha also takes r1/c4, which only ann and bob judged (r2/c1 has one label: not pairable). By hand:
    # o_pp = 3 + 3 + 1 + 2 = 9, o_pf = o_fp = 1; n_p = 10, n_f = 1, n = 11; D_o = 2/11, D_e = 20/110 -> alpha 0.
    assert (result.overall.alpha_units, result.overall.alpha) == (4, 0.0)


def test_krippendorff_alpha_matches_the_published_example_and_a_hand_count() -> None:
    # Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011): 4 coders, 12 units, missing values;
    # nominal alpha = 0.743.
    coders = [
        "1 2 3 3 2 1 4 1 2 . . .",
        "1 2 3 3 2 2 4 1 2 5 . 3",
        ". 3 3 3 2 3 4 2 2 5 1 .",
        "1 2 3 3 2 4 4 1 2 5 1 .",
    ]
    units = [[v for v in column if v != "."] for column in zip(*(c.split() for c in coders), strict=True)]
    assert krippendorff_alpha(units) == pytest.approx(0.743, abs=5e-4)
    # o_pp = 2 + 1 = 3, o_pf = o_fp = 1 + 1 = 2, o_ff = 2; n_p = 5, n_f = 4, n = 9: 1 - (4/9) / (40/72) = 0.2
    assert krippendorff_alpha([["p", "p"], ["p", "f"], ["f", "f"], ["p", "p", "f"]]) == pytest.approx(0.2)
    assert krippendorff_alpha([["p", "p"], ["f", "f"]]) == pytest.approx(1.0)
    assert krippendorff_alpha([["p", "p"], ["p"]]) is None  # one label only: undefined
    assert krippendorff_alpha([["p"]]) is None


# -- Bradley–Terry ---------------------------------------------------------------------------------


def test_bradley_terry_two_players_closed_form() -> None:
    # A beats B 3 times of 4: the MLE odds are 3, a gap of 400·log10(3) = 190.85 points.
    outcomes = [("A", "B", 1.0)] * 3 + [("A", "B", 0.0)]
    theta, converged, _ = fit(outcomes, ["A", "B"], prior=0)
    assert converged and (theta["A"] - theta["B"]) * ELO_SCALE == pytest.approx(400 * math.log10(3))
    # Fisher information of the gap: 4·(3/4)(1/4) = 0.75; each centred rating carries half the gap.
    se = standard_errors(outcomes, theta, prior=0)
    assert se["A"] == pytest.approx(math.sqrt(1 / 0.75) / 2)


def test_bradley_terry_chain_of_three() -> None:
    # A–B 2:1 and B–C 2:1, no A–C games: on a tree the MLE fits each edge exactly (odds 2 and 2).
    outcomes = [("A", "B", 1.0)] * 2 + [("B", "A", 1.0), ("B", "C", 1.0), ("B", "C", 1.0), ("C", "B", 1.0)]
    theta, _, _ = fit(outcomes, ["A", "B", "C"], prior=0)
    gap = 400 * math.log10(2)
    assert (theta["A"] - theta["B"]) * ELO_SCALE == pytest.approx(gap)
    assert (theta["A"] - theta["C"]) * ELO_SCALE == pytest.approx(2 * gap)
    assert sum(theta.values()) == pytest.approx(0.0)


def test_bradley_terry_prior_keeps_a_clean_sweep_finite_and_ties_count_half() -> None:
    result = rate([("A", "B", 1.0)] * 3)
    best, worst = result.ratings
    assert best.model == "A" and math.isfinite(best.rating) and best.rating > 1000 > worst.rating
    assert best.low < best.rating < best.high and result.low_confidence and best.low_confidence
    with pytest.raises(ValueError):
        fit([("A", "B", 1.0)], ["A", "B"], prior=0)
    tied = rate([("A", "B", 0.5)] * 4)
    assert tied.ratings[0].rating == pytest.approx(1000.0) and tied.ratings[0].ties == 4


def test_bradley_terry_mle_matches_observed_wins() -> None:
    outcomes = [("A", "B", 1.0), ("B", "A", 1.0), ("A", "C", 1.0), ("C", "A", 1.0), ("A", "C", 1.0)]
    outcomes += [("B", "C", 1.0), ("C", "B", 0.5), ("B", "C", 1.0), ("C", "B", 1.0)]
    theta, _, _ = fit(outcomes, ["A", "B", "C"], prior=0)
    for m in "ABC":
        won = sum(s if a == m else 1 - s for a, b, s in outcomes if m in (a, b))
        expected = sum(
            1 / (1 + math.exp(theta[b] - theta[a])) if a == m else 1 / (1 + math.exp(theta[a] - theta[b]))
            for a, b, _ in outcomes
            if m in (a, b)
        )
        assert expected == pytest.approx(won, abs=1e-6)


def test_bradley_terry_from_session_preferences() -> None:
    session = _session()
    session.preferences = [Preference("k1", "ann", "r1", "r2", "a")] * 12 + [
        Preference("k1", "ann", "r1", "r2", "both_bad"),
        Preference("k1", "ann", "r1", "r1", "a"),  # same model on both sides: skipped
    ]
    as_tie = bradley_terry(session)
    assert as_tie.votes == 13 and as_tie.ratings[0].model == "m:a" and not as_tie.low_confidence
    ignored = bradley_terry(session, both_bad="ignore")
    assert ignored.votes == 12 and ignored.ratings[0].rating > as_tie.ratings[0].rating
    assert bradley_terry(session, rater="nobody").ratings == []


# -- leaderboard -----------------------------------------------------------------------------------


def _preset_session(sid: str, models: list[str], preset: str, verdict: str, rater: str = "ann") -> Session:
    case = Case(id="k", prompt="x", preset_id=preset, checklist=CHECKLIST[:2])
    runs = [Run(f"{sid}-{i}", "k", m, status="succeeded") for i, m in enumerate(models)]
    scores = [Score(r.id, rater, {"c1": verdict if r.model == models[0] else "pass", "c2": "pass"}) for r in runs]
    return Session(
        id=sid, name=sid, created_at="2026-01-01T00:00:00Z", models=models, cases=[case], runs=runs, scores=scores
    )


def test_leaderboard_pools_shared_presets_across_sessions(data_dir) -> None:
    store = Store(data_dir)
    store.save(_preset_session("s1", ["m:a", "m:b"], "p/1", "fail"))  # m:a: c1 fail -> c2 fails too
    store.save(_preset_session("s2", ["m:a", "m:b"], "p/1", "pass"))
    store.save(_preset_session("s3", ["m:c"], "p/solo", "pass"))  # one model only: not shared
    (store.sessions_dir / "broken").mkdir()
    (store.sessions_dir / "broken" / "session.json").write_text("{not json")
    board = leaderboard(store)
    assert board.presets == ["p/1"] and board.sessions == 2 and board.sessions_seen == 3
    assert len(board.errors) == 1 and "broken" in board.errors[0]
    rows = {r.model: r for r in board.rows}
    assert set(rows) == {"m:a", "m:b"}
    assert rows["m:a"].rate.passed == 2 and rows["m:a"].rate.scored == 4 and rows["m:a"].sessions == 2
    assert rows["m:b"].rate.rate == 1.0 and board.rows[0].model == "m:b"
    assert board.by_preset["p/1"]["m:a"].rate == 0.5
    assert leaderboard(store, presets=["p/solo"]).rows == []
    assert leaderboard(store, rater="nobody").rows == []


def test_leaderboard_agrees_with_the_session_summary() -> None:
    session = _preset_session("s1", ["m:a", "m:b"], "p/1", "partial")
    board = compute([session])
    for row, summary in zip(sorted(board.rows, key=lambda r: r.model), summarize(session), strict=True):
        assert (row.rate.passed, row.rate.scored, row.rate.rate) == (
            summary.items_passed,
            summary.items_scored,
            summary.pass_rate,
        )
