"""One JSON document per session (importing one is ``tui.reports.importing``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from tui import TOOL_NAME, __version__
from tui.core.model import SCHEMA_VERSION, Session
from tui.core.safe_text import json_bytes
from tui.core.store import Store
from tui.scoring.summary import summarize

SCHEMA_FILE = Path(__file__).parent / "schema" / "export.schema.json"
_SESSION_KEYS = ("id", "name", "created_at", "blind", "blind_seed", "concurrency", "tool_version", "packet", "packets")


def export_document(session: Session, store: Store | None) -> dict[str, Any]:
    """The export as plain data. Image paths are absolute (``path``) and session-relative (``file``); without a
    store (a bundle, which carries the files) both are relative, so nothing names the exporting machine."""
    data = msgspec.to_builtins(session)
    for score in data.get("scores", []):  # omitted at their defaults in the session file; an export names them all
        for key, default in (("verdicts", {}), ("note", ""), ("blind", False), ("scored_at", "")):
            score.setdefault(key, default)
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
    # JSON escapes C0 itself; C1 may stand raw in a string, and `cat export.json` is a terminal: escaped too.
    return json_bytes(msgspec.json.format(msgspec.json.encode(export_document(session, store)), indent=2)) + b"\n"
