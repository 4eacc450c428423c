"""The cluster statistics against outside references: scipy's t and permutation test, statsmodels' Wilson
and power, and a brute-force two-stage bootstrap in numpy for the closed-form variance."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_confint

from tui.scoring.cluster import (
    Z95,
    cases_for_power,
    cluster_interval,
    paired_difference,
    ratio_variance,
    sign_flip_p,
    t975,
    wilson,
)


@pytest.mark.parametrize("df", [1, 2, 3, 5, 11, 29, 30, 31, 45, 80, 200])
def test_t_quantile_matches_scipy(df: int) -> None:
    assert t975(df) == pytest.approx(sps.t.ppf(0.975, df), abs=2e-4)


@pytest.mark.parametrize(("p", "n", "z"), [(0.8, 10, Z95), (0.0, 7.5, 2.5), (1.0, 3.2, 4.3), (0.37, 41.0, 5.0)])
def test_wilson_at_any_quantile_matches_statsmodels(p: float, n: float, z: float) -> None:
    alpha = 2 * (1 - sps.norm.cdf(z))
    low, high = proportion_confint(p * n, n, alpha=alpha, method="wilson")
    assert wilson(p, n, z) == pytest.approx((low, high), abs=1e-9)


def _two_stage_bootstrap(clusters, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """The bootstrap the closed form stands for, done the slow way: cases with replacement, then runs."""
    g = len(clusters)
    out = np.empty(resamples)
    for b in range(resamples):
        s = n = 0.0
        for ci in rng.integers(0, g, g):
            runs = clusters[ci]
            for ri in rng.integers(0, len(runs), len(runs)):
                s += runs[ri][0]
                n += runs[ri][1]
        out[b] = s / n
    return out


def test_closed_form_variance_is_the_two_stage_bootstrap_limit() -> None:
    rng = np.random.default_rng(7)
    clusters = [[(float(rng.integers(0, 9)), 8) for _ in range(int(rng.integers(1, 4)))] for _ in range(25)]
    total = sum(n for runs in clusters for _, n in runs)
    rate = sum(s for runs in clusters for s, _ in runs) / total
    boot = _two_stage_bootstrap(clusters, 3000, rng)
    assert ratio_variance(clusters, rate, total, small_sample=False) == pytest.approx(boot.var(), rel=0.1)
    # The small-sample correction widens only the between-case part, by G/(G-1).
    assert ratio_variance(clusters, rate, total) > ratio_variance(clusters, rate, total, small_sample=False)


def test_interval_by_hand_two_cases() -> None:
    # rate 4.5/5; z = 4 - 0.9*4 = 0.4 and 0.5 - 0.9 = -0.4; var = 2 * 0.32 / 25; n_eff = 0.09 / var
    rate, low, high, n_eff = cluster_interval([[(4.0, 4)], [(0.5, 1)]])
    assert rate == pytest.approx(0.9)
    assert n_eff == pytest.approx(0.09 / (2 * 0.32 / 25))
    assert (low, high) == pytest.approx(wilson(0.9, n_eff, sps.t.ppf(0.975, 1)), abs=1e-4)


def test_interval_edges() -> None:
    assert cluster_interval([]) is None and cluster_interval([[(0.0, 0)]]) is None
    # One run of one case: Wilson at n = 1, whatever the number of items.
    assert cluster_interval([[(8.0, 8)]])[1:3] == pytest.approx(wilson(1.0, 1))
    # One case with three runs: the runs are the clusters.
    one_case = cluster_interval([[(8.0, 8), (4.0, 8), (6.0, 8)]])
    assert one_case[:3] == pytest.approx(cluster_interval([[(8.0, 8)], [(4.0, 8)], [(6.0, 8)]])[:3])
    # Everything passed on three prompts: no spread to measure, so three observations, not 24 units.
    _, low, high, n_eff = cluster_interval([[(8.0, 8)]] * 3)
    assert n_eff == 3 and high == 1.0 and low == pytest.approx(wilson(1.0, 3, t975(2))[0])


def test_sign_flip_p_matches_scipy_permutation_test() -> None:
    rng = np.random.default_rng(3)
    for cases in (4, 7, 10):
        a, b = rng.random(cases), rng.random(cases) * 0.7
        ref = sps.permutation_test(
            (a, b), lambda x, y: np.sum(x - y), permutation_type="samples", n_resamples=np.inf, vectorized=False
        ).pvalue
        assert sign_flip_p(list(a - b)) == pytest.approx(ref, abs=1e-9)
    assert sign_flip_p([0.1] * 6) == pytest.approx(2 / 64)
    assert sign_flip_p([]) == 1.0


def test_sign_flip_p_past_the_exact_limit_is_seeded_and_close() -> None:
    diffs = [0.3, -0.1, 0.2, 0.25, 0.05, -0.05, 0.4, 0.1, 0.15, 0.2, -0.2, 0.3, 0.1, 0.05, 0.2, 0.1, 0.3, -0.1]
    p1, p2 = sign_flip_p(diffs, seed=5), sign_flip_p(diffs, seed=5)
    assert p1 == p2
    bits = np.arange(2 ** len(diffs))[:, None] >> np.arange(len(diffs)) & 1
    signs = 2 * bits - 1
    exact = float(np.mean(np.abs(signs @ np.array(diffs)) >= abs(sum(diffs)) - 1e-12))
    assert p1 == pytest.approx(exact, abs=0.004)


def test_paired_difference_variance_is_the_paired_two_stage_bootstrap_limit() -> None:
    rng = np.random.default_rng(11)
    a = [[(float(rng.integers(0, 9)), 8) for _ in range(2)] for _ in range(20)]
    b = [[(min(8.0, runs[0][0] + float(rng.integers(-2, 3))), 8) for _ in range(2)] for runs in a]  # correlated
    diff, var = paired_difference(a, b, small_sample=False)
    draws = np.empty(3000)
    for k in range(3000):  # a case's two models resampled together, runs independently within it
        pick = rng.integers(0, len(a), len(a))
        sa = sum(a[c][r][0] for c in pick for r in rng.integers(0, 2, 2))
        sb = sum(b[c][r][0] for c in pick for r in rng.integers(0, 2, 2))
        draws[k] = sa / (16 * len(a)) - sb / (16 * len(a))
    assert diff == pytest.approx(sum(s for r in a for s, _ in r) / 320 - sum(s for r in b for s, _ in r) / 320)
    assert var == pytest.approx(draws.var(), rel=0.1)
    # Pairing matters: the same cases matched up wrongly lose the shared case effect, and precision with it.
    _, unpaired = paired_difference(a, b[1:] + b[:1], small_sample=False)
    assert var < unpaired


def test_cases_for_power_matches_statsmodels() -> None:
    # difference 0.1 with a per-case SD of 0.25 (variance 0.25**2 / 8 over 8 cases)
    need = cases_for_power(0.1, 0.25**2 / 8, 8)
    ref = NormalIndPower().solve_power(effect_size=0.1 / 0.25, alpha=0.05, power=0.8, ratio=0)
    assert need == math.ceil(ref)
    assert cases_for_power(0.0, 0.01, 8) is None


def test_the_interval_from_moments_is_the_interval_from_runs() -> None:
    from tui.scoring.cluster import moments_interval

    rng = np.random.default_rng(21)
    for cases in (1, 2, 5, 9):
        for _ in range(20):
            clusters = [
                [
                    (float(rng.integers(0, 9)) / rng.choice([1, 2, 3]), int(rng.integers(6, 9)))
                    for _ in range(rng.integers(1, 4))
                ]
                for _ in range(cases)
            ]
            moments = [
                (sum(s for s, _ in c), sum(n for _, n in c), len(c), sum(s * s for s, _ in c),
                 sum(s * n for s, n in c), sum(n * n for _, n in c))
                for c in clusters
            ]  # fmt: skip
            assert moments_interval(moments) == pytest.approx(cluster_interval(clusters), abs=1e-9)
