"""Did a model get worse between two sessions? The CI gate's numbers (``imgbench compare BASELINE NEW``).

Cases are matched across the two sessions by what makes them the same test: a preset case by its preset id, a
free prompt by its mode and exact text. Within a matched case only the checklist items both sessions have count,
so adding an item to a preset does not move a rate. Per model (by id, in both sessions):

* the change in pass rate, new − baseline, over the cases both sessions judged for it, each case weighing the
  same, with the **paired** 95 % interval of tui/scoring/paired.py (the case is the unit: its baseline and new
  runs resampled together, repeats within them) and its sign-flip p; nothing new is estimated here;
* the **reading** the gate acts on: "regression" when the whole interval lies below 0 and at least
  ``MIN_CASES`` cases are shared, "improved" when it lies above 0, "too few shared cases" below ``MIN_CASES``
  (no sign pattern of five cases can show anything), else "no clear change";
* per checklist item of each shared case, both sides' rates with their cluster intervals (an item lives in one
  case: its runs are the clusters, as in the session's report) and the change; "dropped" when the new interval
  lies wholly below the baseline's. Informative only: one item of one prompt is too little to gate on.

Scorers: ``human`` takes every rater that is not a judge; ``judge:PROVIDER:MODEL`` takes that judge's scores;
``checks`` takes the machine checks' pass / fail recorded on the runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from tui.core.model import JUDGE_PREFIX, Case, ChecklistItem, Score, Session
from tui.core.validation import InputError
from tui.scoring.paired import MIN_CASES, PairedComparison, paired_comparisons
from tui.scoring.raters import humans_only, machine_scores
from tui.scoring.stats import Observation, Rate, Units, observations, rates

BASE, NEW = "baseline", "new"


def check_scorer(scorer: str) -> str:
    if scorer == "human" or (scorer.startswith(JUDGE_PREFIX) and len(scorer) > len(JUDGE_PREFIX)):
        return scorer
    if scorer == "checks":
        return scorer
    raise InputError(f"{scorer!r} is not a scorer: human, judge:PROVIDER:MODEL or checks", key="--scorer")


def scored_by(session: Session, scorer: str) -> list[Score]:
    if scorer == "checks":
        return machine_scores(session)
    if scorer == "human":
        return humans_only(session).scores
    return [s for s in session.scores if s.rater == scorer]


def case_key(case: Case) -> str:
    """What makes a case the same test in another session."""
    if case.preset_id:
        return case.preset_id
    digest = hashlib.sha256(f"{case.mode}\x1f{case.prompt}".encode()).hexdigest()[:12]
    return f"prompt:{digest}"


@dataclass(frozen=True)
class ItemChange:
    case: str  # the case key
    case_label: str
    item_id: str
    criterion: str
    baseline: Rate
    new: Rate

    @property
    def change(self) -> float | None:
        if self.baseline.rate is None or self.new.rate is None:
            return None
        return round(self.new.rate - self.baseline.rate, 4)

    @property
    def dropped(self) -> bool:
        b, n = self.baseline, self.new
        return b.low is not None and n.high is not None and n.high < b.low

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "case_label": self.case_label,
            "item": self.item_id,
            "criterion": self.criterion,
            "baseline": self.baseline.to_dict(),
            "new": self.new.to_dict(),
            "change": self.change,
            "dropped": self.dropped,
        }


@dataclass(frozen=True)
class ModelChange:
    model: str
    paired: PairedComparison | None  # None: no case judged in both sessions
    items: list[ItemChange] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return self.paired.cases if self.paired else 0

    @property
    def reading(self) -> str:
        p = self.paired
        if p is None:
            return "no shared case"
        if p.cases < MIN_CASES:
            return f"too few shared cases ({p.cases}; {MIN_CASES} needed)"
        if p.high < 0:
            return "regression"
        if p.low > 0:
            return "improved"
        return "no clear change"

    @property
    def regressed(self) -> bool:
        return self.reading == "regression"

    def to_dict(self) -> dict[str, Any]:
        p = self.paired
        return {
            "model": self.model,
            "shared_cases": self.cases,
            "baseline_rate": p.rate_b if p else None,
            "new_rate": p.rate_a if p else None,
            "change": p.difference if p else None,
            "low": p.low if p else None,
            "high": p.high if p else None,
            "p_value": p.p_value if p else None,
            "reading": self.reading,
            "regression": self.regressed,
            "items": [i.to_dict() for i in self.items],
        }


@dataclass(frozen=True)
class Comparison:
    baseline: Session
    new: Session
    scorer: str
    models: list[ModelChange]
    raters: dict[str, list[str]]  # side -> the raters whose scores counted
    notes: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> list[str]:
        return [m.model for m in self.models if m.regressed]

    def to_dict(self) -> dict[str, Any]:
        side = lambda s: {"id": s.id, "name": s.name, "created_at": s.created_at}  # noqa: E731
        return {
            "baseline": side(self.baseline),
            "new": side(self.new),
            "scorer": self.scorer,
            "raters": self.raters,
            "min_cases": MIN_CASES,
            "regressions": self.regressions,
            "models": [m.to_dict() for m in self.models],
            "notes": self.notes,
        }


def _shared_checklists(baseline: Session, new: Session) -> dict[str, tuple[Case, list[ChecklistItem]]]:
    """case key -> (a case for its label, the checklist items both sessions have for it, in baseline order)."""

    def items_of(session: Session) -> dict[str, dict[str, ChecklistItem]]:
        out: dict[str, dict[str, ChecklistItem]] = {}
        for case in session.cases:
            out.setdefault(case_key(case), {}).update({i.id: i for i in case.checklist})
        return out

    base_items, new_items = items_of(baseline), items_of(new)
    first = {case_key(c): c for c in reversed(baseline.cases)}
    shared: dict[str, tuple[Case, list[ChecklistItem]]] = {}
    for key, items in base_items.items():
        if key in new_items:
            both = [i for i in items.values() if i.id in new_items[key]]
            if both:
                shared[key] = (first[key], both)
    return shared


def _side_observations(
    session: Session, side: str, model: str, shared: dict[str, tuple[Case, list[ChecklistItem]]]
) -> Iterable[Observation]:
    keys = {c.id: case_key(c) for c in session.cases}
    wanted = {key: {i.id for i in items} for key, (_, items) in shared.items()}
    for o in observations(session):
        key = keys.get(o.case_id, "")
        if o.model == model and o.item_id in wanted.get(key, ()):
            yield Observation(f"{side}/{o.run_id}", side, key, o.item_id, o.rater, o.value)


def _model_change(
    model: str, baseline: Session, new: Session, shared: dict[str, tuple[Case, list[ChecklistItem]]]
) -> ModelChange:
    obs = [*_side_observations(baseline, BASE, model, shared), *_side_observations(new, NEW, model, shared)]
    cases = [msgspec.structs.replace(case, id=key, checklist=items) for key, (case, items) in shared.items()]
    both = Session(id="compare", name="", created_at="", models=[NEW, BASE], cases=cases)
    found = paired_comparisons(both, obs=obs)
    paired = found[0] if found else None
    items: list[ItemChange] = []
    if paired is not None:
        seen = {o.case_id for o in obs if o.model == BASE} & {o.case_id for o in obs if o.model == NEW}
        for row in rates(both, Units(obs)).items:
            if row.case_id in seen and (row.rates[BASE].units or row.rates[NEW].units):
                items.append(
                    ItemChange(row.case_id, row.case_label, row.item_id, row.criterion, row.rates[BASE], row.rates[NEW])
                )
    return ModelChange(model, paired, items)


def compare(baseline: Session, new: Session, scorer: str = "human") -> Comparison:
    """The comparison, or an InputError when the scorer scored nothing on a side or nothing is shared."""
    check_scorer(scorer)
    sides = {BASE: baseline, NEW: new}
    scored = {side: msgspec.structs.replace(s, scores=scored_by(s, scorer)) for side, s in sides.items()}
    for side, session in scored.items():
        if not session.scores:
            who = {"human": "no human rater", "checks": "no machine check result"}.get(scorer, f"no score by {scorer}")
            raise InputError(f"{who} in the {side} session {sides[side].id}", key="--scorer")
    shared = _shared_checklists(baseline, new)
    notes: list[str] = []
    only_base = [m for m in baseline.models if m not in new.models]
    only_new = [m for m in new.models if m not in baseline.models]
    if only_base:
        notes.append(f"only in the baseline, not compared: {', '.join(only_base)}")
    if only_new:
        notes.append(f"only in the new session, not compared: {', '.join(only_new)}")
    unmatched = len({case_key(c) for c in new.cases} - set(shared))
    if unmatched:
        notes.append(f"{unmatched} case(s) of the new session have no counterpart in the baseline")
    models = [_model_change(m, scored[BASE], scored[NEW], shared) for m in baseline.models if m in new.models]
    if not any(m.paired for m in models):
        raise InputError(
            "nothing to compare: no model has a case judged in both sessions (same preset or prompt, same items)",
            key="BASELINE",
        )
    raters = {side: sorted({sc.rater for sc in s.scores}) for side, s in scored.items()}
    return Comparison(baseline, new, scorer, models, raters, notes)
