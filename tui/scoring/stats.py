"""Pass rates of a session: per model, per category and per checklist item, with intervals that respect
the data's clustering (tui/scoring/cluster.py).

A verdict counts pass = 1, partial = 1/2, fail = 0; ``na`` is left out; a child item fails when its
parent fails (the DSG rule). A *unit* is one checklist item of one run: with several raters its value is
first averaged over the raters who judged it, so a unit scored by three people weighs what a unit scored
by one does (two people looking at one picture are not two samples of the model). Rates pool units;
intervals come from the cluster bootstrap over cases (prompts), runs resampled within cases.
Each rater has one score per run: when a store holds two (an import of an older copy), the latest counts.
The per-model summary (runs, strict pass, latency, cost) is in tui/scoring/summary.py.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from tui.core.model import Case, ChecklistItem, Score, Session, Verdict
from tui.core.tallies import parent_chains  # one rule for the statistics and the session index
from tui.scoring.cluster import Z95, cluster_interval, moments_interval, wilson

VERDICT_VALUE: dict[str, float] = {"pass": 1.0, "partial": 0.5, "fail": 0.0}
FREE_PROMPT = "free prompt"


def effective_verdicts(checklist: Iterable[ChecklistItem], verdicts: dict[str, Verdict]) -> dict[str, Verdict]:
    """A child item counts as failed when its parent failed (DSG-style), whatever was marked on it."""
    chains = parent_chains(checklist)
    out: dict[str, Verdict] = {}
    for item_id, chain in chains:
        verdict = verdicts.get(item_id)
        if verdict is None:
            continue
        if any(verdicts.get(p) == "fail" for p in chain):
            verdict = "fail"
        out[item_id] = verdict
    return out


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), None for no data."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def wilson_interval(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for ``successes`` of ``n`` *independent* trials (fractional allowed).
    n = 0 gives (0, 1): nothing is known."""
    return wilson(successes / n if n > 0 else 0.0, n, z)


@dataclass(frozen=True, slots=True)
class Rate:
    """A pass rate, its 95 % interval and the counts behind it.

    ``low``/``high`` is the cluster-bootstrap interval; ``wilson_low``/``wilson_high`` is what Wilson
    would say *if units were independent* (they are not: it is shown to make the difference visible).
    Immutable, so equal rates can be one shared object.
    """

    passed: float = 0.0  # sum of unit values (each unit averaged over its raters; partial = 0.5)
    scored: int = 0  # verdicts behind them (na excluded), every rater's
    units: int = 0  # distinct (run, item) units: passed / units is the rate
    rate: float | None = None
    low: float | None = None
    high: float | None = None
    cases: int = 0  # clusters the interval resampled (cases; runs for one item or one case)
    wilson_low: float | None = None
    wilson_high: float | None = None

    @classmethod
    def of(cls, passed: float, scored: int, units: int | None = None) -> Rate:
        """passed / scored, with Wilson intervals sized by ``units`` as if they were independent."""
        return _independent(float(passed), int(scored), int(scored if units is None else units))

    @classmethod
    def clustered(cls, clusters: tuple[tuple[tuple[float, int], ...], ...], scored: int) -> Rate:
        """A rate over cases → runs → (sum of unit values, units)."""
        return _clustered(clusters, int(scored))

    @classmethod
    def from_moments(cls, cases: tuple[tuple[float, float, int, float, float, float], ...], scored: int) -> Rate:
        """A rate from per-case moments of its runs (Σs, Σn, runs, Σs², Σs·n, Σn²): the same as ``clustered``."""
        return _from_moments(cases, int(scored))

    def to_dict(self) -> dict[str, object]:
        # By hand, not dataclasses.asdict: that deep-copies, and a report builds thousands of these.
        return {k: getattr(self, k) for k in _RATE_FIELDS}


_RATE_FIELDS = ("passed", "scored", "units", "rate", "low", "high", "cases", "wilson_low", "wilson_high")


def _r4(x: float) -> float:
    return round(x, 4)


@functools.lru_cache(maxsize=8192)
def _independent(passed: float, scored: int, units: int) -> Rate:
    if not scored:
        return Rate(passed, scored, units)
    rate = passed / scored
    low, high = wilson(rate, units)
    return Rate(_r4(passed), scored, units, _r4(rate), _r4(low), _r4(high), units, _r4(low), _r4(high))


