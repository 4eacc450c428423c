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

from tui.core.model import Run, Session


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


def revealed(session: Session, case_id: str, rater: str) -> bool:
    """Whether a blind rater may now see the names for a case: once they scored every finished run of it
    (the arenas' "names after the vote"). Unfinished runs do not hold the reveal back forever."""
    runs = [r for r in session.runs_of(case_id) if r.status == "succeeded"]
    return bool(runs) and all(session.score_of(r.id, rater) is not None for r in runs)


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
