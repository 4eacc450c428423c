"""Is model A really better than model B on the same prompts? McNemar's exact test on paired checklist verdicts.

Two models answered the same case (and repeat); each checklist item was judged for both. The pairs where only one
model passed are the evidence: under "no difference" each is a coin flip, so the two-sided exact binomial test on
those discordant pairs gives the p-value. With several models, Holm's step-down adjustment keeps the chance of any
false "better" at 5 % across all the pairs compared.

A unit is one (case, repeat, item): with several raters their verdicts are averaged first, since raters of one
picture are not independent samples; a unit counts as pass (1) or fail (0) only when it is unanimous and not
partial, and is left out otherwise (counted as "mixed"). Items within one prompt are correlated, so the p-value is a
guide, not a guarantee.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from itertools import combinations

from tui.core.model import Session
from tui.scoring.stats import Observation, observations

ALPHA = 0.05
MIN_PAIRS = 6  # below this no outcome can reach p < 0.05 (2 * 0.5**5 = 0.0625): say so instead of "no difference"


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
class PairedComparison:
    a: str
    b: str
    units: int  # (case, repeat, item) judged for both models
    both_pass: int
    both_fail: int
    a_only: int  # a passed, b failed
    b_only: int
    mixed: int  # partial or raters split for either model: left out of the test
    p_value: float
    p_holm: float

    @property
    def reading(self) -> str:
        if self.a_only + self.b_only < MIN_PAIRS:
            return f"too few discordant pairs (< {MIN_PAIRS}) to tell"
        if self.p_holm >= ALPHA:
            return "no clear difference"
        return f"{self.a if self.a_only > self.b_only else self.b} better"

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "reading": self.reading}


def _unit_values(session: Session, obs: Iterable[Observation]) -> dict[tuple[str, int, str], dict[str, float | None]]:
    """(case, repeat, item) -> model -> 1.0 / 0.0 when unanimous and not partial, None when mixed."""
    repeat = {r.id: r.repeat for r in session.runs}
    collected: dict[tuple[str, int, str], dict[str, list[float]]] = {}
    for o in obs:
        key = (o.case_id, repeat.get(o.run_id, 0), o.item_id)
        collected.setdefault(key, {}).setdefault(o.model, []).append(o.value)
    return {
        key: {m: (values[0] if values[0] in (0.0, 1.0) and len(set(values)) == 1 else None) for m, values in by.items()}
        for key, by in collected.items()
    }


def paired_comparisons(
    session: Session, rater: str | None = None, obs: Iterable[Observation] | None = None
) -> list[PairedComparison]:
    """Every pair of the session's models (in session order) on the units both were judged on."""
    units = _unit_values(session, observations(session, rater) if obs is None else obs)
    raw = []
    for a, b in combinations(list(dict.fromkeys(session.models)), 2):
        both_pass = both_fail = a_only = b_only = mixed = 0
        for by_model in units.values():
            if a not in by_model or b not in by_model:
                continue
            va, vb = by_model[a], by_model[b]
            if va is None or vb is None:
                mixed += 1
            elif va and vb:
                both_pass += 1
            elif not va and not vb:
                both_fail += 1
            elif va:
                a_only += 1
            else:
                b_only += 1
        units_compared = both_pass + both_fail + a_only + b_only + mixed
        if units_compared:
            raw.append((a, b, units_compared, both_pass, both_fail, a_only, b_only, mixed))
    adjusted = holm([mcnemar_exact(r[5], r[6]) for r in raw])
    return [
        PairedComparison(*r, p_value=mcnemar_exact(r[5], r[6]), p_holm=p) for r, p in zip(raw, adjusted, strict=True)
    ]
