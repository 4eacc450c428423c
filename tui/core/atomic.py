"""Atomic file writes: a temp file in the same directory, fsync, os.replace, fsync the directory."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be opened
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, data: bytes, *, mode: int = 0o644, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` so that a reader or a crash sees the old file or the new one, never half.
    A refusal (a full disk: ENOSPC from write or fsync, which name no file) is an OSError naming ``path``."""
    try:
        _atomic_write(path, data, mode=mode, durable=durable)
    except OSError as exc:
        if exc.filename is None or str(exc.filename).endswith(".tmp"):
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
        raise


def _atomic_write(path: Path, data: bytes, *, mode: int, durable: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable:
        _fsync_dir(path.parent)


def fsync_file(path: Path) -> None:
    """Make a file written with ``durable=False`` durable; its directory entry needs ``fsync_dirs`` too."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dirs(paths: Iterable[Path]) -> None:
    """fsync the directories holding ``paths``, each once: a batch of new files pays one directory sync."""
    for directory in dict.fromkeys(path.parent for path in paths):
        _fsync_dir(directory)
