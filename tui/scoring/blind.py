"""Blind scoring in the core: anonymous slots A, B, C… per case, and views that reveal no model.

The order of a case's runs is a shuffle seeded by the session's recorded ``blind_seed`` and the case
id, so every rater, every machine and every later re-open sees the same slot for the same run (slot
letters can be discussed: "B fails c3"), and the order is reproducible from the session file alone.
A different case gets an independent order, so a model does not sit in the same column everywhere.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

import msgspec

from tui.core.model import Run, RunError, Session


def slot_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, like spreadsheet columns."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _rng(session: Session, case_id: str) -> random.Random:
    # sha256 rather than hash(): Python salts str hashes per process, and the order must survive restarts.
    digest = hashlib.sha256(f"imgbench-blind\x1f{session.blind_seed}\x1f{case_id}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def blind_order(session: Session, case_id: str) -> list[Run]:
    """The case's runs in their blind order (slot A first)."""
    position = {m: i for i, m in enumerate(session.models)}
    # A canonical order before shuffling, so the result does not depend on the order runs were stored in.
    runs = sorted(session.runs_of(case_id), key=lambda r: (position.get(r.model, len(position)), r.model, r.repeat))
    _rng(session, case_id).shuffle(runs)
    return runs


def slots(session: Session, case_id: str) -> list[tuple[str, Run]]:
    """[(slot letter, run)] for a case, in slot order."""
    return [(slot_letter(i), run) for i, run in enumerate(blind_order(session, case_id))]


def slot_label(session: Session, run: Run) -> str:
    """The run's slot letter within its case, e.g. "A"."""
    for label, other in slots(session, run.case_id):
        if other.id == run.id:
            return label
    raise KeyError(run.id)


def run_for_slot(session: Session, case_id: str, label: str) -> Run:
    for slot, run in slots(session, case_id):
        if slot == label.upper():
            return run
    raise KeyError(label)


def left_to_score(session: Session, case_id: str, rater: str) -> int:
    """Checklist verdicts (or, for a case without a checklist, notes) ``rater`` has yet to give on the case's
    outputs. An output with some verdicts but not all still counts every missing one."""
    case = session.case(case_id)
    items = {item.id for item in case.checklist}
    left = 0
    for run in session.runs_of(case_id):
        if run.status != "succeeded":
            continue  # a failed run made nothing to score: it must not hold the reveal back forever
        score = session.score_of(run.id, rater)
        if items:
            left += len(items - set(score.verdicts if score else ()))
        elif score is None:
            left += 1
    return left


def may_reveal(session: Session, case_id: str, rater: str) -> bool:
    """Whether a blind rater may now see the names for a case: once EVERY output of it is fully scored by them
    (the arenas' "names after the vote"); a partly scored output does not count."""
    has_output = any(r.status == "succeeded" for r in session.runs_of(case_id))
    return has_output and left_to_score(session, case_id, rater) == 0


def revealed_cases(session: Session, rater: str) -> set[str]:
    """The cases of a blind session whose names ``rater`` asked to see (kept in the session, per rater)."""
    known = {c.id for c in session.cases}
    return {case_id for case_id in session.revealed.get(rater, ()) if case_id in known}


def mark_revealed(session: Session, rater: str, case_id: str) -> None:
    """Record that ``rater`` has seen the names of ``case_id``; idempotent, so the ordered saver may retry it."""
    shown = session.revealed.setdefault(rater, [])
    if case_id not in shown:
        shown.append(case_id)


def names_hidden(session: Session, rater: str) -> bool:
    """A blind session with a case ``rater`` has not revealed: whole-session views (Results, reports, the contact
    sheet) show slots, not models, for them. A case whose runs all ended without an output has nothing to score
    and so nothing to reveal: it does not keep the names hidden forever (one still running does)."""
    if not session.blind:
        return False
    shown = revealed_cases(session, rater)
    for case in session.cases:
        runs = session.runs_of(case.id)
        settled_empty = all(r.finished and r.status != "succeeded" for r in runs)
        if case.id not in shown and not settled_empty:
            return True
    return False


