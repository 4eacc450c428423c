"""Is model A really better than model B on the same prompts? A paired comparison over shared cases.

For every pair of models, over the cases (prompts) both were judged on:

* the **difference** in pass rate, each case weighing the same: a case's rate for a model is the mean of
  its units (each unit averaged over its raters), over all its repeats;
* its 95 % **interval** from the paired cluster bootstrap (a case's two models resampled together, repeats
  within it), with the same small-sample t correction as the pass rates (tui/scoring/cluster.py);
* a **sign-flip permutation p** over cases: under "no difference" each case's difference is as likely
  negative as positive (exact up to 16 cases), **Holm**-adjusted across all pairs;
* the plain **reading**: "A better" / "B better" when the adjusted p < 0.05, "too few shared cases" below
  six (with five, even five wins out of five give p = 2/32), else "no clear difference";
* **cases needed**: shared cases for 80 % power to tell the two apart if the difference seen were real;
  "enough" when they already are told apart.

McNemar's exact test stays as a secondary figure only when every shared case has one repeat per model
(repeats are interchangeable, so pairing repeat r of A with repeat r of B would be arbitrary): units
(case, item) whose raters agree and are not partial, and only those where exactly one model passed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from itertools import combinations

from tui.core.model import Session
from tui.scoring.cluster import cases_for_power, paired_difference, sign_flip_p, t975
from tui.scoring.stats import Observation, Units, observations

ALPHA = 0.05
MIN_CASES = 6  # below this no sign pattern can reach p < 0.05 (2 / 2**5 = 0.0625)


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """Two-sided exact McNemar p-value: Binomial(n = a_only + b_only, 1/2), both tails."""
    n = a_only + b_only
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(a_only, b_only) + 1)) / 2**n
    return min(1.0, 2 * tail)


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [0.0] * len(p_values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


@dataclass(frozen=True)
class McNemar:
    """Secondary, one repeat only: units (case, item) judged for both, by outcome."""

    units: int
    both_pass: int
    both_fail: int
    a_only: int
    b_only: int
    mixed: int  # partial or raters split for either model: left out
    p_value: float


@dataclass(frozen=True)
class PairedComparison:
    a: str
    b: str
    cases: int  # shared cases
    rate_a: float  # over the shared cases, each case weighing the same
    rate_b: float
    difference: float  # rate_a - rate_b
    low: float
    high: float
    p_value: float  # sign-flip permutation over cases
    p_holm: float
    cases_needed: int | None  # shared cases for 80 % power; None when no difference was seen
    mcnemar: McNemar | None = None

    @property
    def reading(self) -> str:
        if self.cases < MIN_CASES:
            return f"too few shared cases ({self.cases} < {MIN_CASES})"
        if self.p_holm >= ALPHA:
            return "no clear difference"
        return f"{self.a if self.difference > 0 else self.b} better"

    @property
    def more_cases(self) -> str:
        """What it would take: "enough", "about N more shared cases", or "—" when nothing points either way."""
        if self.cases >= MIN_CASES and self.p_holm < ALPHA:
            return "enough"
        if self.cases_needed is None:
            return "— (no difference seen)"
        more = max(self.cases_needed, MIN_CASES) - self.cases
        return f"about {more} more" if more > 0 else "enough cases; the difference is in the noise"

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "reading": self.reading, "more_cases": self.more_cases}


def _case_clusters(units: Units) -> dict[tuple[str, str], list[tuple[float, int]]]:
    """(model, case) -> its runs' (sum of unit values, units)."""
    out: dict[tuple[str, str], list[tuple[float, int]]] = {}
    for run_id, (total, n, _) in units.by_run().items():
        model, case_id = units.run_of[run_id]
        out.setdefault((model, case_id), []).append((total, int(n)))
    return out


def _normalised(runs: Sequence[tuple[float, int]]) -> list[tuple[float, float]]:
    """A case's runs scaled so the case weighs 1 whatever its item and repeat counts."""
    total = sum(n for _, n in runs)
    return [(s / total, n / total) for s, n in runs]


def _mcnemar(units: Units, a: str, b: str, shared: list[str]) -> McNemar | None:
    counts = {"both_pass": 0, "both_fail": 0, "a_only": 0, "b_only": 0, "mixed": 0}
    by: dict[tuple[str, str], dict[str, float | None]] = {}  # (case, item) -> model -> 1/0, None when mixed
    wanted = set(shared)
    for (run_id, item_id), (total, k) in units.cells.items():
        model, case_id = units.run_of[run_id]
        if model in (a, b) and case_id in wanted:
            value = total / k
            by.setdefault((case_id, item_id), {})[model] = value if value in (0.0, 1.0) else None
    for outcome in by.values():
        if a not in outcome or b not in outcome:
            continue
        va, vb = outcome[a], outcome[b]
        if va is None or vb is None:
            counts["mixed"] += 1
        elif va == vb:
            counts["both_pass" if va else "both_fail"] += 1
        else:
            counts["a_only" if va else "b_only"] += 1
    units_n = sum(counts.values())
    if not units_n:
        return None
    return McNemar(units_n, **counts, p_value=mcnemar_exact(counts["a_only"], counts["b_only"]))


def paired_comparisons(
    session: Session, rater: str | None = None, obs: Iterable[Observation] | None = None
) -> list[PairedComparison]:
    """Every pair of the session's models (in session order) that share at least one judged case."""
    units = Units(observations(session, rater) if obs is None else obs)
    clusters = _case_clusters(units)
    case_order = [c.id for c in session.cases]
    raw = []
    for a, b in combinations(list(dict.fromkeys(session.models)), 2):
        shared = [c for c in case_order if (a, c) in clusters and (b, c) in clusters]
        if not shared:
            continue
        ca = [_normalised(clusters[(a, c)]) for c in shared]
        cb = [_normalised(clusters[(b, c)]) for c in shared]
        diff, var = paired_difference(ca, cb)
        g = len(shared)
        half = t975(g - 1) * math.sqrt(var) if g > 1 else 1.0
        case_diffs = [sum(s for s, _ in x) - sum(s for s, _ in y) for x, y in zip(ca, cb, strict=True)]
        one_repeat = all(len(clusters[(m, c)]) == 1 for m in (a, b) for c in shared)
        raw.append(
            dict(
                a=a,
                b=b,
                cases=g,
                rate_a=round(sum(sum(s for s, _ in x) for x in ca) / g, 4),
                rate_b=round(sum(sum(s for s, _ in y) for y in cb) / g, 4),
                difference=round(diff, 4),
                low=round(max(-1.0, diff - half), 4),
                high=round(min(1.0, diff + half), 4),
                p_value=sign_flip_p(case_diffs),
                cases_needed=cases_for_power(diff, var, g),
                mcnemar=_mcnemar(units, a, b, shared) if one_repeat else None,
            )
        )
    adjusted = holm([r["p_value"] for r in raw])
    return [PairedComparison(**r, p_holm=p) for r, p in zip(raw, adjusted, strict=True)]  # type: ignore[arg-type]
