"""Paired comparisons over shared cases: the difference, its paired cluster interval, the sign-flip p over
cases (exact, against scipy), Holm (against statsmodels), McNemar as a one-repeat extra (against scipy)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.stats import binomtest, permutation_test
from statsmodels.stats.multitest import multipletests

from tui.core.model import Case, ChecklistItem, Run, Score, Session
from tui.scoring.paired import MIN_CASES, holm, mcnemar_exact, paired_comparisons

ITEMS = [ChecklistItem(f"i{n}", f"criterion {n}") for n in range(4)]


@pytest.mark.parametrize(("a_only", "b_only"), [(6, 0), (1, 0), (4, 1), (10, 3), (0, 0), (7, 7)])
def test_mcnemar_exact_matches_scipy_binomtest(a_only: int, b_only: int) -> None:
    n = a_only + b_only
    ref = binomtest(a_only, n, 0.5).pvalue if n else 1.0
    assert mcnemar_exact(a_only, b_only) == pytest.approx(ref)


def test_holm_matches_statsmodels() -> None:
    # the last two: a count times a p above 1, capped at 1 as statsmodels does
    for ps in ([0.01, 0.04, 0.03], [0.5], [0.4, 0.6], [0.001, 0.2, 0.03, 0.04, 0.5], [0.3, 0.6, 0.7], [0.9, 0.8]):
        assert holm(ps) == pytest.approx(list(multipletests(ps, method="holm")[1]))
    assert holm([]) == []


def _session(table: dict[str, list[list[str]]], raters: tuple[str, ...] = ("ann",)) -> Session:
    """``table[model][case]`` is that case's runs, each a 4-letter string of p / f / h (partial) / n (na)."""
    letter = {"p": "pass", "f": "fail", "h": "partial", "n": "na"}
    n_cases = max(len(v) for v in table.values())
    cases = [Case(id=f"k{c}", prompt=f"p{c}", checklist=ITEMS) for c in range(n_cases)]
    runs, scores = [], []
    for model, per_case in table.items():
        for c, reps in enumerate(per_case):
            for r, marks in enumerate(reps):
                run = Run(f"{model}-{c}-{r}", f"k{c}", model, repeat=r, status="succeeded")
                runs.append(run)
                verdicts = {i.id: letter[x] for i, x in zip(ITEMS, marks, strict=True) if x != "-"}
                scores += [Score(run.id, rater, dict(verdicts)) for rater in raters]  # type: ignore[arg-type]
    return Session(id="s", name="t", created_at="2026-01-01T00:00:00Z", models=list(table), cases=cases,
                   runs=runs, scores=scores)  # fmt: skip


def test_a_clear_winner_over_eight_cases() -> None:
    a = [["pppp"]] * 8
    b = [["pfff"], ["ffff"], ["ppff"], ["pfff"], ["ffpf"], ["pfff"], ["ffff"], ["fpff"]]
    (ab,) = paired_comparisons(_session({"m:a": a, "m:b": b}))
    assert (ab.cases, ab.rate_a, ab.rate_b) == (8, 1.0, pytest.approx(7 / 32, abs=1e-4))
    assert ab.difference == pytest.approx(1 - 7 / 32, abs=1e-4)
    assert ab.p_value == pytest.approx(2 / 2**8)  # every case favours a: the most extreme of 256 patterns
    assert ab.low > 0 and ab.high <= 1
    assert ab.reading == "m:a better" and ab.more_cases == "enough"
    assert ab.mcnemar is not None and (ab.mcnemar.a_only, ab.mcnemar.b_only, ab.mcnemar.both_pass) == (25, 0, 7)


def test_sign_flip_p_over_case_means_matches_scipy() -> None:
    rng = np.random.default_rng(5)
    marks = lambda k: "".join("p" if x else "f" for x in rng.random(4) < k)  # noqa: E731
    a = [[marks(0.7), marks(0.7)] for _ in range(9)]
    b = [[marks(0.5)] for _ in range(9)]
    (ab,) = paired_comparisons(_session({"m:a": a, "m:b": b}))
    mean = lambda runs: np.mean([c == "p" for r in runs for c in r])  # noqa: E731
    ma, mb = np.array([mean(r) for r in a]), np.array([mean(r) for r in b])
    ref = permutation_test((ma, mb), lambda x, y: np.sum(x - y), permutation_type="samples", n_resamples=np.inf)
    assert ab.p_value == pytest.approx(ref.pvalue)
    assert ab.difference == pytest.approx(float(np.mean(ma - mb)), abs=1e-4)
    assert ab.mcnemar is None  # a has two repeats: no arbitrary pairing of repeats


def test_the_order_of_repeats_does_not_change_the_answer() -> None:
    a = [["pppf", "pfff", "ppff"], ["pppp", "ffff", "pfpf"], ["ppff", "pppf", "fppp"]] * 2
    b = [["pfff", "ffff", "ppff"], ["pfpf", "pfff", "ffff"], ["ffpf", "pfff", "pppf"]] * 2
    base = paired_comparisons(_session({"m:a": a, "m:b": b}))[0]
    for order in itertools.permutations(range(3)):
        shuffled = [[reps[i] for i in order] for reps in b]
        again = paired_comparisons(_session({"m:a": a, "m:b": shuffled}))[0]
        assert (again.p_value, again.difference, again.low, again.high) == (
            base.p_value, base.difference, base.low, base.high)  # fmt: skip


