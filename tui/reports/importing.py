"""Importing an export from someone else: checked whole before anything is written, images taken only from the
export's own directory (or a bundle) and only when their sha256 and a decode agree, merges that say what they did.

The pieces a bundle or a rater packet builds on:

- :func:`parse_export` turns raw bytes into a checked :class:`Session` (every id, path, reference and range);
- :class:`DirectorySource` reads ``images/…`` and ``refs/…`` beside an export (no symlinks, regular files only);
- :func:`take_images` keeps the files whose bytes match their record (sha256, a full decode, format and size);
- :func:`import_export` does the whole import or merge and returns an :class:`ImportReport`.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import msgspec

from tui import TOOL_NAME
from tui.core.images import MAX_REFERENCE_BYTES, inspect_bytes
from tui.core.inputs import read_regular
from tui.core.integrity import IMAGE_PATH_RE, REF_PATH_RE, check_session
from tui.core.migrations import migrate
from tui.core.model import Preference, Run, RunError, Score, Session
from tui.core.store import Store
from tui.core.validation import InputError
from tui.core.wording import count
from tui.scoring.stats import latest_scores

MAX_IMAGE_BYTES = max(MAX_REFERENCE_BYTES, 64 * 1024 * 1024)


# -- parsing ------------------------------------------------------------------------------------------------
def decode_json(raw: bytes, *, file: Path | str) -> Any:
    """JSON of bounded nesting (msgspec stops near 1000 levels with a RecursionError; that is an input error)."""
    try:
        return msgspec.json.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON: {exc}", file=file) from None
    except RecursionError:
        raise InputError("not valid JSON: nested too deeply", file=file) from None


def session_from_document(doc: Any, *, file: Path | str) -> Session:
    """A checked session from a decoded export: shape, then every field (see ``tui.core.integrity``)."""
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
        body["runs"] = [_relative(r, "images") for r in body["runs"]]
        body["cases"] = [_relative(c, "references") for c in body["cases"]]
        session = msgspec.convert(body, Session)
    except (msgspec.ValidationError, TypeError, AttributeError, ValueError) as exc:
        raise InputError(f"invalid export: {exc}", file=file) from None
    except RecursionError:
        raise InputError("invalid export: nested too deeply", file=file) from None
    check_session(session, file=file)
    return session


def _relative(item: dict[str, Any], key: str) -> dict[str, Any]:
    """The export names each file twice: ``file`` (inside the session) and ``path`` (where it was, on the machine
    that exported). Only ``file`` is taken; an old export without it must give a relative ``path``."""
    item = dict(item)
    item[key] = [
        {**{k: v for k, v in im.items() if k != "file"}, "path": im.get("file", im.get("path"))}
        for im in item.get(key, [])
    ]
    return item


def parse_export(raw: bytes, *, file: Path | str) -> Session:
    return session_from_document(decode_json(raw, file=file), file=file)


# -- images -------------------------------------------------------------------------------------------------
class ImageSource(Protocol):
    """Where an import finds the files an export names: ``read("images/r-1-0.png")`` is their bytes, or None
    when the source does not have the file. It raises InputError for a file it will not read (a symlink)."""

    def read(self, relative: str) -> bytes | None: ...


class DirectorySource:
    """Files under one directory, by relative path: no symlink anywhere on the way, regular files only."""

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.realpath(root))

    def read(self, relative: str) -> bytes | None:
        if not (IMAGE_PATH_RE.match(relative) or REF_PATH_RE.match(relative)):
            raise InputError(f"{relative!r} is not a file an export may name", file=self.root)
        path = self.root / relative
        if not os.path.lexists(path):
            return None
        if os.path.realpath(path) != str(path):
            raise InputError("is a symbolic link (or under one); an export's files are taken as plain files", file=path)
        return read_regular(path, max_bytes=MAX_IMAGE_BYTES, what="image", follow_symlinks=False)


class EmptySource:
    def read(self, relative: str) -> bytes | None:
        return None


def decode_image(data: bytes, *, what: str) -> tuple[str, int, int]:
    """Format and size after decoding every pixel (a header alone proves little about a file from elsewhere)."""
    from PIL import Image

    info = inspect_bytes(data, what=what)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                img.load()
    except Exception as exc:  # Pillow raises many kinds for damaged data
        raise ValueError(f"{what} does not decode: {exc}") from None
    return info.format, info.width, info.height


def _entries(session: Session) -> Iterator[tuple[str, str, str, int, int]]:
    """(path, sha256, format, width, height) of every file a session refers to."""
    for run in session.runs:
        for im in run.images:
            yield im.path, im.sha256, im.format, im.width, im.height
    for case in session.cases:
        for ref in case.references:
            yield ref.path, ref.sha256, ref.format, ref.width, ref.height


def take_images(session: Session, source: ImageSource) -> tuple[dict[str, bytes], dict[str, str]]:
    """The files of ``session`` that ``source`` has and that match their record, and why each other one was not
    taken (relative path -> reason)."""
    taken: dict[str, bytes] = {}
    refused: dict[str, str] = {}
    for path, sha256, fmt, width, height in _entries(session):
        if path in taken or path in refused:
            continue
        data = source.read(path)
        if data is None:
            refused[path] = "not beside the export"
        elif hashlib.sha256(data).hexdigest() != sha256:
            refused[path] = "its sha256 does not match the export"
        else:
            try:
                got = decode_image(data, what="the file")
            except ValueError as exc:
                refused[path] = str(exc)
                continue
            if got != (fmt, width, height):
                refused[path] = f"is a {got[1]}x{got[2]} {got[0]}, the export says {width}x{height} {fmt}"
            else:
                taken[path] = data
    return taken, refused


# -- importing ----------------------------------------------------------------------------------------------
@dataclass
class ImportReport:
    session: Session
    created: bool
    took: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    def summary(self) -> str:
        head = "imported" if self.created else "merged into the existing session"
        parts = [f"took {', '.join(self.took) if self.took else 'nothing new'}"]
        if self.skipped:
            parts.append(f"skipped {len(self.skipped)}")
        if self.conflicts:
            parts.append(f"{count(len(self.conflicts), 'conflict')} kept as yours")
        return f"{head}: " + "; ".join(parts)

    def details(self) -> list[str]:
        return [f"skipped: {s}" for s in self.skipped] + [f"conflict: {c}" for c in self.conflicts]


def import_export(
    raw: bytes,
    *,
    file: Path,
    store: Store,
    source: ImageSource | None = None,
    rater: str | None = None,
    theirs: bool = False,
) -> ImportReport:
    """Import an export, or merge it into the session of the same id. Nothing is written unless every field
    checks out; images come only from ``source`` (default: the export's own directory)."""
    incoming = parse_export(raw, file=file)
    # One score per (rater, run): an export that holds two keeps the latest, and the report says so.
    incoming.scores, dropped = latest_scores(incoming.scores)
    source = source if source is not None else DirectorySource(file.parent)
    files, refused = take_images(incoming, source)
    if store.exists(incoming.id):
        report = _merge(store, incoming, files, refused, rater=rater, theirs=theirs)
    else:
        report = _create(store, incoming, files, refused)
    if dropped:
        report.skipped.append(f"{count(dropped, 'duplicate score')} of one rater for one run: kept the latest")
    return report


def _create(store: Store, session: Session, files: dict[str, bytes], refused: dict[str, str]) -> ImportReport:
    report = ImportReport(session, created=True)
    for run in session.runs:
        missing = [im.path for im in run.images if im.path not in files]
        if run.status == "succeeded" and not run.images:
            missing, refused = ["its image"], {**refused, "its image": "is not in the export"}
        if missing:
            report.skipped.append(f"run {run.id}: {missing[0]} {refused[missing[0]]}; marked interrupted")
            run.images = []
            if run.status == "succeeded":
                run.status = "interrupted"
                run.error = RunError("interrupted", "imported without its image: `imgbench sessions resume` runs it")
    for case in session.cases:
        for ref in case.references:
            if ref.path not in files:
                report.skipped.append(f"case {case.id}: reference {ref.path} {refused[ref.path]}")
    try:
        for relative, data in files.items():
            store.write_file(session.id, relative, data)
        store.save(session)
    except BaseException:
        store.delete(session.id, missing_ok=True)  # nothing half-made stays behind
        raise
    images = sum(1 for path in files if path.startswith("images/"))
    report.took = [
        f"{count(len(session.runs), 'run')}",
        f"{count(images, 'image')}",
        f"{count(len(session.scores), 'score')}",
    ]
    return report


def _merge(
    store: Store,
    incoming: Session,
    files: dict[str, bytes],
    refused: dict[str, str],
    *,
    rater: str | None,
    theirs: bool,
) -> ImportReport:
    local = store.load(incoming.id)
    takeable = _runs_to_take(local, incoming, files, refused)
    for run, why in takeable.values():
        for im in run.images if not why else ():
            store.write_file(incoming.id, im.path, files[im.path])  # before the session refers to it
    result: list[ImportReport] = []

    def change(session: Session) -> None:
        report = ImportReport(session, created=False)
        report.skipped += [why for _, why in takeable.values() if why]
        runs = {r.id: i for i, r in enumerate(session.runs)}
        taken = 0
        for run_id, (run, why) in takeable.items():
            if not why and run_id in runs and session.runs[runs[run_id]].status not in ("succeeded", "running"):
                session.runs[runs[run_id]] = run
                taken += 1
        scores = _merge_scores(session, incoming, report, rater=rater, theirs=theirs)
        prefs = _merge_preferences(session, incoming, report, rater=rater, theirs=theirs)
        report.took = [
            f"{count(scores, 'score')}",
            f"{count(prefs, 'preference')}",
            f"{count(taken, 'run')} with their images",
        ]
        result.append(report)

    store.mutate(incoming.id, change)
    return result[0]


def _runs_to_take(
    local: Session, incoming: Session, files: dict[str, bytes], refused: dict[str, str]
) -> dict[str, tuple[Run, str]]:
    """Runs that finished only in the other copy: taken with their verified images, else left as they are here
    (run id -> (run, why it is not taken; empty when it is))."""
    mine = {r.id: r for r in local.runs}
    out: dict[str, tuple[Run, str]] = {}
    for run in incoming.runs:
        here = mine.get(run.id)
        if run.status != "succeeded" or here is None or here.status == "succeeded":
            continue
        if here.status in ("running", "retrying"):
            out[run.id] = (run, f"run {run.id}: running here now; left as it is")
        elif (here.case_id, here.model, here.repeat) != (run.case_id, run.model, run.repeat):
            out[run.id] = (run, f"run {run.id}: a different run under the same id; left as it is")
        elif not run.images:
            out[run.id] = (run, f"run {run.id}: no image in the export; left as it is")
        elif missing := [im.path for im in run.images if im.path not in files]:
            out[run.id] = (run, f"run {run.id}: {missing[0]} {refused[missing[0]]}; left as it is")
        else:
            out[run.id] = (run, "")
    return out


def _merge_scores(session: Session, incoming: Session, report: ImportReport, *, rater: str | None, theirs: bool) -> int:
    runs = {r.id: r for r in session.runs}
    cases = {c.id: c for c in session.cases}
    changed = 0
    for score in incoming.scores:
        run = runs.get(score.run_id)
        if run is None or run.case_id not in cases:
            report.skipped.append(f"score of {score.rater} on run {score.run_id}: no such run here")
            continue
        items = {item.id for item in cases[run.case_id].checklist}
        if not set(score.verdicts) <= items:
            report.skipped.append(f"score of {score.rater} on run {score.run_id}: items not in this checklist")
            continue
        mine = session.score_of(score.run_id, score.rater)
        if mine is not None and _same_score(mine, score):
            continue
        if mine is not None and score.rater == rater and not theirs:
            report.conflicts.append(f"your score on run {score.run_id} differs; yours kept (--theirs takes theirs)")
            continue
        if mine is None or theirs or (score.scored_at or "") > (mine.scored_at or ""):
            session.set_score(score)
            changed += 1
    return changed


def _same_score(a: Score, b: Score) -> bool:
    return (a.verdicts, a.note, a.blind) == (b.verdicts, b.note, b.blind)


def _merge_preferences(
    session: Session, incoming: Session, report: ImportReport, *, rater: str | None, theirs: bool
) -> int:
    # One vote per rater and pair of runs, whichever side each run was shown on; the newer vote wins, as for
    # scores, so a re-vote replaces the old one instead of counting twice in Bradley–Terry.
    def key(p: Preference) -> tuple[str, str, frozenset[str]]:
        return p.case_id, p.rater, frozenset((p.run_a, p.run_b))

    runs = {r.id: r.case_id for r in session.runs}
    votes = {key(p): p for p in session.preferences}
    changed = 0
    for pref in incoming.preferences:
        if runs.get(pref.run_a) != pref.case_id or runs.get(pref.run_b) != pref.case_id:
            report.skipped.append(f"preference of {pref.rater} in case {pref.case_id}: no such runs here")
            continue
        mine = votes.get(key(pref))
        if mine is not None and (mine.outcome, mine.run_a) == (pref.outcome, pref.run_a):
            continue
        if mine is not None and pref.rater == rater and not theirs:
            report.conflicts.append(f"your preference in case {pref.case_id} differs; yours kept")
            continue
        if mine is None or theirs or (pref.given_at or "") > (mine.given_at or ""):
            votes[key(pref)] = pref
            changed += 1
    session.preferences = list(votes.values())
    return changed
