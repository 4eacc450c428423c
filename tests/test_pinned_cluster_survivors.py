"""Mutation survivors of tui/scoring/cluster.py pinned against scipy (issue 19): the t quantile past its table
is the Cornish–Fisher series right up to its d⁻² term, so what is left of its error is the d⁻³ term alone."""

from __future__ import annotations

import pytest
import scipy.stats as sps

from tui.scoring.cluster import t975


@pytest.mark.parametrize("df", [31, 100, 1000, 5000, 20000])
def test_the_t_quantile_past_its_table_errs_only_by_the_series_next_term(df: int) -> None:
    # The series' next (d⁻³) term at the 0.975 quantile is (3z⁷ + 19z⁵ + 17z³ − 15z) / 384 / d³ ≈ 2.56 / d³: a
    # wrong coefficient in the d⁻² term adds about 1e-5 / (d / 31)² on top, which outgrows it past d ≈ 100.
    error = abs(t975(df) - sps.t.ppf(0.975, df))
    assert error <= 3.0 / df**3 + 1e-14
    assert error >= 2.0 / df**3 - 1e-14  # what the truncation leaves: the comparison itself can see it