@functools.lru_cache(maxsize=16384)
def _clustered(clusters: tuple[tuple[tuple[float, int], ...], ...], scored: int) -> Rate:
    # Item cells repeat the same few small shapes thousands of times across a store: build each once.
    units = sum(n for runs in clusters for _, n in runs)
    fit = cluster_interval(clusters)
    if fit is None:
        return Rate(0.0, scored, 0)
    rate, low, high, _ = fit
    passed = sum(s for runs in clusters for s, _ in runs)
    w_low, w_high = wilson(rate, units)
    g = len(clusters) if len(clusters) > 1 else len(clusters[0])
    return Rate(_r4(passed), scored, units, _r4(rate), _r4(low), _r4(high), g, _r4(w_low), _r4(w_high))


@functools.lru_cache(maxsize=4096)
def _from_moments(cases: tuple[tuple[float, float, int, float, float, float], ...], scored: int) -> Rate:
    fit = moments_interval(cases)
    if fit is None:
        return Rate(0.0, scored, 0)
    rate, low, high, _ = fit
    units = round(sum(c[1] for c in cases))
    passed = sum(c[0] for c in cases)
    w_low, w_high = wilson(rate, units)
    g = len(cases) if len(cases) > 1 else cases[0][2]
    return Rate(_r4(passed), scored, units, _r4(rate), _r4(low), _r4(high), g, _r4(w_low), _r4(w_high))


EMPTY = Rate()


@functools.lru_cache(maxsize=1024)
def _one_unit(value: float, verdicts: int) -> Rate:
    return _clustered((((value, 1),),), verdicts)


class Observation(NamedTuple):
    """One rater's effective verdict on one checklist item of one run (na already dropped)."""

    run_id: str
    model: str
    case_id: str
    item_id: str
    rater: str
    value: float


def category_of(case: Case) -> str:
    return case.category or case.preset_id or FREE_PROMPT


def latest_scores(scores: Iterable[Score]) -> tuple[list[Score], int]:
    """One score per (rater, run), the latest by ``scored_at`` (the later one in the list on a tie), in
    the order of the kept ones; and how many duplicates were dropped."""
    kept: dict[tuple[str, str], Score] = {}
    total = 0
    for score in scores:
        total += 1
        key = (score.rater, score.run_id)
        old = kept.get(key)
        if old is None or score.scored_at >= old.scored_at:
            kept[key] = score
    return list(kept.values()), total - len(kept)


def observations(session: Session, rater: str | None = None) -> Iterator[Observation]:
    """Every counted verdict of the session (of one rater when named), after the parent rule."""
    chains = {c.id: parent_chains(c.checklist) for c in session.cases}
    runs = {r.id: r for r in session.runs}
    make = tuple.__new__  # Observation(...) without the generated __new__'s extra Python frame: hot loop
    scores = session.scores
    if len({(s.rater, s.run_id) for s in scores}) != len(scores):
        scores = latest_scores(scores)[0]
    for score in scores:
        if rater is not None and score.rater != rater:
            continue
        run = runs.get(score.run_id)
        items = chains.get(run.case_id) if run else None
        if run is None or items is None:
            continue
        verdicts = score.verdicts
        for item_id, chain in items:
            verdict = verdicts.get(item_id)
            if verdict is None:
                continue
            if chain and any(verdicts.get(p) == "fail" for p in chain):
                verdict = "fail"
            if verdict != "na":
                yield make(Observation, (run.id, run.model, run.case_id, item_id, score.rater, VERDICT_VALUE[verdict]))


class Units:
    """The observations of one call folded once into units (run, item) -> [value sum, raters], with each
    run's model and case, for every grouping below."""

    def __init__(self, obs: Iterable[Observation]) -> None:
        self.cells: dict[tuple[str, str], list[float]] = {}
        self.run_of: dict[str, tuple[str, str]] = {}  # run -> (model, case)
        self.verdicts = 0
        cells, run_of = self.cells, self.run_of
        for o in obs:
            self.verdicts += 1
            key = (o.run_id, o.item_id)
            cell = cells.get(key)
            if cell is None:
                cells[key] = [o.value, 1]
                if o.run_id not in run_of:
                    run_of[o.run_id] = (o.model, o.case_id)
            else:
                cell[0] += o.value
                cell[1] += 1

    def by_run(self) -> dict[str, list[float]]:
        """run -> [sum of unit values, units, verdicts]."""
        out: dict[str, list[float]] = {}
        for (run_id, _), (total, k) in self.cells.items():
            acc = out.get(run_id)
            if acc is None:
                acc = out[run_id] = [0.0, 0, 0]
            acc[0] += total / k
            acc[1] += 1
            acc[2] += k
        return out


