"""What a session must be before imgbench writes anything for it: ids and paths of a strict form, references
that point at something, values in their range, free-form values of bounded depth and size.

A session another rater exported is someone else's file: every field of it is checked here before the import
writes a byte, and the ids that become file names are checked again whenever a session is loaded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec

from tui.core.model import Case, MachineCheck, Run, Session
from tui.core.validation import InputError

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_EXT = r"(png|jpg|webp|gif)"
IMAGE_PATH_RE = re.compile(rf"^images/[A-Za-z0-9][A-Za-z0-9._-]{{0,200}}\.{_EXT}$")
REF_PATH_RE = re.compile(rf"^refs/[0-9a-f]{{64}}\.{_EXT}$")
# What a session loaded from this machine's own disk must keep to (imports meet the strict forms above): names
# that stay one file name inside the session's folder, whatever else they hold.
SAFE_NAME_RE = re.compile(r"^[^/\\\x00-\x1f.][^/\\\x00-\x1f]{0,199}$")
MAX_DEPTH = 8  # of a free-form value (usage, params): providers send two or three levels
MAX_ITEMS = 10_000  # of one free-form value, counting every nested entry
MAX_LABEL = 1_000  # a name, title, rater, model id, timestamp
MAX_TEXT = 200_000  # a prompt, a note, a provider message, a revised prompt
MAX_LIST = 200_000  # runs, scores, cases of one session
MAX_PIXELS_SIDE = 100_000
MAX_REPEATS = 1_000
MAX_CONCURRENCY = 256


def _check_judge(c: _Checker, key: str, record: Any) -> None:
    """An AI judge's record, as another machine wrote it: bounded text, sane figures."""
    for name in ("judge", "prompt_version", "prompt_hash"):
        c.label(f"{key}.{name}", getattr(record, name))
    c.label(f"{key}.error", record.error, MAX_TEXT)
    for name in ("evidence", "cached", "skipped", "raw"):
        values = getattr(record, name)
        if len(values) > MAX_ITEMS:
            c.fail(f"{key}.{name}", f"holds more than {MAX_ITEMS} entries")
    for item_id, text in record.evidence.items():
        c.label(f"{key}.evidence", item_id)
        c.label(f"{key}.evidence.{item_id[:40]}", text, MAX_TEXT)
    for text in record.raw:
        c.label(f"{key}.raw", text, MAX_TEXT)
    c.number(f"{key}.cost_usd", record.cost_usd, 0, 1e6)
    c.number(f"{key}.latency_ms", record.latency_ms, 0, 1e9)
    c.number(f"{key}.requests", record.requests, 0, MAX_LIST)
    c.number(f"{key}.attempts", record.attempts, 0, MAX_LIST)


class _Checker:
    def __init__(self, file: Path | str | None) -> None:
        self.file = file

    def fail(self, key: str, reason: str) -> None:
        raise InputError(reason, file=self.file, key=key)

    def ident(self, key: str, value: str) -> None:
        if not ID_RE.match(value):
            self.fail(key, f"{_show(value)} is not an id (letters, digits, '.', '_', '-'; at most 128)")

    def label(self, key: str, value: str | None, limit: int = MAX_LABEL) -> None:
        if value is not None and len(value) > limit:
            self.fail(key, f"is {len(value)} characters long, over the {limit} limit")

    def number(self, key: str, value: float | int | None, low: float, high: float) -> None:
        if value is None:
            return
        if isinstance(value, float) and not math.isfinite(value):
            self.fail(key, f"{value!r} is not a finite number")
        if not low <= value <= high:
            self.fail(key, f"{value!r} is out of range ({low:g} to {high:g})")

    def sha(self, key: str, value: str) -> None:
        if not SHA256_RE.match(value):
            self.fail(key, "is not a sha256 (64 lowercase hex digits)")

    def free_form(self, key: str, value: Any) -> None:
        """A provider's usage, params, metrics: JSON of bounded depth and size, finite numbers, bounded text."""
        budget = [MAX_ITEMS]

        def walk(node: Any, depth: int, where: str) -> None:
            budget[0] -= 1
            if budget[0] < 0:
                self.fail(key, f"holds more than {MAX_ITEMS} values")
            if depth > MAX_DEPTH:
                self.fail(where, f"is nested more than {MAX_DEPTH} levels deep")
            if isinstance(node, dict):
                for k, v in node.items():
                    self.label(f"{where}", k if isinstance(k, str) else str(k))
                    walk(v, depth + 1, f"{where}.{k}" if len(where) < 200 else where)
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    walk(v, depth + 1, f"{where}[{i}]" if len(where) < 200 else where)
            elif isinstance(node, str):
                self.label(where, node, MAX_TEXT)
            elif isinstance(node, float) and not math.isfinite(node):
                self.fail(where, f"{node!r} is not a finite number")

        walk(value, 0, key)