def test_few_shared_cases_say_so_and_tell_how_many_more() -> None:
    a = [["pppp"], ["pppf"], ["pppp"]]
    b = [["pfff"], ["ffff"], ["ppff"], ["pppp"]]  # b's fourth case has no a: not shared
    (ab,) = paired_comparisons(_session({"m:a": a, "m:b": b}))
    assert ab.cases == 3 and ab.reading == f"too few shared cases (3 < {MIN_CASES})"
    assert ab.more_cases.startswith("about ") and ab.cases_needed is not None


def test_no_clear_difference_and_no_difference_seen() -> None:
    same = [["ppff"], ["pfpf"], ["pppf"], ["ffpf"], ["pppp"], ["ffff"]]
    (ab,) = paired_comparisons(_session({"m:a": same, "m:b": same}))
    assert (ab.difference, ab.p_value, ab.reading) == (0.0, 1.0, "no clear difference")
    assert ab.cases_needed is None and ab.more_cases.startswith("—")


def test_holm_across_three_pairs_and_pairs_without_shared_cases() -> None:
    a = [["pppp"]] * 6
    b = [["ffff"]] * 6
    c = [["pppf"]] * 6
    ab, ac, bc = paired_comparisons(_session({"m:a": a, "m:b": b, "m:c": c}))
    ps = [x.p_value for x in (ab, ac, bc)]
    assert [x.p_holm for x in (ab, ac, bc)] == pytest.approx(list(multipletests(ps, method="holm")[1]))
    session = _session({"m:a": a, "m:b": b})
    session.models.append("m:never")
    assert [(x.a, x.b) for x in paired_comparisons(session)] == [("m:a", "m:b")]


def test_raters_are_averaged_per_unit_and_never_double_a_case() -> None:
    session = _session({"m:a": [["pppp"]] * 6, "m:b": [["ffff"]] * 6}, raters=("ann", "bob"))
    (ab,) = paired_comparisons(session)
    assert ab.cases == 6 and ab.mcnemar is not None and ab.mcnemar.units == 24
    bob_b = next(s for s in session.scores if s.rater == "bob" and s.run_id.startswith("m:b"))
    bob_b.verdicts["i0"] = "pass"  # bob disagrees with ann on one unit of b: that unit is 1/2, mixed for McNemar
    (ab,) = paired_comparisons(session)
    assert ab.rate_b == pytest.approx(0.5 / 4 / 6, abs=1e-4)
    assert (ab.mcnemar.a_only, ab.mcnemar.mixed) == (23, 1)
    (ann_only,) = paired_comparisons(session, rater="ann")
    assert (ann_only.rate_b, ann_only.mcnemar.mixed) == (0.0, 0)


def test_mcnemar_counts_and_p_are_statsmodels_on_the_two_by_two_table() -> None:
    """One repeat, one rater, pass or fail only: the (case, item) units form a 2 x 2 table of a's and b's verdicts,
    and the exact McNemar p is statsmodels' on it."""
    from statsmodels.stats.contingency_tables import mcnemar

    rng = np.random.default_rng(4)
    a = [["".join(rng.choice(["p", "f"], 4, p=[0.7, 0.3]))] for _ in range(10)]
    b = [["".join(rng.choice(["p", "f"], 4, p=[0.4, 0.6]))] for _ in range(10)]
    (ab,) = paired_comparisons(_session({"m:a": a, "m:b": b}))
    pairs = [(x, y) for ra, rb in zip(a, b, strict=True) for x, y in zip(ra[0], rb[0], strict=True)]
    table = [[pairs.count((x, y)) for y in "pf"] for x in "pf"]  # rows: a pass/fail; columns: b pass/fail
    assert table[0][1] and table[1][0]  # units each way, so a b-only unit cannot pass for another kind
    m = ab.mcnemar
    assert m is not None
    assert (m.both_pass, m.a_only, m.b_only, m.both_fail, m.mixed) == (table[0][0], table[0][1], table[1][0],
                                                                      table[1][1], 0)  # fmt: skip
    assert m.p_value == pytest.approx(mcnemar(table, exact=True).pvalue)


def test_the_paired_interval_is_given_to_four_places() -> None:
    bounds = []
    for seed in range(6):
        rng = np.random.default_rng(seed)
        a = [["".join(rng.choice(["p", "f", "h"], 4))] for _ in range(7)]
        b = [["".join(rng.choice(["p", "f", "h"], 4))] for _ in range(7)]
        (ab,) = paired_comparisons(_session({"m:a": a, "m:b": b}))
        assert -1 < ab.low < ab.high < 1
        bounds.append((ab.low, ab.high))
    for side in zip(*bounds, strict=True):
        assert all(x == round(x, 4) for x in side)
        assert any(x != round(x, 3) for x in side)  # (not fewer places either)
