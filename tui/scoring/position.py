"""Position bias in blind sessions: do outputs in slot A fare better than in slot C, whatever the model?

Slot order is shuffled per case, so over many cases each model visits every slot; a rater who favours the first
(or the left) output shows up as a slot whose verdicts beat its models' own averages. Only verdicts and
preferences given blind count: once names are shown, the slot no longer matters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from tui.core.model import Session
from tui.scoring.blind import slots
from tui.scoring.paired import mcnemar_exact
from tui.scoring.stats import Observation, Rate, observations


@dataclass(frozen=True)
class SlotRow:
    slot: str
    rate: Rate
    vs_models: float | None  # mean of (verdict - that model's blind pass rate): + means this slot fares better


@dataclass(frozen=True)
class SidePreference:
    left: int  # votes for the left output (run_a)
    right: int
    ties: int  # tie or both bad
    p_value: float  # two-sided exact binomial of left vs right against 1/2

    @property
    def left_share(self) -> float | None:
        decided = self.left + self.right
        return self.left / decided if decided else None


@dataclass(frozen=True)
class PositionReport:
    slots: list[SlotRow]
    preferences: SidePreference | None

    def to_dict(self) -> dict[str, object]:
        return {
            "slots": [{"slot": s.slot, **s.rate.to_dict(), "vs_models": s.vs_models} for s in self.slots],
            "preferences": None
            if self.preferences is None
            else {
                "left": self.preferences.left,
                "right": self.preferences.right,
                "ties": self.preferences.ties,
                "left_share": self.preferences.left_share,
                "p_value": self.preferences.p_value,
            },
        }


def position_report(
    session: Session, rater: str | None = None, obs: Iterable[Observation] | None = None
) -> PositionReport | None:
    """None for a session that was not scored blind."""
    if not session.blind:
        return None
    given_blind = {(s.run_id, s.rater) for s in session.scores if s.blind}
    slot_of = {run.id: label for case in session.cases for label, run in slots(session, case.id)}
    counted = [
        o
        for o in (observations(session, rater) if obs is None else obs)
        if (o.run_id, o.rater) in given_blind and o.run_id in slot_of
    ]
    model_sum: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for o in counted:
        model_sum[o.model][0] += o.value
        model_sum[o.model][1] += 1
    model_rate = {m: total / n for m, (total, n) in model_sum.items()}
    by_slot: dict[str, list[Observation]] = defaultdict(list)
    for o in counted:
        by_slot[slot_of[o.run_id]].append(o)
    rows = []
    for slot in sorted(by_slot, key=lambda s: (len(s), s)):
        group = by_slot[slot]
        passed = sum(o.value for o in group)
        units = len({(o.run_id, o.item_id) for o in group})
        residual = sum(o.value - model_rate[o.model] for o in group) / len(group)
        rows.append(SlotRow(slot, Rate.of(passed, len(group), units), round(residual, 4)))
    votes = [p for p in session.preferences if p.blind and (rater is None or p.rater == rater)]
    sides = None
    if votes:
        left = sum(p.outcome == "a" for p in votes)
        right = sum(p.outcome == "b" for p in votes)
        sides = SidePreference(left, right, len(votes) - left - right, mcnemar_exact(left, right))
    if not rows and sides is None:
        return None
    return PositionReport(rows, sides)
