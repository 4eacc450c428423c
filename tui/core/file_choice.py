"""Choosing a reference file in a terminal: which names count as images, tab completion of a typed path, and the
folder the last reference came from (remembered across sessions in the data dir's ``picker.json``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tui.core import paths

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif"})
MAX_LISTED = 2000  # a huge folder is completed from its first entries, never read whole on a key press


def is_image_name(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def listing(folder: Path, suffixes: frozenset[str] = IMAGE_SUFFIXES) -> list[Path]:
    """Sub-folders and files with one of ``suffixes`` (images by default) in ``folder``, hidden ones left out,
    folders first, each group by name."""
    try:
        with os.scandir(folder) as entries:
            found = []
            for i, entry in enumerate(entries):
                if i >= MAX_LISTED:
                    break
                if entry.name.startswith("."):
                    continue
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    continue
                if is_dir or Path(entry.name).suffix.lower() in suffixes:
                    found.append((not is_dir, entry.name.lower(), Path(entry.path)))
    except OSError:
        return []
    return [p for _, _, p in sorted(found)]


def complete_path(text: str, cwd: Path, suffixes: frozenset[str] = IMAGE_SUFFIXES) -> tuple[str, list[str]]:
    """Tab completion of a typed path: (the text completed as far as it is unambiguous, the candidates' names).
    A single folder gets its trailing "/", so the next tab goes into it; only folders and files with one of
    ``suffixes`` (images by default) are offered."""
    typed = os.path.expanduser(text) if text else ""
    base = Path(typed) if os.path.isabs(typed) else cwd / typed
    folder, stem = (base, "") if (not typed or typed.endswith(os.sep)) else (base.parent, base.name)
    matches = [p for p in listing(folder, suffixes) if p.name.startswith(stem)]
    if not matches:
        return text, []
    names = [p.name + (os.sep if p.is_dir() else "") for p in matches]
    common = os.path.commonprefix(names)  # noqa: RUF071 -- a shared start of names, character by character
    head = text[: len(text) - len(stem)] if stem else text
    return head + common, names if len(names) > 1 else []


def _state_file() -> Path:
    return paths.data_dir() / "picker.json"


def last_reference_dir() -> Path | None:
    """The folder the last reference was picked from, if it is still a folder (a broken state file is ignored)."""
    try:
        data = json.loads(_state_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    folder = data.get("last_dir") if isinstance(data, dict) else None
    if not isinstance(folder, str) or not folder or "\x00" in folder:
        return None
    path = Path(folder)
    return path if path.is_absolute() and path.is_dir() else None


def remember_reference_dir(folder: Path) -> None:
    """Keep ``folder`` for the next pick; a disk that refuses only loses the convenience."""
    from tui.core.atomic import atomic_write

    try:
        atomic_write(_state_file(), json.dumps({"last_dir": str(folder.resolve())}).encode(), durable=False)
    except OSError:
        pass
