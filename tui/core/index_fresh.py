"""Whether the session index's rows still say what the files say, checked as cheaply as that can be known.

Every row keeps the stamp (inode, mtime, size) of the file it was made from. A **full check** compares every
session file's stamp with its row and re-reads the files that differ: 10,000 ``stat`` calls, about as long as the
rest of a listing. So a read first makes a **quick check**, which trusts the rows when nothing can have changed
behind them:

- the sessions folder is as the last full check left it (its inode, mtime and ctime: a session folder made,
  removed or renamed in or out changes them, and a ctime cannot be set back), and that check is less than
  ``RECHECK_S`` old; a folder that had changed less than ``SETTLE_NS`` before the check is not trusted yet
  (file times are coarse: a change in the same tick would not show);
- every write by imgbench marks its session pending in the index before it writes the file and clears the mark
  with the new row (``SessionIndex.begin`` / ``put``), so a write killed between the two leaves its mark: a
  read re-reads a pending session once no writer holds its lock.

What a quick check does not see: a session file edited in place inside an existing session folder without
imgbench (a hand edit, a sync tool, an imgbench older than the index) until the next full check, which runs
when the folder changes, every ``RECHECK_S``, on Home (in the background) and with ``sessions list --check``.
"""

from __future__ import annotations

import os
import sqlite3
import time

TYPE_CHECKING = False  # not typing's: a listing from fresh rows would import re with it
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from tui.core.index_rows import Rows
    from tui.core.tallies import IndexDoc

SESSION_FILE = "session.json"
SETTLE_NS = 1_000_000_000  # a folder changed this recently may change again within the same timestamp tick
RECHECK_S = 600.0  # a full check at least this often, so that an edit made without imgbench shows in the end
_BATCH = 500  # rows re-read in one commit


def _now_ns() -> int:
    return time.time_ns()  # (a function: the tests move the clock on, instead of waiting for a folder to settle)


def stamp_of(st: os.stat_result) -> str:
    """What a row was made from: a new file (atomic writes replace the inode), a new time or a new size differ."""
    return f"{st.st_ino}:{st.st_mtime_ns}:{st.st_size}"


def folder_stamp(st: os.stat_result) -> str:
    return f"{st.st_ino}:{st.st_mtime_ns}:{st.st_ctime_ns}"


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


class Freshness:
    """Brings the rows up to date with the files. ``transaction(conn, fn, *args)`` runs ``fn(conn, *args)`` in
    one write transaction (the index's); ``decode_full`` is the store's migrating decoder."""

    def __init__(
        self,
        sessions_dir: os.PathLike[str] | str,
        rows: Rows,
        decode_full: Callable[[bytes, str], object],
        transaction: Callable[..., None],
    ) -> None:
        self.sessions_dir = os.fspath(sessions_dir)
        self._rows = rows
        self._decode_full = decode_full
        self._transaction = transaction

    def quick(self, conn: sqlite3.Connection) -> None:
        """The quick check, and the full one when it cannot vouch for the rows."""
        try:
            now = folder_stamp(os.stat(self.sessions_dir))
        except OSError:
            now = None
        row = conn.execute("SELECT value FROM meta WHERE key = 'folder'").fetchone()
        stamp, _, checked = row[0].rpartition(" ") if row else ("", "", "0")
        if now is None or stamp != now or not 0 <= _now_ns() / 1e9 - float(checked) < RECHECK_S:
            self.full(conn)
            return
        self.settle(conn)

    def full(self, conn: sqlite3.Connection) -> int:
        """Every file's stamp against its row; returns how many session files there are."""
        started = _now_ns() / 1e9
        try:
            before = os.stat(self.sessions_dir)  # before the scan: whatever changes during it shows next time
        except OSError:
            before = None
        found = on_disk(self.sessions_dir)
        known = dict(conn.execute("SELECT dir, stamp FROM sessions"))
        gone = [d for d in known if d not in found]
        stale = [(d, path) for d, (stamp, path) in found.items() if known.get(d) != stamp]
        for start in range(0, max(len(stale), len(gone)), _BATCH):  # one commit per batch, not one per session
            self._transaction(conn, self._reread, gone[start : start + _BATCH], stale[start : start + _BATCH])
        if before is not None and _now_ns() - before.st_ctime_ns >= SETTLE_NS:
            value = f"{folder_stamp(before)} {started}"
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('folder', ?)", (value,))
        else:
            conn.execute("DELETE FROM meta WHERE key = 'folder'")  # changed just now: the next read checks again
        self.settle(conn)
        return len(found)

    def settle(self, conn: sqlite3.Connection) -> None:
        """Sessions marked pending: re-read each one no writer is busy with (its writer was killed, or failed
        to reach the index), under its lock, and clear the mark. One a writer holds is left to that writer."""
        pending = [d for (d,) in conn.execute("SELECT dir FROM pending")]
        if not pending:
            return
        from filelock import FileLock, Timeout

        for directory in pending:
            folder = os.path.join(self.sessions_dir, directory)
            if not os.path.isdir(folder):
                continue  # removed: the folder's change makes the next read a full check
            lock = FileLock(os.path.join(folder, ".lock"), timeout=0)
            try:
                lock.acquire()
            except (Timeout, OSError):
                continue
            try:
                self._transaction(conn, self._settle_one, directory, os.path.join(folder, SESSION_FILE))
            finally:
                lock.release()

    def _settle_one(self, conn: sqlite3.Connection, directory: str, path: str) -> None:
        self._reread(conn, [], [(directory, path)])
        conn.execute("DELETE FROM pending WHERE dir = ?", (directory,))

    def _reread(self, conn: sqlite3.Connection, gone: list[str], stale: list[tuple[str, str]]) -> None:
        for directory in gone:
            self._rows.delete(conn, directory)
        for directory, path in stale:
            try:
                doc, stamp = read_doc(path, self._decode_full)
            except FileNotFoundError:
                self._rows.delete(conn, directory)
            except Unreadable as exc:
                self._rows.put(conn, directory, None, exc.stamp, exc.reason)
            else:
                self._rows.put(conn, directory, doc, stamp, None)


_doc_decoder: Any = None


def read_doc(path: str, decode_full: Callable[[bytes, str], object]) -> tuple[IndexDoc, str]:
    """The slim decode of a session file and the stamp of exactly the bytes read (fstat of the open file: a
    writer replacing it meanwhile makes a new inode, so a row never claims a newer file than the one it holds)."""
    global _doc_decoder
    import msgspec  # not at import: a listing from fresh rows never decodes a file

    from tui.core.model import SCHEMA_VERSION
    from tui.core.tallies import IndexDoc
    from tui.core.validation import InputError

    if _doc_decoder is None:
        _doc_decoder = msgspec.json.Decoder(IndexDoc)
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
