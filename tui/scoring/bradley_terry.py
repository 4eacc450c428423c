"""Bradley–Terry ratings from pairwise preferences, on the arenas' Elo-like scale.

P(i beats j) = p_i / (p_i + p_j). Ratings are 1000 + 400·log10(p_i), centred so their mean is 1000,
as LMArena/FastChat report them. Fitting is Newton's method on the penalised log-likelihood, to a
tolerance (a handful of steps; the MM iteration this replaced crawled for thousands on lopsided data).
A fit that does not converge, and a comparison graph in parts (models never compared across), are said
in the result's ``notes``, which every report format and the Results screen show.

Choices, stated once:

* A tie counts half a win to each side. ``both_bad`` counts as a tie by default (arena-rank does the
  same: neither model was preferred), or is ignored with ``both_bad="ignore"``.
* A small prior keeps ratings finite when a model won or lost every vote (3–0 would otherwise give an
  infinite rating): every model plays ``prior`` virtual games, drawn half and half, against a fixed
  virtual opponent of strength 1. The default of 1 game is weak beside any real evidence.
* 95 % intervals come from the observed Fisher information of the (prior-penalised) likelihood in
  log-strength, not a bootstrap: deterministic, instant, and close to the bootstrap once there are
  some votes. With few votes they are wide, and ``low_confidence`` marks any model with fewer than
  ``min_votes`` counted votes: a handful of one person's votes is not a ranking.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

from tui.core.model import Session
from tui.scoring.stats import Z95

ELO_SCALE = 400 / math.log(10)  # rating points per unit of natural log-strength
BASE = 1000.0
MIN_VOTES = 10

# (model a, model b, score of a: 1 win, 0.5 tie, 0 loss)
Outcome = tuple[str, str, float]


@dataclass(frozen=True)
class BTRating:
    model: str
    rating: float
    low: float
    high: float
    rank: int  # 1 + number of models whose lower bound is above this one's upper bound
    votes: int
    wins: int
    losses: int
    ties: int
    low_confidence: bool


@dataclass
class BTResult:
    ratings: list[BTRating]  # best first
    votes: int
    min_votes: int
    prior: float
    both_bad: str
    converged: bool
    iterations: int
    low_confidence: bool  # any model below min_votes
    notes: list[str] = field(default_factory=list)
    connected: bool = True  # every model linked to every other by some chain of votes
    groups: list[list[str]] = field(default_factory=list)  # the comparison graph's connected parts

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def fit(
    outcomes: Sequence[Outcome], models: Sequence[str], *, prior: float = 1.0, tol: float = 1e-10, max_iter: int = 100
) -> tuple[dict[str, float], bool, int]:
    """Log-strengths (centred to mean 0) by Newton's method on the (prior-penalised) log-likelihood;
    returns (theta, converged, iterations).

    The penalised likelihood is strictly concave, so Newton with step halving converges in a handful of
    steps, to ``tol`` on the largest step, even on lopsided data where the MM iteration crawls. Without a
    prior the last model is held at 0 (the likelihood cannot tell a shift); a model that never won or tied
    then has no finite rating, which raises.
    """
    index = {m: i for i, m in enumerate(models)}
    k = len(models)
    wins = [0.0] * k
    for a, b, s in outcomes:
        wins[index[a]] += s
        wins[index[b]] += 1 - s
    if prior <= 0 and any(w <= 0 for w in wins):
        raise ValueError("without a prior every model needs at least a tie or a win")
    pairs = [(index[a], index[b], s) for a, b, s in outcomes]
    free = k if prior > 0 else k - 1  # without a prior the last model is the fixed reference
    theta = [0.0] * k
    converged, it = False, 0
    current = _penalised_loglik(pairs, theta, prior)
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is returned
        grad, hess = _derivatives(pairs, theta, prior, k)
        try:
            step = _solve([row[:free] for row in hess[:free]], grad[:free])
        except ValueError:
            break
        scale = 1.0
        while True:  # step halving keeps every step uphill
            trial = [t + scale * (step[i] if i < free else 0.0) for i, t in enumerate(theta)]
            value = _penalised_loglik(pairs, trial, prior)
            if value >= current - 1e-12 or scale < 1e-6:
                break
            scale /= 2
        theta, current = trial, value
        if max(abs(x) for x in step) * scale < tol:
            converged = True
            break
    mean = sum(theta) / k
    return {m: theta[i] - mean for m, i in index.items()}, converged, it


def _penalised_loglik(pairs: Sequence[tuple[int, int, float]], theta: Sequence[float], prior: float) -> float:
    total = 0.0
    for i, j, s in pairs:
        d = theta[i] - theta[j]
        total += s * d - _softplus(d)
    # the prior: each model drew ``prior`` virtual games half and half against a fixed opponent at 0
    return total + sum(prior * (t / 2 - _softplus(t)) for t in theta) if prior > 0 else total


def _softplus(x: float) -> float:
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


def _derivatives(
    pairs: Sequence[tuple[int, int, float]], theta: Sequence[float], prior: float, k: int
) -> tuple[list[float], list[list[float]]]:
    """Gradient and negative Hessian (the observed information) of the penalised log-likelihood."""
    grad = [0.0] * k
    info = [[0.0] * k for _ in range(k)]
    for i, j, s in pairs:
        p = 1 / (1 + math.exp(theta[j] - theta[i]))
        grad[i] += s - p
        grad[j] -= s - p
        w = p * (1 - p)
        info[i][i] += w
        info[j][j] += w
        info[i][j] -= w
        info[j][i] -= w
    if prior > 0:
        for i, t in enumerate(theta):
            q = 1 / (1 + math.exp(-t))
            grad[i] += prior * (0.5 - q)
            info[i][i] += prior * q * (1 - q)
    return grad, info


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    inverse = _invert(matrix)
    return [sum(a * b for a, b in zip(row, vector, strict=True)) for row in inverse]


def groups(outcomes: Sequence[Outcome], models: Sequence[str]) -> list[list[str]]:
    """The connected parts of the comparison graph (who was ever compared with whom), in model order.
    Ratings of two parts are related only through the prior, never through a vote."""
    parent = {m: m for m in models}

    def root(m: str) -> str:
        while parent[m] != m:
            parent[m] = parent[parent[m]]
            m = parent[m]
        return m

    for a, b, _ in outcomes:
        parent[root(a)] = root(b)
    parts: dict[str, list[str]] = {}
    for m in models:
        parts.setdefault(root(m), []).append(m)
    return list(parts.values())


def standard_errors(outcomes: Sequence[Outcome], theta: dict[str, float], *, prior: float = 1.0) -> dict[str, float]:
    """Standard errors of the centred log-strengths from the inverse observed Fisher information."""
    models = list(theta)
    index = {m: i for i, m in enumerate(models)}
    k = len(models)
    # The prior anchors strengths to the virtual opponent at the *uncentred* scale; shift back to it.
    anchor = _anchor_shift(outcomes, theta, prior) if prior > 0 else 0.0
    info = [[0.0] * k for _ in range(k)]
    for a, b, _ in outcomes:
        i, j = index[a], index[b]
        pij = 1 / (1 + math.exp(theta[b] - theta[a]))
        w = pij * (1 - pij)
        info[i][i] += w
        info[j][j] += w
        info[i][j] -= w
        info[j][i] -= w
    for m, i in index.items():
        q = 1 / (1 + math.exp(-(theta[m] + anchor)))
        info[i][i] += prior * q * (1 - q)
    if prior > 0:
        cov = _invert(info)
    else:  # translation-invariant: fix the last model, invert the rest, centring below removes the choice
        sub = _invert([row[: k - 1] for row in info[: k - 1]])
        cov = [[*row, 0.0] for row in sub] + [[0.0] * k]
    mean_row = [sum(cov[i][j] for j in range(k)) / k for i in range(k)]
    grand = sum(mean_row) / k
    return {m: math.sqrt(max(cov[i][i] - 2 * mean_row[i] + grand, 0.0)) for m, i in index.items()}


def _anchor_shift(outcomes: Sequence[Outcome], theta: dict[str, float], prior: float) -> float:
    """The offset c with theta + c the uncentred MM solution: the prior's virtual games pin it where the
    expected virtual wins equal the virtual wins (prior/2 each), solved by bisection (monotone in c)."""
    lo, hi = -50.0, 50.0
    for _ in range(200):
        c = (lo + hi) / 2
        expected = sum(1 / (1 + math.exp(-(t + c))) for t in theta.values())
        if expected > len(theta) / 2:
            hi = c
        else:
            lo = c
    return (lo + hi) / 2


def _invert(matrix: list[list[float]]) -> list[list[float]]:
    """Gauss–Jordan with partial pivoting; the matrices here are models x models, a handful wide."""
    n = len(matrix)
    a = [[*row, *(1.0 if i == j else 0.0 for j in range(n))] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) < 1e-300:
            raise ValueError("singular information matrix (models not connected by any vote)")
        a[col], a[pivot] = a[pivot], a[col]
        f = a[col][col]
        a[col] = [x / f for x in a[col]]
        for r in range(n):
            if r != col and a[r][col]:
                g = a[r][col]
                a[r] = [x - g * y for x, y in zip(a[r], a[col], strict=True)]
    return [row[n:] for row in a]


def outcomes_of(
    session: Session,
    *,
    rater: str | None = None,
    both_bad: Literal["tie", "ignore"] = "tie",
    blind_only: bool = False,
) -> list[Outcome]:
    """The session's preferences as (model a, model b, score of a); votes between two runs of the same
    model, or naming a run that is not in the session, are skipped."""
    runs = {r.id: r.model for r in session.runs}
    out: list[Outcome] = []
    for pref in session.preferences:
        if (rater is not None and pref.rater != rater) or (blind_only and not pref.blind):
            continue
        a, b = runs.get(pref.run_a), runs.get(pref.run_b)
        if a is None or b is None or a == b:
            continue
        if pref.outcome == "both_bad" and both_bad == "ignore":
            continue
        out.append((a, b, {"a": 1.0, "b": 0.0}.get(pref.outcome, 0.5)))
    return out


def rate(
    outcomes: Sequence[Outcome],
    models: Sequence[str] | None = None,
    *,
    prior: float = 1.0,
    min_votes: int = MIN_VOTES,
    both_bad: str = "tie",
) -> BTResult:
    """Ratings, intervals, CI-aware ranks and vote counts for every model that took part in a vote."""
    seen = list(dict.fromkeys([m for a, b, _ in outcomes for m in (a, b)]))
    names = [m for m in (models or seen) if m in seen] + [m for m in seen if models and m not in models]
    if not names:
        return BTResult([], 0, min_votes, prior, both_bad, True, 0, False, ["no preference votes yet"])
    theta, converged, iterations = fit(outcomes, names, prior=prior)
    parts = groups(outcomes, names)
    group_of = {m: g for g, part in enumerate(parts) for m in part}
    se = standard_errors(outcomes, theta, prior=prior)
    tally = {m: [0, 0, 0] for m in names}  # wins, losses, ties
    for a, b, s in outcomes:
        if s == 0.5:
            tally[a][2] += 1
            tally[b][2] += 1
        else:
            tally[a if s == 1.0 else b][0] += 1
            tally[b if s == 1.0 else a][1] += 1
    rows = []
    for m in names:
        r, half = BASE + ELO_SCALE * theta[m], Z95 * ELO_SCALE * se[m]
        votes = sum(tally[m])
        rows.append((m, r, r - half, r + half, votes))
    ratings = [
        BTRating(
            model=m,
            rating=round(r, 1),
            low=round(lo, 1),
            high=round(hi, 1),
            # CI-aware, and only against models this one is linked to by votes
            rank=1 + sum(1 for other in rows if other[2] > hi and group_of[other[0]] == group_of[m]),
            votes=votes,
            wins=tally[m][0],
            losses=tally[m][1],
            ties=tally[m][2],
            low_confidence=votes < min_votes,
        )
        for m, r, lo, hi, votes in rows
    ]
    ratings.sort(key=lambda x: (-x.rating, x.model))
    low = any(x.low_confidence for x in ratings)
    notes = [f"fewer than {min_votes} votes for some models: treat the order as provisional"] if low else []
    if not converged:
        notes.append(f"the fit did not converge in {iterations} iterations: the ratings are not reliable")
    if len(parts) > 1:
        listed = " and ".join("{" + ", ".join(p) + "}" for p in parts)
        notes.append(
            f"the comparison graph is disconnected: {listed} were never compared with each other, so ratings "
            "across those groups come from the prior, not from votes; ranks count only models of the same group"
        )
    return BTResult(
        ratings, len(outcomes), min_votes, prior, both_bad, converged, iterations, low, notes, len(parts) == 1, parts
    )


def bradley_terry(
    session: Session,
    *,
    rater: str | None = None,
    prior: float = 1.0,
    both_bad: Literal["tie", "ignore"] = "tie",
    min_votes: int = MIN_VOTES,
    blind_only: bool = False,
) -> BTResult:
    """Bradley–Terry over a session's preference votes (of one rater when named)."""
    outcomes = outcomes_of(session, rater=rater, both_bad=both_bad, blind_only=blind_only)
    return rate(outcomes, session.models, prior=prior, min_votes=min_votes, both_bad=both_bad)