def _show(value: str) -> str:
    shown = value if len(value) <= 60 else value[:60] + "…"
    return repr(shown)


def safe_name(value: str) -> bool:
    """One file name that stays inside its folder: no separator, no control character, not hidden, not ``..``."""
    return bool(SAFE_NAME_RE.match(value))


def check_paths(session: Session, *, file: Path | str | None = None) -> None:
    """The ids and paths that become file names, as every load checks them (cheap): each a single safe name
    under the session's images/ or refs/."""
    c = _Checker(file)
    if not ID_RE.match(session.id):
        c.fail("session.id", f"{_show(session.id)} is not a session id")
    for i, run in enumerate(session.runs):
        if not safe_name(run.id):
            c.fail(f"runs[{i}].id", f"{_show(run.id)} cannot name a file inside the session")
        for j, image in enumerate(run.images):
            folder, _, name = image.path.partition("/")
            if folder != "images" or not safe_name(name):
                c.fail(f"runs[{i}].images[{j}].path", f"{_show(image.path)} is not a file in the session's images/")
    for i, case in enumerate(session.cases):
        for j, ref in enumerate(case.references):
            folder, _, name = ref.path.partition("/")
            if folder != "refs" or not safe_name(name):
                c.fail(f"cases[{i}].references[{j}].path", f"{_show(ref.path)} is not a file in the session's refs/")


def check_session(session: Session, *, file: Path | str | None = None) -> None:
    """Every field of a session from elsewhere: ids, paths, references between its parts, ranges, sizes."""
    check_paths(session, file=file)
    c = _Checker(file)
    for i, run in enumerate(session.runs):
        c.ident(f"runs[{i}].id", run.id)
        for j, image in enumerate(run.images):
            if not IMAGE_PATH_RE.match(image.path):
                c.fail(f"runs[{i}].images[{j}].path", f"{_show(image.path)} is not a file in the session's images/")
    for i, case in enumerate(session.cases):
        for j, ref in enumerate(case.references):
            if not REF_PATH_RE.match(ref.path):
                c.fail(f"cases[{i}].references[{j}].path", f"{_show(ref.path)} is not a file in the session's refs/")
    c.label("name", session.name)
    for key in ("created_at", "updated_at", "tool_version"):
        c.label(key, getattr(session, key))
    c.number("blind_seed", session.blind_seed, -(2**63), 2**63 - 1)
    c.number("concurrency", session.concurrency, 1, MAX_CONCURRENCY)
    for key in ("models", "cases", "runs", "scores", "preferences"):
        if len(getattr(session, key)) > MAX_LIST:
            c.fail(key, f"has more than {MAX_LIST} entries")
    for i, model in enumerate(session.models):
        c.label(f"models[{i}]", model)
    _unique(c, "models", session.models)
    cases = {case.id: case for case in session.cases}
    _unique(c, "cases", (case.id for case in session.cases))
    for i, case in enumerate(session.cases):
        _check_case(c, f"cases[{i}]", case)
    runs: dict[str, Run] = {}
    for i, run in enumerate(session.runs):
        _check_run(c, f"runs[{i}]", run, cases, set(session.models))
        if run.id in runs:
            c.fail(f"runs[{i}].id", f"{run.id!r} appears twice")
        runs[run.id] = run
    for i, score in enumerate(session.scores):
        key = f"scores[{i}]"
        run = runs.get(score.run_id)
        if run is None:
            c.fail(f"{key}.run_id", f"score for unknown run {_show(score.run_id)}")
            return
        c.label(f"{key}.rater", score.rater)
        c.label(f"{key}.note", score.note, MAX_TEXT)
        c.label(f"{key}.scored_at", score.scored_at)
        items = {item.id for item in cases[run.case_id].checklist}
        for item_id in score.verdicts:
            if item_id not in items:
                c.fail(f"{key}.verdicts", f"verdict for {_show(item_id)}, not an item of the run's checklist")
        if score.judge is not None:
            _check_judge(c, f"{key}.judge", score.judge)
    _check_packets(c, session, set(runs), set(cases))
    for i, pref in enumerate(session.preferences):
        key = f"preferences[{i}]"
        if pref.case_id not in cases:
            c.fail(f"{key}.case_id", f"unknown case {_show(pref.case_id)}")
        for side in ("run_a", "run_b"):
            run = runs.get(getattr(pref, side))
            if run is None or run.case_id != pref.case_id:
                c.fail(f"{key}.{side}", f"{_show(getattr(pref, side))} is not a run of case {pref.case_id!r}")
        c.label(f"{key}.rater", pref.rater)
        c.label(f"{key}.given_at", pref.given_at)


