"""Bradley–Terry against statsmodels' logistic regression, to convergence, with CI-aware ranks, ties for
"both bad", and a disconnected comparison graph said out loud."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from tui.core.model import Case, Preference, Run, Session
from tui.reports.report_tables import report_tables
from tui.scoring.bradley_terry import ELO_SCALE, Z95, bradley_terry, fit, groups, rate, standard_errors


def _random_outcomes(seed: int, models: list[str], n: int) -> list[tuple[str, str, float]]:
    rng = np.random.default_rng(seed)
    strength = dict(zip(models, rng.normal(0, 1, len(models)), strict=True))
    out = []
    for _ in range(n):
        a, b = rng.choice(models, 2, replace=False)
        p = 1 / (1 + np.exp(strength[b] - strength[a]))
        out.append((str(a), str(b), float(rng.random() < p)))
    return out


def test_fit_and_intervals_match_statsmodels_logit() -> None:
    models = ["A", "B", "C", "D"]
    outcomes = _random_outcomes(1, models, 300)
    # BT is a logistic regression on +1/-1 indicators without an intercept; D is the reference.
    x = np.zeros((len(outcomes), 3))
    y = np.array([s for _, _, s in outcomes])
    for row, (a, b, _) in enumerate(outcomes):
        for m, sign in ((a, 1), (b, -1)):
            if m != "D":
                x[row, models.index(m)] = sign
    ref = sm.Logit(y, x).fit(disp=0)
    theta, converged, iterations = fit(outcomes, models, prior=0)
    assert converged and iterations < 30
    full = np.append(ref.params, 0.0)
    centred = full - full.mean()
    assert [theta[m] for m in models] == pytest.approx(list(centred), abs=1e-7)
    # Centred ratings' covariance: C · cov · Cᵀ with the reference row added as zeros.
    cov = np.zeros((4, 4))
    cov[:3, :3] = ref.cov_params()
    centre = np.eye(4) - 1 / 4
    se_ref = np.sqrt(np.diag(centre @ cov @ centre.T))
    se = standard_errors(outcomes, theta, prior=0)
    assert [se[m] for m in models] == pytest.approx(list(se_ref), rel=1e-5)
    # The interval is a real 95 %: z = 1.96 standard errors each side, not one.
    result = rate(outcomes, models, prior=0)
    for r in result.ratings:
        assert (r.high - r.low) / 2 == pytest.approx(Z95 * ELO_SCALE * se[r.model], abs=0.11)


def test_lopsided_data_converges_in_a_few_newton_steps() -> None:
    outcomes = [("A", "B", 1.0)] * 60 + [("B", "A", 1.0)] + [("B", "C", 1.0)] * 40 + [("A", "C", 1.0)] * 30
    _theta, converged, iterations = fit(outcomes, ["A", "B", "C"])
    assert converged and iterations <= 25
    result = rate(outcomes)
    assert result.converged and not any("converge" in n for n in result.notes)
    # Not converged is said: with one step allowed it cannot have converged.
    _, converged, _ = fit(outcomes, ["A", "B", "C"], max_iter=1)
    assert not converged


def test_ranks_come_from_the_intervals() -> None:
    close = rate([("A", "B", 1.0)] * 6 + [("B", "A", 1.0)] * 5)
    assert [r.rank for r in close.ratings] == [1, 1]  # overlapping intervals: no order claimed
    clear = rate([("A", "B", 1.0)] * 40 + [("B", "A", 1.0)] * 2)
    best, worst = clear.ratings
    assert worst.high < best.low and (best.rank, worst.rank) == (1, 2)


def test_a_disconnected_comparison_graph_is_reported_and_not_ranked_across() -> None:
    outcomes = [("A", "B", 1.0)] * 30 + [("C", "D", 1.0)] * 30 + [("D", "C", 1.0)] * 2
    assert groups(outcomes, ["A", "B", "C", "D"]) == [["A", "B"], ["C", "D"]]
    result = rate(outcomes, ["A", "B", "C", "D"])
    assert not result.connected and result.groups == [["A", "B"], ["C", "D"]]
    assert any("disconnected" in n and "{A, B} and {C, D}" in n for n in result.notes)
    ranks = {r.model: r.rank for r in result.ratings}
    assert ranks["A"] == 1 and ranks["C"] == 1  # each the best of its own group
    data = {"bradley_terry": result.to_dict(), "definitions": {"bradley_terry": "BT."}}
    (table,) = [t for t in _tables(data) if t.title.startswith("Preferences")]
    assert "DISCONNECTED" in table.title and "{A, B} and {C, D}" in table.note


def _tables(extra: dict) -> list:
    data = {
        "models": [],
        "categories": {},
        "items": [],
        "definitions": {k: "" for k in ("pass_rate", "passing_image", "wilson", "refused", "latency")}
        | {"cost_per_passing_image": ""},
    }
    data["definitions"].update(extra.pop("definitions"))
    return report_tables({**data, **extra})


def test_both_bad_is_a_tie_not_a_loss_for_the_left() -> None:
    case = Case(id="k", prompt="x")
    runs = [Run("r1", "k", "m:a", status="succeeded"), Run("r2", "k", "m:b", status="succeeded")]
    session = Session(id="s", name="t", created_at="2026-01-01T00:00:00Z", models=["m:a", "m:b"], cases=[case],
                      runs=runs, preferences=[Preference("k", "ann", "r1", "r2", "both_bad")] * 3)  # fmt: skip
    result = bradley_terry(session)
    assert [(r.wins, r.losses, r.ties) for r in result.ratings] == [(0, 0, 3), (0, 0, 3)]
    assert result.ratings[0].rating == pytest.approx(result.ratings[1].rating)


def _glm_with_virtual_games(outcomes: list[tuple[str, str, float]], models: list[str], games: float) -> np.ndarray:
    """Centred log-strengths of a logistic regression with ``games`` virtual games per model, drawn half and half
    against an opponent fixed at 0 (the prior, as the module's docstring defines it), fitted by statsmodels."""
    rows, ys, weights = [], [], []
    for a, b, s in outcomes:
        rows.append([(m == a) - (m == b) for m in models])
        ys.append(s)
        weights.append(1.0)
    for m in models:
        for y in (1.0, 0.0):
            rows.append([float(m == other) for other in models])
            ys.append(y)
            weights.append(games / 2)
    ref = sm.GLM(np.array(ys), np.array(rows, dtype=float), family=sm.families.Binomial(),
                 var_weights=np.array(weights)).fit(tol=1e-12)  # fmt: skip
    return ref.params - ref.params.mean()


def test_a_sessions_ratings_use_one_virtual_game_a_model_by_default() -> None:
    models = ["m:a", "m:b", "m:c"]
    outcomes = _random_outcomes(5, models, 24)
    runs = [Run(f"r{m}", "k", m, status="succeeded") for m in models]
    prefs = [Preference("k", "ann", f"r{a}", f"r{b}", "a" if s == 1.0 else "b") for a, b, s in outcomes]
    session = Session(id="s", name="t", created_at="2026-01-01T00:00:00Z", models=models,
                      cases=[Case(id="k", prompt="x")], runs=runs, preferences=prefs)  # fmt: skip
    result = bradley_terry(session)
    expected = dict(zip(models, 1000 + ELO_SCALE * _glm_with_virtual_games(outcomes, models, 1.0), strict=True))
    assert {r.model: r.rating for r in result.ratings} == {m: pytest.approx(v, abs=0.051) for m, v in expected.items()}
    assert result.prior == 1.0


def test_a_fit_stopped_early_says_how_many_steps_it_took() -> None:
    # The "did not converge in N iterations" note reports what fit returns: exactly max_iter Newton steps, each
    # moving the ratings, when that is too few.
    outcomes = [("A", "B", 1.0)] * 60 + [("B", "A", 1.0)] + [("B", "C", 1.0)] * 40 + [("A", "C", 1.0)] * 30
    thetas = []
    for steps in (1, 2, 3):
        theta, converged, iterations = fit(outcomes, ["A", "B", "C"], max_iter=steps)
        assert (converged, iterations) == (False, steps)
        thetas.append(theta)
    assert thetas[0] != {"A": 0.0, "B": 0.0, "C": 0.0} and thetas[0] != thetas[1] != thetas[2]
    final, converged, iterations = fit(outcomes, ["A", "B", "C"])
    assert converged and fit(outcomes, ["A", "B", "C"], max_iter=iterations) == (final, True, iterations)


def test_without_votes_nothing_is_flagged_and_a_connected_graph_is_not_called_disconnected() -> None:
    empty = rate([])
    assert (empty.ratings, empty.low_confidence, empty.connected) == ([], False, True)
    assert empty.notes == ["no preference votes yet"]
    linked = rate([("A", "B", 1.0)] * 12 + [("B", "C", 1.0)] * 12 + [("C", "A", 1.0)] * 3)
    assert linked.connected and linked.groups == [["A", "B", "C"]] and linked.notes == []


def test_without_a_prior_a_disconnected_graph_is_not_converged_nor_a_crash() -> None:
    outcomes = [("A", "B", 1.0)] * 3 + [("B", "A", 1.0)] + [("C", "D", 1.0)] * 2 + [("D", "C", 1.0)]
    _theta, converged, _ = fit(outcomes, ["A", "B", "C", "D"], prior=0)
    assert not converged
    with pytest.raises(ValueError, match="not connected by any vote"):
        rate(outcomes, prior=0)


def test_lopsided_votes_where_a_full_newton_step_overshoots_still_reach_statsmodels_fit() -> None:
    # Eight models, two of them never winning, some pairs met thousands of times and others once: from the start
    # at 0 a full Newton step lands far past the optimum (the penalised likelihood drops), so the fit must halve
    # its steps, judged on the penalised likelihood, to converge at all (found by a random search of such data).
    blocks = [(3, 4, 1.0, 1), (6, 0, 1.0, 500), (1, 3, 0.0, 500), (0, 6, 1.0, 1), (2, 5, 0.0, 1), (3, 2, 1.0, 2),
              (5, 1, 0.0, 5000), (6, 0, 0.0, 1), (3, 0, 1.0, 5000), (0, 6, 0.0, 5), (2, 6, 0.5, 50)]  # fmt: skip
    models = [f"m{i}" for i in range(8)]
    outcomes = [(models[i], models[j], s) for i, j, s, n in blocks for _ in range(n)]
    theta, converged, _ = fit(outcomes, models)
    assert converged
    expected = _glm_with_virtual_games(outcomes, models, 1.0)
    assert [theta[m] for m in models] == pytest.approx(list(expected), abs=1e-6)
