"""Can the judge (or the machine check) be trusted here? Agreement of each AI judge and each kind of machine
check with each human rater, per checklist item, per category and overall: Cohen's kappa with a bootstrap
interval, percent agreement and the confusion counts.

A unit is one item of one output that both the scorer and the person gave a verdict to, compared raw (before
the parent rule). Items the judge did not ask because their parent failed are left out: the judge never looked.
n/a is a verdict like the others (as in tui/scoring/agreement.py's nominal figures). A machine check says pass or
fail only, on the image the run shows now (``raters.measured_checks``): a person's partial or n/a against it is a
disagreement, honestly so (the check cannot say "partly").

The kappa interval is a percentile bootstrap that resamples outputs (all the units of one image move together),
seeded so the same session always gives the same interval. A scope is *flagged* when it cannot be trusted yet:
kappa below ``THRESHOLD``, its interval reaching 0 (no better than chance, as far as the data can tell), kappa
undefined (one label only), or fewer than ``MIN_UNITS`` units.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

from tui.core.model import VERDICTS, Session
from tui.scoring.agreement import cohen_kappa
from tui.scoring.raters import check_names, human_names, is_judge, judge_names, machine_scores
from tui.scoring.stats import category_of, latest_scores

THRESHOLD = 0.4  # below: weak agreement (Landis & Koch's "fair" or worse)
MIN_UNITS = 5
MIN_CLUSTERS = 5  # fewer outputs than this and a bootstrap only reshuffles the same few: no interval
BOOTSTRAP = 1000
SEED = 20260301


@dataclass(frozen=True)
class TrustFigures:
    units: int
    percent: float | None
    kappa: float | None
    kappa_low: float | None
    kappa_high: float | None
    confusion: list[list[int]]  # rows: the person's verdict, columns: the scorer's, both in VERDICTS order
    flag: str = ""  # why this scope cannot be trusted yet; "" when it can

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Trust:
    scorer: str  # "judge:PROVIDER:MODEL" or "check:KIND"
    kind: Literal["judge", "check"]
    human: str
    overall: TrustFigures
    per_category: dict[str, TrustFigures] = field(default_factory=dict)
    per_item: dict[str, TrustFigures] = field(default_factory=dict)  # "case_id/item_id"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def confusion(pairs: Sequence[tuple[str, str]]) -> list[list[int]]:
    index = {v: i for i, v in enumerate(VERDICTS)}
    table = [[0] * len(VERDICTS) for _ in VERDICTS]
    for human, judge in pairs:
        table[index[human]][index[judge]] += 1
    return table


def kappa_of_counts(table: Sequence[Sequence[int]]) -> float | None:
    """Cohen's kappa from a square confusion table (rows one rater, columns the other); None when chance is 1."""
    n = sum(sum(row) for row in table)
    if not n:
        return None
    rows = [sum(row) for row in table]
    cols = [sum(col) for col in zip(*table, strict=True)]
    observed = sum(table[i][i] for i in range(len(table))) / n
    expected = sum(r * c for r, c in zip(rows, cols, strict=True)) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1 - expected)


def bootstrap_kappa(
    clusters: Sequence[Sequence[tuple[str, str]]], *, draws: int = BOOTSTRAP, seed: int = SEED
) -> tuple[float | None, float | None]:
    """95 % percentile interval of Cohen's kappa, resampling clusters (outputs) with replacement. None with fewer
    than ``MIN_CLUSTERS`` outputs, or when too few resamples have a kappa (all one label) to say anything."""
    groups = [confusion(c) for c in clusters if c]
    if len(groups) < MIN_CLUSTERS:
        return None, None
    size = len(VERDICTS)
    flat = [[cell for row in g for cell in row] for g in groups]
    rng = random.Random(seed)
    values = []
    for _ in range(draws):
        total = [0] * (size * size)
        for _ in groups:
            for index, cell in enumerate(flat[rng.randrange(len(flat))]):
                total[index] += cell
        k = kappa_of_counts([total[i * size : (i + 1) * size] for i in range(size)])
        if k is not None:
            values.append(k)
    if len(values) < draws / 2:
        return None, None
    values.sort()
    return _r(values[int(0.025 * (len(values) - 1))]), _r(values[round(0.975 * (len(values) - 1))])


