"""Summaries of a session: per model, what passed, what ran, how fast, at what cost.

Pass rates count a checklist verdict as pass = 1, partial = 1/2, fail = 0; ``na`` is left out. With
several raters and none named, every rater's verdict counts (so the rate is the raters' pooled rate),
but a confidence interval is sized by the number of distinct (run, item) units, not verdicts: two people
looking at the same picture are not two independent samples of the model.
"""

from __future__ import annotations

import functools
import math
import statistics
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from operator import itemgetter
from typing import NamedTuple

from tui.core.model import Case, ChecklistItem, Session, Verdict

VERDICT_VALUE: dict[str, float] = {"pass": 1.0, "partial": 0.5, "fail": 0.0}
Z95 = 1.959963984540054  # two-sided 95 % normal quantile
FREE_PROMPT = "free prompt"


def effective_verdicts(checklist: Iterable[ChecklistItem], verdicts: dict[str, Verdict]) -> dict[str, Verdict]:
    """A child item counts as failed when its parent failed (DSG-style), whatever was marked on it."""
    items = list(checklist)
    parents = {i.id: i.parent for i in items}
    out: dict[str, Verdict] = {}
    for item in items:
        verdict = verdicts.get(item.id)
        if verdict is None:
            continue
        ancestor, seen = parents.get(item.id), {item.id}
        while ancestor and ancestor not in seen:
            if verdicts.get(ancestor) == "fail":
                verdict = "fail"
                break
            seen.add(ancestor)
            ancestor = parents.get(ancestor)
        out[item.id] = verdict
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
    """Wilson score interval for a proportion. Fractional successes are allowed (partial = 1/2).

    Chosen over the normal (Wald) interval because it stays inside [0, 1] and is honest at 0/n and n/n,
    which is where small benchmark samples live. n = 0 gives (0, 1): nothing is known.
    """
    if n <= 0:
        return 0.0, 1.0
    p = min(max(successes / n, 0.0), 1.0)
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True, slots=True)
class Rate:
    """A pass rate with its 95 % Wilson interval and the counts behind it. Immutable, so equal rates
    can be one shared object (see ``_rated``)."""

    passed: float = 0.0  # sum of verdict values (partial = 0.5)
    scored: int = 0  # verdicts counted (na excluded), all raters
    units: int = 0  # distinct (run, item) pairs behind them: the interval's sample size
    rate: float | None = None
    low: float | None = None
    high: float | None = None

    @classmethod
    def of(cls, passed: float, scored: int, units: int | None = None) -> Rate:
        return _rated(float(passed), int(scored), int(scored if units is None else units))

    def to_dict(self) -> dict[str, object]:
        # By hand, not dataclasses.asdict: that deep-copies, and a report builds thousands of these.
        return {k: getattr(self, k) for k in _RATE_FIELDS}


_RATE_FIELDS = ("passed", "scored", "units", "rate", "low", "high")


@functools.lru_cache(maxsize=8192)
def _rated(passed: float, scored: int, units: int) -> Rate:
    # Item cells repeat the same few small counts thousands of times across a store: build each once.
    if not scored:
        return Rate(passed, scored, units)
    rate = passed / scored
    low, high = wilson_interval(rate * units, units)
    return Rate(round(passed, 4), scored, units, round(rate, 4), round(low, 4), round(high, 4))


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


def parent_chains(checklist: Iterable[ChecklistItem]) -> list[tuple[str, tuple[str, ...]]]:
    """[(item id, its ancestors nearest first)] in checklist order; cycles are cut where they close."""
    items = list(checklist)
    parents = {i.id: i.parent for i in items}
    out = []
    for item in items:
        chain: list[str] = []
        parent = parents.get(item.id)
        while parent and parent != item.id and parent not in chain:
            chain.append(parent)
            parent = parents.get(parent)
        out.append((item.id, tuple(chain)))
    return out


def observations(session: Session, rater: str | None = None) -> Iterator[Observation]:
    """Every counted verdict of the session (of one rater when named), after the parent rule."""
    # Same rule as effective_verdicts, with each case's ancestor chains worked out once, not per score.
    chains = {c.id: parent_chains(c.checklist) for c in session.cases}
    runs = {r.id: r for r in session.runs}
    make = tuple.__new__  # Observation(...) without the generated __new__'s extra Python frame: hot loop
    for score in session.scores:
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


def rate_of(obs: Iterable[Observation]) -> Rate:
    passed, scored, units = 0.0, 0, set()
    for o in obs:
        passed += o.value
        scored += 1
        units.add((o.run_id, o.item_id))
    return Rate.of(passed, scored, len(units))


