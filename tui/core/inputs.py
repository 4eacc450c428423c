"""Reading a file someone hands imgbench: a regular file only (a FIFO would hang, /dev/zero never ends), under a
size cap, with one-line errors naming the file."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from tui.core.validation import InputError

MAX_IMPORT_BYTES = 256 * 1024 * 1024


def read_regular(path: Path, *, max_bytes: int, what: str = "file", follow_symlinks: bool = True) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``, or an InputError naming it."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)  # NONBLOCK: opening a FIFO must not wait
    if not follow_symlinks:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError("no such file", file=path) from None
    except IsADirectoryError:
        raise InputError(f"is a directory, not a {what}", file=path) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(f"is a symbolic link; imgbench takes a {what} only as a plain file", file=path) from None
        raise InputError(f"cannot read: {exc.strerror or exc}", file=path) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"is a directory, not a {what}", file=path)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"is not a regular file (a device, FIFO or socket); give a {what} as a file", file=path)
        if info.st_size > max_bytes:
            raise InputError(f"is {info.st_size} bytes, over the {max_bytes} byte limit for a {what}", file=path)
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, min(1 << 20, max_bytes + 1 - total) or 1):
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:  # it grew while being read
                raise InputError(f"is over the {max_bytes} byte limit for a {what}", file=path)
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=path) from None
    finally:
        os.close(fd)