@dataclass(frozen=True)
class BlindRun:
    """What a screen may show of a run while names are hidden.

    Left out on purpose, because each can give the model away: the model id; latency, first byte and
    attempts (providers have recognisable speeds); cost and usage; effective parameters, image width,
    height, format and byte size (models snap to their own sizes and formats); the revised prompt (only
    some models rewrite prompts); the provider's error message and HTTP status (they name the
    provider). ``image_paths`` are for loading pixels, not for display: file names carry the format.
    """

    slot: str
    run_id: str  # random hex, safe to keep so a score can be saved against it
    case_id: str
    repeat: int
    state: str  # "done", "failed", "refused", "pending"
    error_kind: str | None
    image_paths: tuple[str, ...]  # session-relative


def blind_view(session: Session, run: Run) -> BlindRun:
    """The model-free view of one run of a blind session."""
    return blind_view_at(run, slot_label(session, run))


def blind_views(session: Session, case_id: str) -> list[BlindRun]:
    """Every run of a case as a BlindRun, in slot order (one shuffle for the case, not one per run)."""
    return [blind_view_at(run, slot_letter(i)) for i, run in enumerate(blind_order(session, case_id))]


def blind_view_at(run: Run, slot: str) -> BlindRun:
    state = {"succeeded": "done", "failed": "failed"}.get(run.status, "pending")
    kind = run.error.kind if run.error is not None and run.status == "failed" else None
    if kind == "content_policy":
        state = "refused"
    return BlindRun(slot, run.id, run.case_id, run.repeat, state, kind, tuple(im.path for im in run.images))


def slot_view(session: Session) -> Session:
    """A copy of a blind session in which each output is known only by the slot it was shown in ("slot A": the
    order is shuffled per case, as in Review), so whole-session views built on it (report tables, the contact
    sheet) cannot name a model: the names are not in the data. Latency, attempts, cost, usage, effective
    parameters, revised prompts and provider messages are dropped for the same reason; notes are masked.

    The copy is not blind itself (its "models" already are the slots), and each repeat is a slot of its own."""
    copy = msgspec.json.decode(msgspec.json.encode(session), type=Session)
    runs: list[Run] = []
    width = 0
    for case in copy.cases:
        ordered = blind_order(copy, case.id)
        width = max(width, len(ordered))
        for index, run in enumerate(ordered):
            runs.append(_as_slot(run, f"slot {slot_letter(index)}"))
        case.repeats = 1
    copy.runs = runs
    copy.models = [f"slot {slot_letter(i)}" for i in range(width)]
    copy.name = mask_models(copy.name, session)
    for score in copy.scores:
        score.note = mask_models(score.note, session)
    copy.blind, copy.revealed = False, {}
    return copy


def _as_slot(run: Run, slot: str) -> Run:
    run.model, run.repeat = slot, 0
    run.latency_ms = run.ttfb_ms = run.cost_usd = run.usage = run.revised_prompt = None
    run.attempts, run.attempt_log, run.params_effective = 0, [], {}
    run.timings = type(run.timings)()
    if run.error is not None:
        run.error = RunError(run.error.kind, "")
    return run


def mask_models(text: str, session: Session, placeholder: str = "[model]") -> str:
    """Replace model ids and their provider/model halves in free text (notes, messages) with a placeholder."""
    names: set[str] = set()
    for model in session.models:
        provider, _, name = model.partition(":")
        names.update(n for n in (model, name, name.rsplit("/", 1)[-1]) if len(n) >= 3)
        if len(provider) >= 3:
            names.add(provider)
    for name in sorted(names, key=len, reverse=True):  # longest first, so "openai:gpt-image-1" goes whole
        text = _replace_ci(text, name, placeholder)
    return text


def _replace_ci(text: str, needle: str, replacement: str) -> str:
    lower, low_needle, out, start = text.lower(), needle.lower(), [], 0
    while (i := lower.find(low_needle, start)) >= 0:
        out.append(text[start:i])
        out.append(replacement)
        start = i + len(needle)
    out.append(text[start:])
    return "".join(out)
