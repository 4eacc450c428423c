"""Per model: what passed, what ran, how fast, at what cost (the pass rates themselves: stats.py).

* **Strict pass** (a *passing image*): the output of a succeeded run whose checklist is complete (every
  item has a verdict) and whose every item was passed by the majority of the raters who scored it
  completely (a tie is not a pass; partial is not a pass; an item every rater marked na is skipped).
  Runs scored only in part are *incomplete*: shown, and left out of the rate.
* **Latency**: the median and, with n >= 20, the 95th percentile; with fewer the maximum, labelled so
  (a p95 of 3 values interpolates a time nobody measured).
* **Cost per passing image**: over the scored succeeded runs whose cost is known; None (unknown) when no
  passing image has a known cost. "All in" adds what failed runs with a known cost were billed.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from tui.core.model import Run, Score, Session
from tui.scoring.stats import (
    ItemRow,
    Observation,
    Rate,
    Units,
    latest_scores,
    observations,
    parent_chains,
    percentile,
    rates,
)

TAIL_MIN_N = 20  # below this many latencies, show the maximum instead of a p95


@dataclass
class ModelSummary:
    model: str
    runs: int = 0
    succeeded: int = 0
    failed: int = 0  # every failed run, refusals included
    refused: int = 0  # failed with error kind content_policy
    pending: int = 0
    items_scored: int = 0  # verdicts (every rater's)
    items_passed: float = 0.0  # sum of unit values (each unit averaged over its raters)
    pass_rate: float | None = None
    median_latency_ms: float | None = None
    p95_latency_ms: float | None = None  # the 95th percentile, or the maximum when latency_tail == "max"
    cost_usd: float | None = None
    # -- added with the Results statistics; every field below is optional in the export schema ------
    pass_low: float | None = None  # cluster bootstrap over cases
    pass_high: float | None = None
    units: int = 0
    success_rate: float | None = None  # succeeded / (succeeded + failed); cancelled and pending left out
    success_low: float | None = None
    success_high: float | None = None
    p50_ttfb_ms: float | None = None
    attempts: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # failed runs by error kind
    images: int = 0  # output images of succeeded runs
    outputs_scored: int = 0  # runs with at least one complete score
    passing_images: int = 0
    strict_pass_rate: float | None = None  # passing_images / outputs_scored
    strict_low: float | None = None
    strict_high: float | None = None
    cost_per_image: float | None = None
    cost_per_passing_image: float | None = None
    # -- honest uncertainty (issue 13) -----------------------------------------------------------------
    cases: int = 0  # cases behind the pass rate's interval
    pass_wilson_low: float | None = None  # if units were independent (they are not)
    pass_wilson_high: float | None = None
    outputs_incomplete: int = 0  # runs scored, but no rater's checklist complete
    latency_n: int = 0
    latency_tail: str = "p95"  # "p95", or "max" with fewer than TAIL_MIN_N latencies
    cost_per_passing_image_all_in: float | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @property
    def pass_interval(self) -> Rate:
        return Rate(
            self.items_passed,
            self.items_scored,
            self.units,
            self.pass_rate,
            self.pass_low,
            self.pass_high,
            self.cases,
            self.pass_wilson_low,
            self.pass_wilson_high,
        )


def strict_outcomes(session: Session, rater: str | None = None) -> dict[str, bool | None]:
    """run -> True (every item passed by the majority), False, or None (scored, but incomplete)."""
    chains = {c.id: parent_chains(c.checklist) for c in session.cases}
    runs = {r.id: r for r in session.runs}
    complete: dict[str, list[Score]] = {}
    scored: set[str] = set()
    for score in latest_scores(session.scores)[0]:
        run = runs.get(score.run_id)
        if run is None or run.case_id not in chains or (rater is not None and score.rater != rater):
            continue
        if not any(score.verdicts.get(i) for i, _ in chains[run.case_id]):
            continue
        scored.add(run.id)
        if all(score.verdicts.get(i) for i, _ in chains[run.case_id]):
            complete.setdefault(run.id, []).append(score)
    out: dict[str, bool | None] = {}
    for run_id in scored:
        given = complete.get(run_id)
        out[run_id] = None if not given else _majority_pass(chains[runs[run_id].case_id], given)
    return out


def _majority_pass(chain: Sequence[tuple[str, tuple[str, ...]]], scores: list[Score]) -> bool:
    counted_any = False
    for item_id, parents in chain:
        yes = no = 0
        for s in scores:
            v = s.verdicts.get(item_id)
            if parents and any(s.verdicts.get(p) == "fail" for p in parents):
                v = "fail"
            if v == "pass":
                yes += 1
            elif v != "na":
                no += 1
        if yes + no:
            counted_any = True
            if yes <= no:  # a tie is not a pass
                return False
    return counted_any


def _run_clusters(runs: list[Run], value: dict[str, float]) -> tuple[tuple[tuple[float, int], ...], ...]:
    by_case: dict[str, list[tuple[float, int]]] = {}
    for run in runs:
        if run.id in value:
            by_case.setdefault(run.case_id, []).append((value[run.id], 1))
    return tuple(tuple(sorted(v)) for v in by_case.values())


def summarize(session: Session, rater: str | None = None, units: Units | None = None) -> list[ModelSummary]:
    """Per model, in session order. With several raters and none named, every score counts."""
    return _summaries(session, rater, units or Units(observations(session, rater)), None)


def _summaries(session: Session, rater: str | None, units: Units, pass_rates: dict[str, Rate] | None):
    by_model = {m: ModelSummary(m) for m in session.models}
    runs_of: dict[str, list[Run]] = {}
    for run in session.runs:
        by_model.setdefault(run.model, ModelSummary(run.model))
        runs_of.setdefault(run.model, []).append(run)
    strict = strict_outcomes(session, rater)
    pass_rates = pass_rates if pass_rates is not None else rates(session, units).models
    for model, s in by_model.items():
        runs = runs_of.get(model, [])
        latencies, ttfbs, ok = [], [], {}
        img_cost = img_n = 0.0
        judged_cost, judged_known, passing_known, failed_cost = 0.0, False, 0, 0.0
        for run in runs:
            s.runs += 1
            s.attempts += run.attempts
            if run.cost_usd is not None:
                s.cost_usd = (s.cost_usd or 0.0) + run.cost_usd
            if run.status == "succeeded":
                s.succeeded += 1
                ok[run.id] = 1.0
                s.images += len(run.images)
                if run.latency_ms is not None:
                    latencies.append(run.latency_ms)
                if run.ttfb_ms is not None:
                    ttfbs.append(run.ttfb_ms)
                if run.cost_usd is not None:
                    img_cost += run.cost_usd
                    img_n += len(run.images)
            elif run.status == "failed":
                s.failed += 1
                ok[run.id] = 0.0
                kind = run.error.kind if run.error else "unknown"
                s.errors[kind] = s.errors.get(kind, 0) + 1
                s.refused += kind == "content_policy"
                failed_cost += run.cost_usd or 0.0
            elif run.status != "cancelled":
                s.pending += 1
            outcome = strict.get(run.id, False) if run.id in strict else "unscored"
            if outcome is None:
                s.outputs_incomplete += 1
            elif outcome != "unscored":
                s.outputs_scored += 1
                passed = bool(outcome) and run.status == "succeeded"
                s.passing_images += passed
                if run.cost_usd is not None and run.status == "succeeded":
                    judged_cost += run.cost_usd
                    judged_known = True
                    passing_known += passed
        r = pass_rates.get(model)
        if r is not None and r.units:
            s.items_passed, s.items_scored, s.units, s.cases = r.passed, r.scored, r.units, r.cases
            s.pass_rate, s.pass_low, s.pass_high = r.rate, r.low, r.high
            s.pass_wilson_low, s.pass_wilson_high = r.wilson_low, r.wilson_high
        if ok:
            r = Rate.clustered(_run_clusters(runs, ok), len(ok))
            s.success_rate, s.success_low, s.success_high = r.rate, r.low, r.high
        strict_value = {
            run.id: float(bool(strict[run.id]) and run.status == "succeeded")
            for run in runs
            if strict.get(run.id) is not None
        }
        if strict_value:
            r = Rate.clustered(_run_clusters(runs, strict_value), len(strict_value))
            s.strict_pass_rate, s.strict_low, s.strict_high = r.rate, r.low, r.high
        if latencies:
            s.median_latency_ms = round(statistics.median(latencies), 1)
            s.latency_n = len(latencies)
            if len(latencies) >= TAIL_MIN_N:
                s.p95_latency_ms = round(percentile(latencies, 95) or 0.0, 1)
            else:
                s.p95_latency_ms, s.latency_tail = round(max(latencies), 1), "max"
        if ttfbs:
            s.p50_ttfb_ms = round(statistics.median(ttfbs), 1)
        if s.cost_usd is not None:
            s.cost_usd = round(s.cost_usd, 6)
        if img_n:
            s.cost_per_image = round(img_cost / img_n, 6)
        if judged_known and passing_known:
            s.cost_per_passing_image = round(judged_cost / passing_known, 6)
            s.cost_per_passing_image_all_in = round((judged_cost + failed_cost) / passing_known, 6)
    return list(by_model.values())


@dataclass
class Results:
    """What the Results screen and the report show, from one pass over the verdicts."""

    models: list[ModelSummary]
    categories: dict[str, dict[str, Rate]]
    items: list[ItemRow]


def results(session: Session, rater: str | None = None, obs: list[Observation] | None = None) -> Results:
    """Per model summaries, category rates and item rates together, the verdicts walked once."""
    units = Units(observations(session, rater) if obs is None else obs)
    r = rates(session, units)
    return Results(_summaries(session, rater, units, r.models), r.categories, r.items)
