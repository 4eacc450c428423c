"""Whether the session index's rows still say what the files say: each row's stamp (inode, mtime, size of the
file it was made from), the stamps of the files on disk, and the slim decode of a file whose row is stale."""

from __future__ import annotations

import os
from collections.abc import Callable

import msgspec

from tui.core.tallies import IndexDoc

SESSION_FILE = "session.json"
_doc_decoder = msgspec.json.Decoder(IndexDoc)


def stamp_of(st: os.stat_result) -> str:
    """What a row was made from: a new file (atomic writes replace the inode), a new time or a new size differ."""
    return f"{st.st_ino}:{st.st_mtime_ns}:{st.st_size}"


class Unreadable(Exception):
    """A session file that is not a session (or cannot be read): ``reason`` is one line, ``stamp`` what was seen."""

    def __init__(self, reason: str, stamp: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.stamp = stamp


def on_disk(sessions_dir: os.PathLike[str] | str) -> dict[str, tuple[str, str]]:
    """directory name -> (stamp, path) of every session file; a directory without one is not a session."""
    found: dict[str, tuple[str, str]] = {}
    try:
        entries = os.scandir(sessions_dir)
    except FileNotFoundError:
        return found
    with entries:
        for entry in entries:
            path = f"{entry.path}/{SESSION_FILE}"
            try:
                found[entry.name] = (stamp_of(os.stat(path)), path)
            except (FileNotFoundError, NotADirectoryError):
                continue  # a directory being created, or not a session (a stray file, .DS_Store)
            except OSError as exc:
                found[entry.name] = (f"error:{exc.errno}", path)
    return found


def read_doc(path: str, decode_full: Callable[[bytes, str], object]) -> tuple[IndexDoc, str]:
    """The slim decode of a session file and the stamp of exactly the bytes read (fstat of the open file: a
    writer replacing it meanwhile makes a new inode, so a row never claims a newer file than the one it holds)."""
    from tui.core.model import SCHEMA_VERSION
    from tui.core.validation import InputError

    try:
        with open(path, "rb") as f:
            data = f.read()
            stamp = stamp_of(os.fstat(f.fileno()))
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(path) from None
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror}", f"error:{exc.errno}") from None
    try:
        doc = _doc_decoder.decode(data)
        if doc.schema_version == SCHEMA_VERSION:
            return doc, stamp
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError):
        pass  # (nested too deeply: the full decoder words it)
    # An older file, or a broken one: the store's migrating decoder takes it, or says what is wrong with it.
    try:
        full = decode_full(data, path)
    except InputError as exc:
        raise Unreadable(exc.reason, stamp) from None
    return msgspec.convert(msgspec.to_builtins(full), IndexDoc), stamp
