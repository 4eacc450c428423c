"""Shared by the hostile-input tests: a real session with real images, exported with its files beside it, and
a way to see whether anything was written outside the data dir."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

from tests.robustness.fuzz_support import sample_session
from tui.core.model import OutputImage, Reference, Session
from tui.core.store import Store
from tui.reports.export import export_document

PLANTED = "PLANTED-KEY-hostile-0123456789abcdef"


def png(colour: tuple[int, int, int], size: tuple[int, int] = (8, 8)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def real_session(store: Store) -> Session:
    """The fuzz seed with its images and its reference really on disk (and sha256s that match them)."""
    import hashlib

    session = sample_session()
    ref_bytes = png((10, 20, 30), (32, 32))
    digest = hashlib.sha256(ref_bytes).hexdigest()
    store.write_file(session.id, f"refs/{digest}.png", ref_bytes)
    ref = Reference(digest, f"refs/{digest}.png", "PNG", 32, 32, slot="subject", filename="my ref.png")
    session.cases[1].references = [ref]
    for n, run in enumerate(session.runs):
        if run.images:
            data = png((n * 40 % 256, 90, 200), (16, 16))
            path = f"images/{run.id}-0.png"
            store.write_file(session.id, path, data)
            run.images = [OutputImage(path, hashlib.sha256(data).hexdigest(), 16, 16, "PNG", len(data))]
    store.save(session)
    return session


def export_with_files(store: Store, session: Session, folder: Path, **edit: Any) -> Path:
    """``folder/export.json`` with the session's images/ and refs/ beside it, as a bundle unpacks."""
    folder.mkdir(parents=True, exist_ok=True)
    doc = export_document(session, store)
    doc.update(edit)
    for sub in ("images", "refs"):
        source = store.session_dir(session.id) / sub
        if source.exists():
            shutil.copytree(source, folder / sub, dirs_exist_ok=True)
    file = folder / "export.json"
    file.write_text(json.dumps(doc))
    return file


def snapshot(root: Path) -> set[str]:
    """Every path under ``root`` (to tell what an operation wrote)."""
    return {str(p) for p in root.rglob("*")}


def writes_outside(before: set[str], root: Path, data: Path) -> list[str]:
    return sorted(p for p in snapshot(root) - before if not Path(p).is_relative_to(data))


def files_containing(root: Path, needle: bytes) -> list[str]:
    found = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink() and needle in path.read_bytes():
                found.append(str(path))
    return found