class _Observed(list[Observation]):
    """The observations of one call, with the per-unit rater counts worked out once for all groupings."""

    _counts: Counter[tuple[str, str]] | None = None

    def unit_counts(self) -> Counter[tuple[str, str]] | None:
        """(run, item) -> raters who counted it; None when each unit has one verdict (units = verdicts)."""
        if self._counts is None:
            self._counts = Counter((o.run_id, o.item_id) for o in self)
        return None if len(self._counts) == len(self) else self._counts


def _sums(obs: list[Observation], key_of: Callable[[Observation], Hashable]) -> dict[Hashable, list[float]]:
    """Group observations into [passed, scored, units]. A unit (run, item) scored by k raters adds 1/k to
    units, which is exact because every grouping here keeps a unit's verdicts in one group."""
    counts = (obs if isinstance(obs, _Observed) else _Observed(obs)).unit_counts()
    acc: dict[Hashable, list[float]] = {}
    for o in obs:
        key = key_of(o)
        a = acc.get(key)
        if a is None:
            a = acc[key] = [0.0, 0, 0.0]
        a[0] += o.value
        a[1] += 1
        a[2] += 1.0 if counts is None else 1.0 / counts[(o.run_id, o.item_id)]
    return acc


def _rate(a: list[float]) -> Rate:
    return _rated(a[0], int(a[1]), round(a[2]))


@dataclass
class ModelSummary:
    model: str
    runs: int = 0
    succeeded: int = 0
    failed: int = 0  # every failed run, refusals included
    refused: int = 0  # failed with error kind content_policy
    pending: int = 0
    items_scored: int = 0
    items_passed: float = 0.0  # partial counts as half
    pass_rate: float | None = None
    median_latency_ms: float | None = None
    p95_latency_ms: float | None = None
    cost_usd: float | None = None
    # -- added with the Results statistics; every field below is optional in the export schema ------
    pass_low: float | None = None
    pass_high: float | None = None
    units: int = 0
    success_rate: float | None = None  # succeeded / (succeeded + failed); cancelled and pending left out
    success_low: float | None = None
    success_high: float | None = None
    p50_ttfb_ms: float | None = None
    attempts: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # failed runs by error kind
    images: int = 0  # output images of succeeded runs
    outputs_scored: int = 0  # runs with at least one counted verdict
    passing_images: int = 0
    strict_pass_rate: float | None = None  # passing_images / outputs_scored
    strict_low: float | None = None
    strict_high: float | None = None
    cost_per_image: float | None = None
    cost_per_passing_image: float | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @property
    def pass_interval(self) -> Rate:
        return Rate(self.items_passed, self.items_scored, self.units, self.pass_rate, self.pass_low, self.pass_high)


def summarize(session: Session, rater: str | None = None, obs: list[Observation] | None = None) -> list[ModelSummary]:
    """Per model, in session order. With several raters and none named, every score counts.

    A *passing image* is the output of a succeeded run that has at least one counted verdict and whose
    every counted verdict (after the parent rule, na excluded, every considered rater) is ``pass``: a
    partial or one rater's fail makes it not passing. ``cost_per_image`` is the cost of succeeded runs
    over their images, ``cost_per_passing_image`` that same cost over the passing images; both use only
    runs whose cost is known, and are None when no cost is known.
    """
    by_model = {m: ModelSummary(m) for m in session.models}
    latencies: dict[str, list[float]] = {}
    ttfbs: dict[str, list[float]] = {}
    ok_cost: dict[str, float] = {}
    ok_cost_images: dict[str, int] = {}
    for run in session.runs:
        s = by_model.setdefault(run.model, ModelSummary(run.model))
        s.runs += 1
        s.attempts += run.attempts
        if run.status == "succeeded":
            s.succeeded += 1
            s.images += len(run.images)
            if run.latency_ms is not None:
                latencies.setdefault(run.model, []).append(run.latency_ms)
            if run.ttfb_ms is not None:
                ttfbs.setdefault(run.model, []).append(run.ttfb_ms)
            if run.cost_usd is not None:
                ok_cost[run.model] = ok_cost.get(run.model, 0.0) + run.cost_usd
                ok_cost_images[run.model] = ok_cost_images.get(run.model, 0) + len(run.images)
        elif run.status == "failed":
            s.failed += 1
            kind = run.error.kind if run.error else "unknown"
            s.errors[kind] = s.errors.get(kind, 0) + 1
            if kind == "content_policy":
                s.refused += 1
        elif run.status != "cancelled":
            s.pending += 1
        if run.cost_usd is not None:
            s.cost_usd = (s.cost_usd or 0.0) + run.cost_usd

    obs = _obs(session, rater, obs)
    rated = {m: _rate(a) for m, a in _sums(obs, itemgetter(1)).items()}
    run_all_pass: dict[str, bool] = {}
    for o in obs:
        run_all_pass[o.run_id] = run_all_pass.get(o.run_id, True) and o.value == 1.0
    runs_by_id = {r.id: r for r in session.runs}
    for run_id, all_pass in run_all_pass.items():
        run = runs_by_id[run_id]
        s = by_model[run.model]
        s.outputs_scored += 1
        if all_pass and run.status == "succeeded":
            s.passing_images += 1

    for model, s in by_model.items():
        if (r := rated.get(model)) is not None:
            s.items_passed, s.items_scored, s.units = r.passed, r.scored, r.units
            s.pass_rate, s.pass_low, s.pass_high = r.rate, r.low, r.high
        if s.succeeded + s.failed:
            r = Rate.of(s.succeeded, s.succeeded + s.failed)
            s.success_rate, s.success_low, s.success_high = r.rate, r.low, r.high
        if s.outputs_scored:
            r = Rate.of(s.passing_images, s.outputs_scored)
            s.strict_pass_rate, s.strict_low, s.strict_high = r.rate, r.low, r.high
        values = latencies.get(model, [])
        if values:
            s.median_latency_ms = round(statistics.median(values), 1)
            s.p95_latency_ms = round(percentile(values, 95) or 0.0, 1)
        if ttfbs.get(model):
            s.p50_ttfb_ms = round(percentile(ttfbs[model], 50) or 0.0, 1)
        if s.cost_usd is not None:
            s.cost_usd = round(s.cost_usd, 6)
        if model in ok_cost:
            if ok_cost_images.get(model):
                s.cost_per_image = round(ok_cost[model] / ok_cost_images[model], 6)
            if s.passing_images:
                s.cost_per_passing_image = round(ok_cost[model] / s.passing_images, 6)
    return list(by_model.values())


