"""One JSON document per session: export, import (lossless), and merging another rater's export."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

import msgspec

from tui import TOOL_NAME, __version__
from tui.core.migrations import migrate
from tui.core.model import SCHEMA_VERSION, Preference, Session
from tui.core.store import Store, check_session_id
from tui.core.validation import InputError
from tui.scoring.stats import latest_scores
from tui.scoring.summary import summarize

SCHEMA_FILE = Path(__file__).parent / "schema" / "export.schema.json"
_SESSION_KEYS = ("id", "name", "created_at", "blind", "blind_seed", "concurrency", "tool_version", "packet", "packets")


def export_document(session: Session, store: Store | None) -> dict[str, Any]:
    """The export as plain data. Image paths are absolute (``path``) and session-relative (``file``); without a
    store (a bundle, which carries the files) both are relative, so nothing names the exporting machine."""
    data = msgspec.to_builtins(session)
    base = store.session_dir(session.id) if store is not None else None
    for entry in [im for run in data.get("runs", []) for im in run.get("images", [])] + [
        ref for case in data.get("cases", []) for ref in case.get("references", [])
    ]:
        entry["file"] = entry["path"]
        entry["path"] = str(base / entry["file"]) if base is not None else entry["file"]
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "session": {k: data[k] for k in _SESSION_KEYS if k in data},
        "models": data.get("models", []),
        "cases": data.get("cases", []),
        "runs": data.get("runs", []),
        "scores": data.get("scores", []),
        "preferences": data.get("preferences", []),
        "summary": {s.model: s.to_dict() for s in summarize(session)},
    }


def export_json(session: Session, store: Store | None) -> bytes:
    return msgspec.json.format(msgspec.json.encode(export_document(session, store)), indent=2) + b"\n"


def session_from_document(doc: Any, *, file: Path | str) -> Session:
    if not isinstance(doc, dict):
        raise InputError("not an imgbench export (expected a JSON object)", file=file)
    tool = doc.get("tool")
    if not isinstance(tool, dict) or tool.get("name") != TOOL_NAME:
        raise InputError("not an imgbench export (tool.name is not 'imgbench')", file=file, key="tool.name")
    doc = migrate(doc, file=file)
    header = doc.get("session")
    if not isinstance(header, dict):
        raise InputError("missing the session object", file=file, key="session")
    body: dict[str, Any] = dict(header)
    for key in ("models", "cases", "runs", "scores", "preferences"):
        body[key] = doc.get(key, [])
    try:
        body["runs"] = [_relative_images(r, "images") for r in body["runs"]]
        body["cases"] = [_relative_images(c, "references") for c in body["cases"]]
        session = msgspec.convert(body, Session)
    except (msgspec.ValidationError, TypeError, AttributeError, ValueError) as exc:
        raise InputError(f"invalid export: {exc}", file=file) from None
    try:
        check_session_id(session.id)
    except InputError as exc:
        raise InputError(exc.reason, file=file, key="session.id") from None
    stored = [(f"runs[{i}].images[{j}]", im.path) for i, r in enumerate(session.runs) for j, im in enumerate(r.images)]
    stored += [
        (f"cases[{i}].references[{j}]", ref.path)
        for i, c in enumerate(session.cases)
        for j, ref in enumerate(c.references)
    ]
    for key, relative in stored:
        parts = PurePosixPath(relative).parts
        if len(parts) < 2 or parts[0] not in ("images", "refs") or any(p in ("..", ".") for p in parts):
            raise InputError(f"{relative!r} is not a file inside the session (images/… or refs/…)", file=file, key=key)
    known_runs = {r.id for r in session.runs}
    for score in session.scores:
        if score.run_id not in known_runs:
            raise InputError(f"score for unknown run {score.run_id!r}", file=file, key="scores")
    return session


def _relative_images(item: dict[str, Any], key: str) -> dict[str, Any]:
    item = dict(item)
    item[key] = [
        {**{k: v for k, v in im.items() if k != "file"}, "path": im.get("file", im.get("path"))}
        for im in item.get(key, [])
    ]
    return item


def _source_for(entry: dict[str, Any], export_file: Path) -> Path | None:
    """Where an exported image is now: its absolute path, or beside the export file."""
    for candidate in (entry.get("path"), entry.get("file")):
        if not candidate or not isinstance(candidate, str):
            continue
        path = Path(candidate)
        if not path.is_absolute():
            path = export_file.parent / path
        if path.is_file():
            return path
    return None


def import_document(raw: bytes, *, file: Path, store: Store) -> tuple[Session, str]:
    """Import an export. A session that already exists gets the other rater's scores merged in.

    Returns the session and what was done ("imported" or "merged N scores").
    """
    try:
        doc = msgspec.json.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON: {exc}", file=file) from None
    incoming = session_from_document(doc, file=file)
    # One score per (rater, run): an export that holds two keeps the latest, and the message says so.
    incoming.scores, dropped = latest_scores(incoming.scores)
    extra = f"; {dropped} duplicate score(s) of one rater for one run: kept the latest" if dropped else ""
    if store.exists(incoming.id):
        added = 0

        def merge(session: Session) -> None:
            nonlocal added
            added = merge_sessions(session, incoming)

        merged = store.mutate(incoming.id, merge)
        return merged, f"merged {added} score(s) into existing session{extra}"
    copied = _copy_files(doc, incoming, file=file, store=store)
    store.save(incoming)
    return incoming, f"imported ({copied} file(s) copied){extra}"


def _copy_files(doc: dict[str, Any], session: Session, *, file: Path, store: Store) -> int:
    copied = 0
    entries: list[dict[str, Any]] = []
    for run in doc.get("runs", []):
        entries.extend(run.get("images", []))
    for case in doc.get("cases", []):
        entries.extend(case.get("references", []))
    for entry in entries:
        relative = entry.get("file") or entry.get("path")
        source = _source_for(entry, file)
        if not relative or source is None:
            continue
        target = store.abspath(session.id, relative)
        data = source.read_bytes()
        if entry.get("sha256") and hashlib.sha256(data).hexdigest() != entry["sha256"]:
            continue  # a different file now lives there: better missing than wrong
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied += 1
    return copied


def merge_sessions(into: Session, other: Session) -> int:
    """Merge another copy of the same session: scores and preferences by rater, newest wins; runs that
    finished only in the other copy are taken. Returns how many scores were added or updated."""
    changed = 0
    for score in other.scores:
        mine = into.score_of(score.run_id, score.rater)
        if mine is None or (score.scored_at or "") > (mine.scored_at or ""):
            into.set_score(score)
            changed += 1

    # One vote per rater and pair of runs, whichever side each run was shown on; the newer vote wins,
    # as for scores, so a re-vote replaces the old one instead of counting twice in Bradley–Terry.
    def key(p: Preference) -> tuple[str, str, frozenset[str]]:
        return p.case_id, p.rater, frozenset((p.run_a, p.run_b))

    votes = {key(p): p for p in into.preferences}
    for pref in other.preferences:
        mine = votes.get(key(pref))
        if mine is None or (pref.given_at or "") > (mine.given_at or ""):
            votes[key(pref)] = pref
    into.preferences = list(votes.values())
    runs = {r.id: i for i, r in enumerate(into.runs)}
    for run in other.runs:
        if run.id in runs and into.runs[runs[run.id]].status != "succeeded" and run.status == "succeeded":
            into.runs[runs[run.id]] = run
    return changed