def _unique(c: _Checker, key: str, values: Iterable[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            c.fail(key, f"{_show(value)} appears twice")
        seen.add(value)


def _check_case(c: _Checker, key: str, case: Case) -> None:
    c.ident(f"{key}.id", case.id)
    c.label(f"{key}.prompt", case.prompt, MAX_TEXT)
    for name in ("preset_id", "title", "category"):
        c.label(f"{key}.{name}", getattr(case, name))
    c.number(f"{key}.repeats", case.repeats, 1, MAX_REPEATS)
    for j, ref in enumerate(case.references):
        where = f"{key}.references[{j}]"
        c.sha(f"{where}.sha256", ref.sha256)
        if not ref.path.startswith(f"refs/{ref.sha256}."):
            c.fail(f"{where}.path", "is not named by the reference's sha256")
        c.number(f"{where}.width", ref.width, 1, MAX_PIXELS_SIDE)
        c.number(f"{where}.height", ref.height, 1, MAX_PIXELS_SIDE)
        for name in ("format", "slot", "filename"):
            c.label(f"{where}.{name}", getattr(ref, name))
    items: dict[str, str | None] = {}
    for j, item in enumerate(case.checklist):
        where = f"{key}.checklist[{j}]"
        c.ident(f"{where}.id", item.id)
        if item.id in items:
            c.fail(f"{where}.id", f"{item.id!r} appears twice")
        c.label(f"{where}.criterion", item.criterion, MAX_TEXT)
        c.label(f"{where}.check", item.check, MAX_TEXT)
        if item.machine is not None:
            _check_machine(c, f"{where}.machine", item.machine)
        items[item.id] = item.parent
    for j, item in enumerate(case.checklist):
        seen, parent = {item.id}, item.parent
        while parent is not None:
            if parent not in items:
                c.fail(f"{key}.checklist[{j}].parent", f"unknown item {_show(parent)}")
            if parent in seen:
                c.fail(f"{key}.checklist[{j}].parent", "items depend on each other in a circle")
            seen.add(parent)
            parent = items[parent]
    params = case.params
    for name in ("size", "aspect", "resolution", "quality"):
        c.label(f"{key}.params.{name}", getattr(params, name), 64)
    c.number(f"{key}.params.seed", params.seed, -(2**63), 2**64)


def _check_run(c: _Checker, key: str, run: Run, cases: dict[str, Case], models: set[str]) -> None:
    case = cases.get(run.case_id)
    if case is None:
        c.fail(f"{key}.case_id", f"unknown case {_show(run.case_id)}")
        return
    if run.model not in models:
        c.fail(f"{key}.model", f"{_show(run.model)} is not among the session's models")
    c.number(f"{key}.repeat", run.repeat, 0, MAX_REPEATS - 1)
    c.number(f"{key}.attempts", run.attempts, 0, 1_000_000)
    if len(run.attempt_log) > 10_000:
        c.fail(f"{key}.attempt_log", "has more than 10000 attempts")
    for j, attempt in enumerate(run.attempt_log):
        c.label(f"{key}.attempt_log[{j}].outcome", attempt.outcome)
        c.number(f"{key}.attempt_log[{j}].wait_s", attempt.wait_s, 0, 1e9)
    for name in ("latency_ms", "ttfb_ms"):
        c.number(f"{key}.{name}", getattr(run, name), 0, 1e12)
    c.number(f"{key}.cost_usd", run.cost_usd, 0, 1e9)
    for name in ("params_requested", "params_effective", "usage", "metrics"):
        value = getattr(run, name)
        if value is not None:
            c.free_form(f"{key}.{name}", value)
    c.label(f"{key}.revised_prompt", run.revised_prompt, MAX_TEXT)
    if run.error is not None:
        c.label(f"{key}.error.message", run.error.message, MAX_TEXT)
        c.label(f"{key}.error.provider_code", run.error.provider_code)
    _check_results(c, key, run, case)
    for j, image in enumerate(run.images):
        where = f"{key}.images[{j}]"
        if not image.path.startswith(f"images/{run.id}-"):
            c.fail(f"{where}.path", f"is not named by its run ({run.id}-N)")
        c.sha(f"{where}.sha256", image.sha256)
        c.number(f"{where}.width", image.width, 1, MAX_PIXELS_SIDE)
        c.number(f"{where}.height", image.height, 1, MAX_PIXELS_SIDE)
        c.number(f"{where}.bytes", image.bytes, 0, 2**40)


def _check_machine(c: _Checker, key: str, machine: MachineCheck) -> None:
    """A declared check obeys the rules a preset's does (one function says what a valid check is)."""
    from presets.machine import validate_machine

    def fail(sub: tuple[str | int, ...], reason: str) -> InputError:
        return InputError(
            reason, file=c.file, key=key + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in sub)
        )

    validate_machine({k: v for k, v in msgspec.to_builtins(machine).items() if v is not None}, fail)


def _check_results(c: _Checker, key: str, run: Run, case: Case) -> None:
    """Stored check results: of items of the run's checklist, once each, with bounded text and finite figures."""
    items = {item.id for item in case.checklist}
    if len(run.checks) > len(items):
        c.fail(f"{key}.checks", f"has {len(run.checks)} results for {len(items)} checklist items")
    seen: set[str] = set()
    for j, result in enumerate(run.checks):
        where = f"{key}.checks[{j}]"
        if result.item_id not in items or result.item_id in seen:
            c.fail(f"{where}.item_id", f"{_show(result.item_id)} is not an item of the run's checklist, or is twice")
        seen.add(result.item_id)
        for name in ("summary", "checked_at", "engine"):
            c.label(f"{where}.{name}", getattr(result, name))
        c.label(f"{where}.text", result.text, MAX_TEXT)
        if result.image_sha256:
            c.sha(f"{where}.image_sha256", result.image_sha256)
        for name in ("measured", "expected", "duration_ms"):
            c.number(f"{where}.{name}", getattr(result, name), -1e12, 1e12)
        for name in ("width", "height"):
            c.number(f"{where}.{name}", getattr(result, name), 1, MAX_PIXELS_SIDE)
        for v in result.region or ():
            c.number(f"{where}.region", v, 0, 1)
        if len(result.strings) > 64:
            c.fail(f"{where}.strings", "has more than 64 strings")
        for n, match in enumerate(result.strings):
            c.label(f"{where}.strings[{n}].expected", match.expected)
            c.label(f"{where}.strings[{n}].closest", match.closest)
            c.number(f"{where}.strings[{n}].cer", match.cer, 0, 1e6)


def _check_packets(c: _Checker, session: Session, runs: set[str], cases: set[str]) -> None:
    """Blind packets: a rater's copy names where it came from; the owner's records map back to real runs."""
    if session.packet is not None:
        c.ident("session.packet.packet_id", session.packet.packet_id)
        c.ident("session.packet.session_id", session.packet.session_id)
        c.label("session.packet.rater", session.packet.rater)
    for i, record in enumerate(session.packets):
        key = f"session.packets[{i}]"
        c.ident(f"{key}.packet_id", record.packet_id)
        c.label(f"{key}.rater", record.rater)
        for opaque, run_id in record.runs.items():
            c.ident(f"{key}.runs", opaque)
            if run_id not in runs:
                c.fail(f"{key}.runs", f"maps to unknown run {_show(run_id)}")
        for opaque, case_id in record.cases.items():
            c.ident(f"{key}.cases", opaque)
            if case_id not in cases:
                c.fail(f"{key}.cases", f"maps to unknown case {_show(case_id)}")
