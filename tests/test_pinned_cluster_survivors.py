"""Mutation survivors of tui/scoring/cluster.py pinned against scipy (issue 19): the t quantile past its table
is the Cornish–Fisher series right up to its d⁻² term, so what is left of its error is the d⁻³ term alone."""

from __future__ import annotations

import pytest
import scipy.stats as sps

from tui.scoring.cluster import cluster_interval, moments_interval, t975


@pytest.mark.parametrize("df", [31, 100, 1000, 5000, 20000])
def test_the_t_quantile_past_its_table_errs_only_by_the_series_next_term(df: int) -> None:
    # The series' next (d⁻³) term at the 0.975 quantile is (3z⁷ + 19z⁵ + 17z³ − 15z) / 384 / d³ ≈ 2.56 / d³: a
    # wrong coefficient in the d⁻² term adds about 1e-5 / (d / 31)² on top, which outgrows it past d ≈ 100.
    error = abs(t975(df) - sps.t.ppf(0.975, df))
    assert error <= 3.0 / df**3 + 1e-14
    assert error >= 2.0 / df**3 - 1e-14  # what the truncation leaves: the comparison itself can see it


def _moments(runs: list[tuple[float, float]]) -> tuple[float, float, int, float, float, float]:
    """One case's moments rounded to 9 places, as the leaderboard and the index keep them."""
    s, n = sum(r[0] for r in runs), sum(r[1] for r in runs)
    s2, sn = sum(r[0] ** 2 for r in runs), sum(r[0] * r[1] for r in runs)
    return (round(s, 9), n, len(runs), round(s2, 9), round(sn, 9), sum(r[1] ** 2 for r in runs))


def test_moments_of_runs_that_all_scored_the_rate_give_the_exact_interval() -> None:
    # Two runs at exactly 1/3 (4/3 of 4 units, 1 of 3): no spread, so each run counts once (n_eff = 2). From the
    # rounded moments the cancellation used to leave ~4e-10 of "spread", which made n_eff the 7 units and the
    # interval too narrow (found by tests/test_pinned_leaderboard_survivors.py: a board's cell and the session
    # summary of the same runs disagreed).
    runs = [(4 / 3, 4.0), (1.0, 3.0)]
    exact, got = cluster_interval([runs]), moments_interval([_moments(runs)])
    assert exact is not None and got is not None and exact[3] == got[3] == 2.0
    assert got[1:3] == pytest.approx(exact[1:3], abs=1e-8)
    # A real spread, however small next to the rate, still counts: one run 1e-3 of a unit off.
    spread = [(4 / 3, 4.0), (1.001, 3.0)]
    exact, got = cluster_interval([spread]), moments_interval([_moments(spread)])
    assert exact is not None and got is not None and exact[3] == pytest.approx(got[3], rel=1e-4) and got[3] > 2.0


def test_wilson_with_no_trials_is_the_whole_range_and_a_rate_outside_0_1_is_clamped() -> None:
    from statsmodels.stats.proportion import proportion_confint

    from tui.scoring.cluster import wilson

    assert wilson(0.5, 0) == (0.0, 1.0)  # nothing observed: anything is possible (no division by zero)
    assert wilson(0.5, -1) == (0.0, 1.0)
    # A rate a hair outside [0, 1] (float sums) is the bound itself, as statsmodels gives for 0 and 10 of 10.
    assert wilson(1.0 + 1e-9, 10) == pytest.approx(proportion_confint(10, 10, alpha=0.05, method="wilson"), abs=1e-9)
    assert wilson(-1e-9, 10) == pytest.approx(proportion_confint(0, 10, alpha=0.05, method="wilson"), abs=1e-9)
    assert wilson(1.5, 10) == wilson(1.0, 10) and wilson(-0.5, 10) == wilson(0.0, 10)


def test_moments_summed_over_many_sessions_keep_a_case_without_spread_exact() -> None:
    # One preset in 50 sessions, two runs each, every run 1/3 of 3 units (three raters, one passing one item):
    # no spread. The session index adds each session's rounded moments in SQLite, so their cancellation leaves
    # ~1e-7 of rounding, which the noise floor must absorb (it scales with Σs² + rate²·Σn², both large here,
    # not with their difference, which is ~0): else n_eff would be the 300 units instead of the 100 runs.
    runs = [(round(1 / 3, 9), 3.0)] * 2
    per_session = [_moments(runs) for _ in range(50)]
    summed = tuple(sum(m[i] for m in per_session) for i in range(6))
    exact, got = cluster_interval([runs * 50]), moments_interval([summed])  # type: ignore[list-item]
    assert exact is not None and got is not None and exact[3] == got[3] == 100.0
    assert got[1:3] == pytest.approx(exact[1:3], abs=1e-8)