def category_rates(
    session: Session, rater: str | None = None, obs: list[Observation] | None = None
) -> dict[str, dict[str, Rate]]:
    """category (case.category, else preset id, else "free prompt") -> model -> Rate, in session order."""
    category = {c.id: category_of(c) for c in session.cases}
    per_case = _sums(_obs(session, rater, obs), itemgetter(2, 1))  # (case, model): a C-level key, then fold
    folded: dict[tuple[str, str], list[float]] = {}
    for (case_id, model), a in per_case.items():  # type: ignore[misc]
        f = folded.setdefault((category[case_id], model), [0.0, 0, 0.0])
        f[0], f[1], f[2] = f[0] + a[0], f[1] + a[1], f[2] + a[2]
    models = _ordered(session, dict.fromkeys(m for _, m in folded))
    empty = [0.0, 0, 0.0]
    cats = dict.fromkeys(category.values())
    return {cat: {m: _rate(folded.get((cat, m), empty)) for m in models} for cat in cats}


@dataclass(frozen=True)
class ItemRow:
    case_id: str
    case_label: str
    item_id: str
    criterion: str
    parent: str | None
    rates: dict[str, Rate]  # model -> Rate


def item_rates(session: Session, rater: str | None = None, obs: list[Observation] | None = None) -> list[ItemRow]:
    """One row per checklist item of every case, in checklist order, with a Rate per model."""
    sums = _sums(_obs(session, rater, obs), itemgetter(2, 3, 1))  # (case, item, model)
    models = _ordered(session, dict.fromkeys(m for _, _, m in sums))  # type: ignore[misc]
    empty = [0.0, 0, 0.0]
    rows: list[ItemRow] = []
    for case in session.cases:
        for item in case.checklist:
            rates = {m: _rate(sums.get((case.id, item.id, m), empty)) for m in models}
            rows.append(ItemRow(case.id, case.label, item.id, item.criterion, item.parent, rates))
    return rows


def _obs(session: Session, rater: str | None, obs: list[Observation] | None) -> list[Observation]:
    return _Observed(observations(session, rater)) if obs is None else obs


def _ordered(session: Session, extra: Iterable[str]) -> list[str]:
    """The session's models in order, then any other model seen (e.g. a run of a removed model)."""
    models = list(session.models)
    models += [m for m in extra if m not in models]
    return models


def raters(session: Session) -> list[str]:
    """Raters in order of first score."""
    return list(dict.fromkeys(s.rater for s in session.scores))


@dataclass
class Results:
    """What the Results screen and the report show, from one pass over the verdicts."""

    models: list[ModelSummary]
    categories: dict[str, dict[str, Rate]]
    items: list[ItemRow]


def counted(session: Session, rater: str | None = None) -> list[Observation]:
    """The session's counted verdicts, to hand to several of these functions: walked once."""
    return _Observed(observations(session, rater))


def results(session: Session, rater: str | None = None, obs: list[Observation] | None = None) -> Results:
    """``summarize``, ``category_rates`` and ``item_rates`` together, the verdicts walked once."""
    obs = obs if isinstance(obs, _Observed) else _Observed(obs if obs is not None else observations(session, rater))
    return Results(summarize(session, rater, obs), category_rates(session, rater, obs), item_rates(session, rater, obs))
