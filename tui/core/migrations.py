"""Bring older session and export documents up to the current schema on load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui.core.model import SCHEMA_VERSION
from tui.core.validation import InputError


def _v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 2 added machine checks (``ChecklistItem.machine``, ``Run.checks``), both optional: a version 1
    document is a version 2 one without any. The number moved so an older imgbench refuses a newer file instead
    of dropping its checks when it writes the session back."""
    return doc


# version -> function that turns a document of that version into the next version.
_STEPS: dict[int, Any] = {1: _v1_to_v2}


def migrate(doc: dict[str, Any], *, file: Path | str) -> dict[str, Any]:
    version = doc.get("schema_version", 1)
    if not isinstance(version, int) or version < 1:
        raise InputError(f"schema_version {version!r} is not a positive whole number", file=file, key="schema_version")
    if version > SCHEMA_VERSION:
        raise InputError(
            f"written by a newer imgbench (schema {version}; this one reads up to {SCHEMA_VERSION})",
            file=file,
            key="schema_version",
        )
    while version < SCHEMA_VERSION:
        doc = _STEPS[version](doc)
        version += 1
        doc["schema_version"] = version
    return doc
