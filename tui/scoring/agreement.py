"""Inter-rater agreement: percent agreement, Cohen's kappa (two raters), Fleiss' kappa (more), and Krippendorff's
alpha.

A *unit* is one checklist item of one run. For percent agreement and kappa only units every compared rater gave a
verdict on count, so a rater who skipped half the session does not drag the figures down with missing data;
Krippendorff's alpha is built for missing data and takes every unit at least two raters judged. The
verdicts compared are the effective ones (parent rule applied), because those are what the pass
rates count; the four verdicts pass / partial / fail / na are nominal categories.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

from tui.core.model import VERDICTS, Session
from tui.scoring.stats import effective_verdicts


def percent_agreement(table: Sequence[Sequence[int]]) -> float | None:
    """Mean over units of the share of agreeing rater pairs (Fleiss' P-bar); exact agreement for two."""
    values = [_unit_agreement(row) for row in table if sum(row) >= 2]
    return sum(values) / len(values) if values else None


def _unit_agreement(row: Sequence[int]) -> float:
    n = sum(row)
    return (sum(c * c for c in row) - n) / (n * (n - 1))


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa for two raters' labels on the same units; None when chance agreement is 1
    (both raters used one and the same label throughout, so kappa is undefined)."""
    n = len(pairs)
    if not n:
        return None
    observed = sum(1 for a, b in pairs if a == b) / n
    first: dict[str, int] = {}
    second: dict[str, int] = {}
    for a, b in pairs:
        first[a] = first.get(a, 0) + 1
        second[b] = second.get(b, 0) + 1
    expected = sum(first[k] * second.get(k, 0) for k in first) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1 - expected)


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


def krippendorff_alpha(units: Sequence[Sequence[str]]) -> float | None:
    """Krippendorff's alpha for nominal labels; each unit lists the labels it got (any number, missing left out).

    From the coincidence matrix: a unit with m labels adds 1/(m-1) for each ordered pair of its labels;
    alpha = 1 - D_o / D_e. None when there is no pairable unit or only one label was ever used.
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
    observed = sum(v for (a, b), v in coincide.items() if a != b) / n
    expected = sum(totals[a] * totals[b] for a in totals for b in totals if a != b) / (n * (n - 1))
    if expected == 0:
        return None
    return 1 - observed / expected


@dataclass(frozen=True)
class Figures:
    units: int
    percent: float | None  # 0..1
    kappa: float | None
    method: str  # "cohen" (two raters) or "fleiss" (three or more)
    alpha: float | None = None  # Krippendorff, over every unit two or more raters judged
    alpha_units: int = 0

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
    verdicts: dict[str, str]  # rater -> effective verdict


@dataclass
class Agreement:
    raters: list[str]
    overall: Figures
    per_item: dict[str, Figures] = field(default_factory=dict)  # "case_id/item_id" -> figures
    per_pair: dict[str, Figures] = field(default_factory=dict)  # "rater1 | rater2" -> Cohen figures
    disagreements: list[Disagreement] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def figures(labels: Sequence[Sequence[str]]) -> Figures:
    """Agreement over units, each a sequence of the raters' labels in a fixed rater order."""
    method = "cohen" if labels and len(labels[0]) == 2 else "fleiss"
    if not labels:
        return Figures(0, None, None, method)
    if method == "cohen":  # two raters: the pair table is all that is needed (and the common, hot case)
        pairs = [(row[0], row[1]) for row in labels]
        percent: float | None = sum(1 for a, b in pairs if a == b) / len(pairs)
        return Figures(len(labels), _r(percent), _r(cohen_kappa(pairs)), method)
    table = [[row.count(v) for v in VERDICTS] for row in labels]
    percent = percent_agreement(table)
    return Figures(len(labels), _r(percent), _r(fleiss_kappa(table)), method)


def agreement(session: Session, raters: Sequence[str] | None = None) -> Agreement | None:
    """Agreement among ``raters`` (default: everyone who scored), None with fewer than two raters."""
    names = list(raters) if raters is not None else list(dict.fromkeys(s.rater for s in session.scores))
    if len(names) < 2:
        return None
    cases = {c.id: c for c in session.cases}
    runs = {r.id: r for r in session.runs}
    by_run: dict[str, dict[str, dict[str, str]]] = {}  # run -> rater -> item -> verdict
    for score in session.scores:
        run = runs.get(score.run_id)
        if score.rater in names and run is not None and run.case_id in cases:
            checklist = cases[run.case_id].checklist
            by_run.setdefault(run.id, {})[score.rater] = dict(effective_verdicts(checklist, score.verdicts))

    units: list[tuple[str, str, list[str]]] = []  # (run id, item id, labels in rater order)
    pairable: dict[str, list[list[str]]] = {}  # "case/item" -> every unit's labels from whoever judged it
    for run in session.runs:  # session order keeps the disagreement list stable
        given = by_run.get(run.id, {})
        for item in cases[run.case_id].checklist:
            labels = [given.get(name, {}).get(item.id) for name in names]
            present = [str(label) for label in labels if label is not None]
            if len(present) >= 2:
                pairable.setdefault(f"{run.case_id}/{item.id}", []).append(present)
            if len(present) == len(names):
                units.append((run.id, item.id, present))

    everything = [labels for rows in pairable.values() for labels in rows]
    result = Agreement(names, _with_alpha(figures([u[2] for u in units]), everything))
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
    result.per_item = {key: _with_alpha(figures(rows), pairable.get(key, [])) for key, rows in per_item.items()}
    if len(names) > 2:
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                result.per_pair[f"{a} | {b}"] = (agreement(session, [a, b]) or result).overall
    return result


def _with_alpha(base: Figures, units: Sequence[Sequence[str]]) -> Figures:
    return replace(base, alpha=_r(krippendorff_alpha(units)), alpha_units=len(units))


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
