"""Writing a file the user named (``-o FILE``, ``--sheet FILE``, ``--bundle FILE``): ``-`` is stdout; a device, FIFO
or terminal is written through (``-o /dev/null`` must never turn /dev/null into a regular file); a regular file
is replaced atomically; a symbolic link is followed, never replaced; a failure names the file."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from tui.core.atomic import atomic_write
from tui.core.validation import InputError, StorageError


def write_user_file(target: str | Path, data: bytes, *, durable: bool = False) -> str:
    """Write ``data`` where the user asked; returns what to call it in a message ("stdout" for ``-``)."""
    name = str(target)
    if name == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return "stdout"
    path = Path(name)
    try:
        info = os.stat(path)  # follows a symlink: what matters is what it points at
    except FileNotFoundError:
        if os.path.lexists(path):
            raise InputError("is a symbolic link to nothing; imgbench does not replace links", file=path) from None
        info = None
    except OSError as exc:
        raise StorageError(exc.strerror or str(exc), file=path) from None
    try:
        if info is None:
            atomic_write(path, data, durable=durable)
        elif stat.S_ISDIR(info.st_mode):
            raise InputError("is a directory; give a file name", file=path)
        elif stat.S_ISREG(info.st_mode):
            # Through the link, if it is one: the link stays, the file it names is replaced whole.
            atomic_write(Path(os.path.realpath(path)), data, durable=durable)
        else:
            _write_through(path, data)
    except OSError as exc:
        raise StorageError(exc.strerror or str(exc), file=exc.filename or path) from None
    return name


def _write_through(path: Path, data: bytes) -> None:
    """A character device, FIFO or socket: opened as it is (no create, no rename) and written to."""
    fd = os.open(path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