def _fold(runs: Iterable[tuple[str, list[float]]]) -> tuple[tuple[tuple[tuple[float, int], ...], ...], int]:
    """(case id, [sum, units, verdicts]) per run -> the clusters tuple (cases in first-seen order) and verdicts."""
    cases: dict[str, list[tuple[float, int]]] = {}
    verdicts = 0
    for case_id, (total, units, k) in runs:
        cases.setdefault(case_id, []).append((round(total, 9), int(units)))
        verdicts += int(k)
    return tuple(tuple(sorted(runs)) for runs in cases.values()), verdicts


@dataclass(frozen=True)
class ItemRow:
    case_id: str
    case_label: str
    item_id: str
    criterion: str
    parent: str | None
    rates: dict[str, Rate]  # model -> Rate


@dataclass
class Rates:
    """Per model, per category and per item rates, from one pass over the units."""

    models: dict[str, Rate]
    categories: dict[str, dict[str, Rate]]
    items: list[ItemRow]


def rates(session: Session, units: Units) -> Rates:
    per_run = units.by_run()
    by_model: dict[str, list[tuple[str, list[float]]]] = {}
    by_cat: dict[tuple[str, str], list[tuple[str, list[float]]]] = {}
    category = {c.id: category_of(c) for c in session.cases}
    for run_id, acc in per_run.items():
        model, case_id = units.run_of[run_id]
        by_model.setdefault(model, []).append((case_id, acc))
        by_cat.setdefault((category.get(case_id, FREE_PROMPT), model), []).append((case_id, acc))
    models = _ordered(session, by_model)
    model_rates = {m: Rate.clustered(*_fold(by_model[m])) if m in by_model else EMPTY for m in models}
    cats: dict[str, dict[str, Rate]] = {}
    for cat in dict.fromkeys(category.values()):
        cats[cat] = {m: Rate.clustered(*_fold(by_cat[(cat, m)])) if (cat, m) in by_cat else EMPTY for m in models}

    # An item lives in one case: its runs are the clusters (the interval is about this prompt).
    per_item: dict[tuple[str, str, str], list[tuple[float, int]]] = {}
    for (run_id, item_id), (total, k) in units.cells.items():
        model, case_id = units.run_of[run_id]
        key = (case_id, item_id, model)
        value = total if k == 1 else round(total / k, 9)
        got = per_item.get(key)
        if got is None:
            per_item[key] = [(value, k)]
        else:
            got.append((value, k))
    rows: list[ItemRow] = []
    get = per_item.get
    for case in session.cases:
        for item in case.checklist:
            cell = {}
            for m in models:
                got = get((case.id, item.id, m))
                if got is None:
                    cell[m] = EMPTY
                elif len(got) == 1:  # one run: the common case, one cached Rate per (value, verdicts)
                    cell[m] = _one_unit(*got[0])
                else:
                    runs = tuple(((v, 1),) for v, _ in sorted(got))
                    cell[m] = Rate.clustered(runs, sum(k for _, k in got))
            rows.append(ItemRow(case.id, case.label, item.id, item.criterion, item.parent, cell))
    return Rates(model_rates, cats, rows)


def _ordered(session: Session, extra: Iterable[str]) -> list[str]:
    """The session's models in order, then any other model seen (e.g. a run of a removed model)."""
    models = list(session.models)
    models += [m for m in extra if m not in models]
    return models


def raters(session: Session) -> list[str]:
    """Raters in order of first score."""
    return list(dict.fromkeys(s.rater for s in session.scores))


def counted(session: Session, rater: str | None = None) -> list[Observation]:
    """The session's counted verdicts, to hand to several of these functions: walked once."""
    return list(observations(session, rater))


def category_rates(session: Session, rater: str | None = None) -> dict[str, dict[str, Rate]]:
    """category (case.category, else preset id, else "free prompt") -> model -> Rate, in session order."""
    return rates(session, Units(observations(session, rater))).categories


def item_rates(session: Session, rater: str | None = None) -> list[ItemRow]:
    """One row per checklist item of every case, in checklist order, with a Rate per model."""
    return rates(session, Units(observations(session, rater))).items
