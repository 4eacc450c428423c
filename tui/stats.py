"""Summaries of a session: per model, what passed, what ran, how fast, at what cost."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from tui.model import ChecklistItem, Session, Verdict

VERDICT_VALUE: dict[str, float] = {"pass": 1.0, "partial": 0.5, "fail": 0.0}


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


@dataclass
class ModelSummary:
    model: str
    runs: int = 0
    succeeded: int = 0
    failed: int = 0
    refused: int = 0
    pending: int = 0
    items_scored: int = 0
    items_passed: float = 0.0  # partial counts as half
    pass_rate: float | None = None
    median_latency_ms: float | None = None
    p95_latency_ms: float | None = None
    cost_usd: float | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def summarize(session: Session, rater: str | None = None) -> list[ModelSummary]:
    """Per model, in session order. With several raters and none named, every score counts."""
    checklists = {c.id: c.checklist for c in session.cases}
    by_model = {m: ModelSummary(m) for m in session.models}
    latencies: dict[str, list[float]] = {m: [] for m in session.models}
    run_model = {}
    for run in session.runs:
        s = by_model.setdefault(run.model, ModelSummary(run.model))
        run_model[run.id] = run.model
        s.runs += 1
        if run.status == "succeeded":
            s.succeeded += 1
            if run.latency_ms is not None:
                latencies.setdefault(run.model, []).append(run.latency_ms)
        elif run.status == "failed":
            s.failed += 1
            if run.error and run.error.kind == "content_policy":
                s.refused += 1
        elif run.status != "cancelled":
            s.pending += 1
        if run.cost_usd is not None:
            s.cost_usd = (s.cost_usd or 0.0) + run.cost_usd
    runs_by_id = {r.id: r for r in session.runs}
    for score in session.scores:
        if rater is not None and score.rater != rater:
            continue
        run = runs_by_id.get(score.run_id)
        if run is None:
            continue
        s = by_model[run.model]
        for verdict in effective_verdicts(checklists.get(run.case_id, []), score.verdicts).values():
            if verdict == "na":
                continue
            s.items_scored += 1
            s.items_passed += VERDICT_VALUE[verdict]
    for model, s in by_model.items():
        if s.items_scored:
            s.pass_rate = round(s.items_passed / s.items_scored, 4)
        values = latencies.get(model, [])
        if values:
            s.median_latency_ms = round(statistics.median(values), 1)
            s.p95_latency_ms = round(percentile(values, 95) or 0.0, 1)
        if s.cost_usd is not None:
            s.cost_usd = round(s.cost_usd, 6)
    return list(by_model.values())