def trust_figures(clusters: Sequence[Sequence[tuple[str, str]]], *, threshold: float = THRESHOLD) -> TrustFigures:
    """Figures over (person, judge) verdict pairs grouped by output."""
    pairs = [p for c in clusters for p in c]
    n = len(pairs)
    kappa = cohen_kappa(pairs) if pairs else None
    low, high = bootstrap_kappa(clusters) if pairs else (None, None)
    if n < MIN_UNITS:
        flag = f"fewer than {MIN_UNITS} units"
    elif kappa is None:
        flag = "kappa undefined (one verdict only)"
    elif kappa < threshold:
        flag = f"kappa below {threshold:.2f}"
    elif low is not None and low <= 0:
        flag = "interval reaches chance (kappa 0)"
    else:
        flag = ""
    percent = sum(1 for a, b in pairs if a == b) / n if n else None
    return TrustFigures(n, _r(percent), _r(kappa), low, high, confusion(pairs), flag)


Verdicts = dict[str, dict[str, str]]  # run -> item -> raw verdict
Scopes = dict[str, dict[str, list[tuple[str, str]]]]  # scope -> run -> (person, scorer) pairs


def trust(session: Session, *, threshold: float = THRESHOLD) -> list[Trust]:
    """One entry per (scorer, person) pair that shares at least one unit: the judges, then the machine checks by
    kind, then people, each in order of first score (or result)."""
    scores, _ = latest_scores(session.scores)
    cases = {c.id: c for c in session.cases}
    runs = {r.id: r for r in session.runs if r.case_id in cases}
    given: dict[str, Verdicts] = {}  # rater -> run -> item -> raw verdict
    skipped: dict[tuple[str, str], set[str]] = {}  # (judge, run) -> items not asked
    for s in scores:
        if s.run_id not in runs:
            continue
        given.setdefault(s.rater, {})[s.run_id] = dict(s.verdicts)
        if is_judge(s) and s.judge is not None:
            skipped[(s.rater, s.run_id)] = set(s.judge.skipped)
    measured: dict[str, Verdicts] = {}  # kept apart: a person may be called anything, "check:ocr" too
    for s in machine_scores(session, by_kind=True):
        if s.run_id in runs:
            measured.setdefault(s.rater, {})[s.run_id] = dict(s.verdicts)
    scorers: list[tuple[str, Literal["judge", "check"], Verdicts]] = [
        *((j, "judge", given.get(j, {})) for j in judge_names(session)),
        *((c, "check", measured.get(c, {})) for c in check_names(session)),
    ]
    out = []
    for scorer, kind, ours in scorers:
        for human in human_names(session):
            by_scope: Scopes = {}
            for run_id, theirs in given.get(human, {}).items():
                verdicts = ours.get(run_id)
                if verdicts is None:
                    continue
                case = cases[runs[run_id].case_id]
                left_out = skipped.get((scorer, run_id), set()) if kind == "judge" else set()
                for item in case.checklist:
                    a, b = theirs.get(item.id), verdicts.get(item.id)
                    if a is None or b is None or item.id in left_out:
                        continue
                    for scope in ("", f"cat:{category_of(case)}", f"item:{case.id}/{item.id}"):
                        by_scope.setdefault(scope, {}).setdefault(run_id, []).append((a, b))
            if by_scope:
                out.append(_entry(scorer, kind, human, by_scope, threshold))
    return out


def _entry(scorer: str, kind: Literal["judge", "check"], human: str, by_scope: Scopes, threshold: float) -> Trust:
    def fig(scope: str) -> TrustFigures:
        return trust_figures(list(by_scope[scope].values()), threshold=threshold)

    entry = Trust(scorer, kind, human, fig(""))
    for scope in by_scope:
        if scope.startswith("cat:"):
            entry.per_category[scope[4:]] = fig(scope)
        elif scope.startswith("item:"):
            entry.per_item[scope[5:]] = fig(scope)
    return entry


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
