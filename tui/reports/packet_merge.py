"""A rater's scores on a blind packet, home again: opaque ids mapped back to the owner's runs, merged once.

The packet's export is someone else's file like any other, and is checked as one: it must be a packet this data
dir made (its id among the session's ``packets``), not merged before, scored by one rater, and every run, case,
score and preference in it must be one the packet held, with items of the case's own checklist. Any of that
wrong is one line and nothing is written. The map, the check that the packet was not merged yet and the merge
itself happen under the session's lock, in one write, so the same scores imported twice (even at once) merge once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tui.core.model import PacketOrigin, PacketRecord, Preference, Score, Session, now_iso
from tui.core.store import Store
from tui.core.validation import InputError
from tui.core.wording import count


@dataclass
class PacketMerge:
    session: Session
    packet_id: str
    rater: str
    took: int = 0
    preferences: int = 0
    conflicts: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"merged {count(self.took, 'score')} and {count(self.preferences, 'preference')} of {self.rater}"
        text += f" (packet {self.packet_id})"
        if self.conflicts:
            text += f"; {count(len(self.conflicts), 'conflict')} kept as yours"
        return text


def owner_of(store: Store, origin: PacketOrigin, *, file: Path | str, into: str | None = None) -> bool:
    """Whether this data dir made the packet (so an import of it brings scores home). False: a rater opening it.

    A packet that names a session here but is not among its packets, or that belongs to another session than the
    one asked for (``into``), is an error."""
    if into is not None and origin.session_id != into:
        raise InputError(f"a packet of session {origin.session_id}, not of {into}", file=file, key="session.packet")
    if not store.exists(origin.session_id):
        if into is not None:
            raise InputError(f"no session {into!r} here", file=file, key="session.packet")
        return False
    if not any(p.packet_id == origin.packet_id for p in store.load(origin.session_id).packets):
        raise InputError(
            f"packet {origin.packet_id} was not made from session {origin.session_id} here",
            file=file,
            key="session.packet",
        )
    return True


def _mapped(
    incoming: Session, owner: Session, record: PacketRecord, *, file: Path | str
) -> tuple[list[Score], list[Preference]]:
    """The packet's scores and preferences on the owner's run and case ids, or an InputError for anything the
    packet did not hold."""

    def fail(reason: str, key: str) -> InputError:
        return InputError(reason, file=file, key=key)

    origin = incoming.packet
    assert origin is not None
    if record.merged_at:
        raise fail(
            f"packet {record.packet_id} ({record.rater}) was already merged, on {record.merged_at}", "session.packet"
        )
    if origin.rater != record.rater:
        raise fail(f"the packet was made for {record.rater!r}, this one says {origin.rater!r}", "session.packet.rater")
    runs = {r.id: r for r in owner.runs}
    cases = {c.id: c for c in owner.cases}
    for i, run in enumerate(incoming.runs):
        real = runs.get(record.runs.get(run.id, ""))
        if real is None:
            raise fail(f"run {run.id} was not in packet {record.packet_id}", f"runs[{i}]")
        if record.cases.get(run.case_id) != real.case_id:
            raise fail(f"run {run.id} is not in the case the packet put it in", f"runs[{i}].case_id")
    raters = {s.rater for s in incoming.scores} | {p.rater for p in incoming.preferences}
    if len(raters) > 1:
        said = ", ".join(repr(r) for r in sorted(raters))  # quoted: names from a file, and this line reaches a terminal
        raise fail(f"scores from {len(raters)} raters ({said}); a packet is one rater's", "scores")
    if not incoming.scores and not incoming.preferences:
        raise fail(f"no scores in it yet: send it to {record.rater} to score", "scores")
    scores = []
    for i, score in enumerate(incoming.scores):
        real = runs.get(record.runs.get(score.run_id, ""))
        if real is None:
            raise fail(
                f"a score for run {score.run_id}, which packet {record.packet_id} did not contain", f"scores[{i}]"
            )
        items = {item.id for item in cases[real.case_id].checklist}
        if unknown := sorted(set(score.verdicts) - items):
            raise fail(f"item {unknown[0]!r} is not in the case's checklist", f"scores[{i}].verdicts")
        scores.append(Score(real.id, record.rater, dict(score.verdicts), score.note, True, score.scored_at))
    preferences = []
    for i, pref in enumerate(incoming.preferences):
        case_id = record.cases.get(pref.case_id)
        a, b = runs.get(record.runs.get(pref.run_a, "")), runs.get(record.runs.get(pref.run_b, ""))
        if case_id is None or a is None or b is None or a.case_id != case_id or b.case_id != case_id:
            raise fail("a preference between runs the packet did not hold", f"preferences[{i}]")
        preferences.append(Preference(case_id, record.rater, a.id, b.id, pref.outcome, True, pref.given_at))
    return scores, preferences


def merge_packet(store: Store, incoming: Session, *, file: Path | str, local_rater: str | None = None) -> PacketMerge:
    """Bring a packet's scores home into the session it was made from (see ``owner_of``)."""
    origin = incoming.packet
    assert origin is not None
    result = PacketMerge(store.load(origin.session_id), origin.packet_id, origin.rater)

    def change(owner: Session) -> None:
        record = next(p for p in owner.packets if p.packet_id == origin.packet_id)
        scores, preferences = _mapped(incoming, owner, record, file=file)
        for score in scores:
            mine = owner.score_of(score.run_id, score.rater)
            if mine is not None and score.rater == local_rater and mine.verdicts != score.verdicts:
                result.conflicts.append(f"your score on run {score.run_id} differs; yours kept")
                continue
            owner.set_score(score)
            result.took += 1
        votes = {(p.case_id, p.rater, frozenset((p.run_a, p.run_b))): p for p in owner.preferences}
        for pref in preferences:
            votes[(pref.case_id, pref.rater, frozenset((pref.run_a, pref.run_b)))] = pref
            result.preferences += 1
        owner.preferences = list(votes.values())
        record.merged_at = now_iso()
        result.session = owner

    store.mutate(origin.session_id, change)
    return result
