"""Inter-rater agreement on what the raters said: percent agreement, Cohen's kappa (two raters) or Fleiss'
kappa (more), Krippendorff's alpha, and beside them the figures that know pass > partial > fail.

A *unit* is one checklist item of one run. The verdicts compared are the **raw** ones, before the parent
rule: a child forced to fail because its parent failed would agree automatically and flatter the figures.
Each rater's latest score of a run counts (one per rater and run).

n/a policy, stated once: for the nominal figures (percent, kappa, nominal alpha) n/a is a verdict like the
others, so "n/a" against "fail" is a disagreement. The ordered figures (linearly weighted kappa, ordinal
alpha) leave out every verdict of n/a, since it has no place on the fail < partial < pass scale.

Percent agreement and kappa take the units every compared rater judged; alpha is built for missing data
and takes every unit at least two raters judged. Per checklist item, the percent agreement comes with a
95 % interval over that item's runs (the cluster interval of tui/scoring/cluster.py, runs as clusters).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from tui.core.model import VERDICTS, Session
from tui.scoring.cluster import cluster_interval
from tui.scoring.stats import latest_scores

ORDER = {"fail": 0, "partial": 1, "pass": 2}  # the ordered scale; na has no place on it


def percent_agreement(table: Sequence[Sequence[int]]) -> float | None:
    """Mean over units of the share of agreeing rater pairs (Fleiss' P-bar); exact agreement for two."""
    values = [_unit_agreement(row) for row in table if sum(row) >= 2]
    return sum(values) / len(values) if values else None


def _unit_agreement(row: Sequence[int]) -> float:
    n = sum(row)
    return (sum(c * c for c in row) - n) / (n * (n - 1))


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa for two raters' labels on the same units; None when chance agreement is 1."""
    return weighted_kappa(pairs, weights=None)


def weighted_kappa(
    pairs: Sequence[tuple[str, str]], *, weights: str | None = "linear", order: dict[str, int] | None = None
) -> float | None:
    """Cohen's kappa with disagreement weights: None (nominal: every disagreement costs 1), "linear"
    (|i − j| / (k − 1)) or "quadratic" on the ``order`` of the labels (default fail < partial < pass).
    kappa = 1 − Σ w·observed / Σ w·expected, expected from the two raters' own marginals."""
    n = len(pairs)
    if not n:
        return None
    rank = order or ORDER
    labels = sorted({x for p in pairs for x in p}, key=lambda x: (rank.get(x, len(rank)), x))
    span = max((rank.get(x, 0) for x in labels), default=0) - min((rank.get(x, 0) for x in labels), default=0)

    def w(a: str, b: str) -> float:
        if weights is None:
            return 0.0 if a == b else 1.0
        d = abs(rank[a] - rank[b]) / (span or 1)
        return d if weights == "linear" else d * d

    first: dict[str, int] = {}
    second: dict[str, int] = {}
    observed = 0.0
    for a, b in pairs:
        first[a] = first.get(a, 0) + 1
        second[b] = second.get(b, 0) + 1
        observed += w(a, b)
    expected = sum(first[a] * second[b] * w(a, b) for a in first for b in second) / n
    if expected <= 0:
        return None
    return 1 - observed / expected


def fleiss_kappa(table: Sequence[Sequence[int]]) -> float | None:
    """Fleiss' kappa from a units x categories count table, each row summing to the same rater count."""
    rows = [list(r) for r in table]
    if not rows:
        return None
    n = sum(rows[0])
    if n < 2 or any(sum(r) != n for r in rows):
        raise ValueError("every unit needs the same number (>= 2) of ratings")
    total = n * len(rows)
    shares = [sum(r[j] for r in rows) / total for j in range(len(rows[0]))]
    expected = sum(p * p for p in shares)
    observed = sum(_unit_agreement(r) for r in rows) / len(rows)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(
    units: Sequence[Sequence[str]], *, level: str = "nominal", order: dict[str, int] | None = None
) -> float | None:
    """Krippendorff's alpha; each unit lists the labels it got (any number, missing left out).

    From the coincidence matrix: a unit with m labels adds 1/(m-1) for each ordered pair of its labels;
    alpha = 1 − D_o / D_e with the nominal metric (0 same, 1 different) or the ordinal one on ``order``
    (default fail < partial < pass): δ(c, k) = (Σ n_g for g from c to k − (n_c + n_k) / 2)².
    None when no unit is pairable or only one label was ever used.
    """
    coincide: dict[tuple[str, str], float] = {}
    for labels in units:
        m = len(labels)
        if m < 2:
            continue
        for i, a in enumerate(labels):
            for j, b in enumerate(labels):
                if i != j:
                    coincide[(a, b)] = coincide.get((a, b), 0.0) + 1 / (m - 1)
    totals: dict[str, float] = {}
    for (a, _b), value in coincide.items():
        totals[a] = totals.get(a, 0.0) + value
    n = sum(totals.values())
    if n <= 1:
        return None
    if level == "nominal":

        def delta(a: str, b: str) -> float:
            return 0.0 if a == b else 1.0
    else:
        rank = order or ORDER
        scale = sorted(totals, key=lambda x: rank[x])

        def delta(a: str, b: str) -> float:
            lo, hi = sorted((scale.index(a), scale.index(b)))
            between = sum(totals[scale[g]] for g in range(lo, hi + 1))
            return (between - (totals[a] + totals[b]) / 2) ** 2

    observed = sum(v * delta(a, b) for (a, b), v in coincide.items()) / n
    expected = sum(totals[a] * totals[b] * delta(a, b) for a in totals for b in totals) / (n * (n - 1))
    if expected == 0:
        return None
    return 1 - observed / expected


@dataclass(frozen=True)
class Figures:
    units: int
    percent: float | None  # 0..1
    kappa: float | None
    method: str  # "cohen" (two raters) or "fleiss" (three or more): by the raters compared, not the units
    alpha: float | None = None  # Krippendorff, nominal, over every unit two or more raters judged
    alpha_units: int = 0
    weighted_kappa: float | None = None  # two raters: linear weights on fail < partial < pass, n/a left out
    ordinal_alpha: float | None = None  # Krippendorff, ordinal, n/a left out
    ordinal_units: int = 0
    percent_low: float | None = None  # per item: 95 % interval of the percent agreement over its runs
    percent_high: float | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Disagreement:
    run_id: str
    case_id: str
    case_label: str
    model: str
    item_id: str
    criterion: str
    verdicts: dict[str, str]  # rater -> raw verdict


@dataclass
class Agreement:
    raters: list[str]
    overall: Figures
    per_item: dict[str, Figures] = field(default_factory=dict)  # "case_id/item_id" -> figures
    per_pair: dict[str, Figures] = field(default_factory=dict)  # "rater1 | rater2" -> Cohen figures
    disagreements: list[Disagreement] = field(default_factory=list)
    duplicates_dropped: int = 0  # older second scores of one rater for one run, not counted
    na_policy: str = (
        "n/a is a category of its own for percent, kappa and nominal alpha; "
        "weighted kappa and ordinal alpha leave n/a out"
    )

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def figures(labels: Sequence[Sequence[str]], raters: int | None = None, *, pairable=None) -> Figures:
    """Agreement over units, each a sequence of the raters' labels in a fixed rater order. ``pairable``:
    every unit's labels from whoever judged it (for alpha); defaults to ``labels``."""
    count = raters if raters is not None else (len(labels[0]) if labels else 2)
    method = "cohen" if count == 2 else "fleiss"
    pairable = labels if pairable is None else pairable
    ordinal = [[x for x in unit if x in ORDER] for unit in pairable]
    ordinal = [u for u in ordinal if len(u) >= 2]
    base = {
        "alpha": _r(krippendorff_alpha(pairable)),
        "alpha_units": len(pairable),
        "ordinal_alpha": _r(krippendorff_alpha(ordinal, level="ordinal")),
        "ordinal_units": len(ordinal),
    }
    if not labels:
        return Figures(0, None, None, method, **base)
    if method == "cohen":
        pairs = [(row[0], row[1]) for row in labels]
        percent: float | None = sum(1 for a, b in pairs if a == b) / len(pairs)
        ordered = [(a, b) for a, b in pairs if a in ORDER and b in ORDER]
        return Figures(
            len(labels), _r(percent), _r(cohen_kappa(pairs)), method, weighted_kappa=_r(weighted_kappa(ordered)), **base
        )
    table = [[row.count(v) for v in VERDICTS] for row in labels]
    return Figures(len(labels), _r(percent_agreement(table)), _r(fleiss_kappa(table)), method, **base)


def agreement(session: Session, raters: Sequence[str] | None = None) -> Agreement | None:
    """Agreement among ``raters`` (default: everyone who scored), None with fewer than two raters."""
    scores, dropped = latest_scores(session.scores)
    names = list(raters) if raters is not None else list(dict.fromkeys(s.rater for s in scores))
    if len(names) < 2:
        return None
    cases = {c.id: c for c in session.cases}
    runs = {r.id: r for r in session.runs}
    by_run: dict[str, dict[str, dict[str, str]]] = {}  # run -> rater -> item -> raw verdict
    for score in scores:
        run = runs.get(score.run_id)
        if score.rater in names and run is not None and run.case_id in cases:
            by_run.setdefault(run.id, {})[score.rater] = dict(score.verdicts)

    units: list[tuple[str, str, list[str]]] = []  # (run id, item id, labels in rater order)
    pairable: dict[str, list[list[str]]] = {}  # "case/item" -> every unit's labels from whoever judged it
    for run in session.runs:  # session order keeps the disagreement list stable
        given = by_run.get(run.id, {})
        if run.case_id not in cases:
            continue
        for item in cases[run.case_id].checklist:
            labels = [given.get(name, {}).get(item.id) for name in names]
            present = [str(label) for label in labels if label is not None]
            if len(present) >= 2:
                pairable.setdefault(f"{run.case_id}/{item.id}", []).append(present)
            if len(present) == len(names):
                units.append((run.id, item.id, present))

    everything = [labels for rows in pairable.values() for labels in rows]
    result = Agreement(names, figures([u[2] for u in units], len(names), pairable=everything))
    result.duplicates_dropped = dropped
    per_item: dict[str, list[list[str]]] = {}
    for run_id, item_id, labels in units:
        per_item.setdefault(f"{runs[run_id].case_id}/{item_id}", []).append(labels)
        if len(set(labels)) > 1:
            run = runs[run_id]
            case = cases[run.case_id]
            criterion = next((i.criterion for i in case.checklist if i.id == item_id), "")
            result.disagreements.append(
                Disagreement(
                    run_id, case.id, case.label, run.model, item_id, criterion, dict(zip(names, labels, strict=True))
                )
            )
    for key, rows in per_item.items():
        base = figures(rows, len(names), pairable=pairable.get(key, []))
        shares = tuple(((_unit_share(row), 1),) for row in rows)  # each run of the item is one cluster
        fit = cluster_interval(shares)
        low, high = (None, None) if fit is None else (_r(fit[1]), _r(fit[2]))
        result.per_item[key] = Figures(**{**asdict(base), "percent_low": low, "percent_high": high})
    if len(names) > 2:
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                result.per_pair[f"{a} | {b}"] = (agreement(session, [a, b]) or result).overall
    return result


def _unit_share(labels: Sequence[str]) -> float:
    """The share of agreeing rater pairs on one unit (1 or 0 for two raters)."""
    return _unit_agreement([list(labels).count(v) for v in dict.fromkeys(labels)])


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
