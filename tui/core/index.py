"""The session index: ``index.sqlite3`` in the data dir, one row per session plus its raw verdict tallies.

The JSON session files stay the truth; the index is a cache of them, so that listings, Home, the palette and the
leaderboard read one small database instead of every file. ``Store`` updates a session's row in the same locked
step as it writes the file. Every read first compares each file's (inode, mtime, size) with what the row was made
from and re-reads the files that differ (a write killed between the file and the index, an older imgbench, a
hand edit); a missing, corrupt or older-format index is rebuilt from the files, and says so in one line.
Deleting it is always safe. A failure of the index itself never fails a session write: the next read repairs it.

Split by job: this module holds the connection, the rebuild and the reads; ``index_rows`` the tables and how a
session becomes rows; ``index_fresh`` the stamps, the files on disk and the slim decode of a stale one;
``index_queries`` the leaderboard's sums.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from tui.core.index_fresh import SESSION_FILE, Unreadable, on_disk, read_doc, stamp_of
from tui.core.index_rows import SCHEMA, Rows
from tui.core.tallies import TALLY_VERSION, SessionSummary
from tui.core.wording import count

INDEX_FILE = "index.sqlite3"
# The layout of the tables; TALLY_VERSION is how tallies are computed. A change of either rebuilds the index.
INDEX_SCHEMA = 2  # 2: the run moments s1, s2, sn, n2 in tallies
_FORMAT = f"{INDEX_SCHEMA}.{TALLY_VERSION}"

_summaries_decoder = msgspec.json.Decoder(list[SessionSummary])
T = TypeVar("T")


class SessionIndex:
    """``decode_full`` is the store's migrating decoder (bytes, file -> Session, or InputError), for a file
    the slim decode cannot take (an older schema, or a broken file whose reason it words)."""

    def __init__(self, root: Path, decode_full: Callable[[bytes, str], object]) -> None:
        self.root = root
        self.file = root / INDEX_FILE
        self.sessions_dir = root / "sessions"
        self._decode_full = decode_full
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()  # one connection, shared by the threads of this process
        self._found_corrupt = False
        self._rows = Rows()
        self.notice: str | None = None  # the one line saying the index was rebuilt, for whoever shows it

    # -- the connection ---------------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        why = "corrupt" if self._found_corrupt else None
        self._found_corrupt = False
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            if why is None and not self.file.exists():
                why = "missing"
            conn = self._connect(self.file)
            found = self._format(conn)
            if found is None:
                why = why or "missing"  # just made (here, or by another process starting at the same time)
            elif found != _FORMAT:
                conn.close()
                self._remove_files()
                why = "made by another version"
                conn = self._connect(self.file)
        except sqlite3.DatabaseError:
            why = why or "corrupt"
            self._remove_files()
            try:
                conn = self._connect(self.file)
            except sqlite3.Error:  # an unwritable data dir: an index in memory, for this process only
                conn = self._connect(":memory:")
        except OSError:
            why = why or "not writable"
            conn = self._connect(":memory:")
        self._conn = conn
        if why is not None:
            with conn:
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (_FORMAT,))
            listed = self._refresh_all(conn)
            if listed:  # a first session in a new data dir is not news
                self.notice = f"session index {why}: rebuilt from {count(listed, 'session file')} ({self.file})"
        return conn

    @staticmethod
    def _connect(file: Path | str) -> sqlite3.Connection:
        conn = sqlite3.connect(file, timeout=10.0, check_same_thread=False, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # a cache: a write lost in a power cut is repaired on read
            conn.executescript(SCHEMA)
        except BaseException:
            conn.close()
            raise
        return conn

    @staticmethod
    def _format(conn: sqlite3.Connection) -> str | None:
        row = conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        return row[0] if row else None

    def _remove_files(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):  # gone already, or never a file (then it cannot be opened either)
                os.unlink(f"{self.file}{suffix}")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _run(self, step: Callable[[sqlite3.Connection], T], *, refresh: bool) -> T:
        """``step`` on the open index, brought up to date with the files first when ``refresh``. An index found
        corrupt on the way is removed and rebuilt, and the step tried once more."""
        with self._lock:
            for attempt in (1, 2):
                try:
                    conn = self._open()
                    if refresh:
                        self._refresh_all(conn)
                    return step(conn)
                except sqlite3.DatabaseError as exc:
                    busy = isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))
                    if attempt == 2 or busy:
                        raise
                    self._discard()
            raise AssertionError("unreachable")

    def _discard(self) -> None:
        self.close()
        self._remove_files()
        self._found_corrupt = True

    # -- writing ----------------------------------------------------------------------------------
    def put(self, directory: str, doc: object, st: os.stat_result) -> None:
        """The row of a session just written (``doc`` is what was written, ``st`` the file's stat after)."""
        self._guarded(lambda conn: self._in_transaction(conn, self._rows.put, directory, doc, stamp_of(st), None))

    def forget(self, directory: str) -> None:
        self._guarded(lambda conn: self._in_transaction(conn, self._rows.delete, directory))

    def _guarded(self, step: Callable[[sqlite3.Connection], None]) -> None:
        # The session file is already written: whatever the index says, a failure here must not fail the write.
        # The row stays stale (its stamp no longer matches the file) and the next read re-reads that file.
        with contextlib.suppress(sqlite3.Error, OSError):
            self._run(step, refresh=False)
        self.notice = None  # a rebuild on the way to a write is the writer's business, not a listing's news

    def _in_transaction(self, conn: sqlite3.Connection, fn: Callable[..., None], *args: object) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            fn(conn, *args)
        except BaseException:
            self._rows.forget_names()  # names it added are rolled back too
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- freshness --------------------------------------------------------------------------------
    def _refresh_all(self, conn: sqlite3.Connection) -> int:
        found = on_disk(self.sessions_dir)
        known = dict(conn.execute("SELECT dir, stamp FROM sessions"))
        gone = [d for d in known if d not in found]
        stale = [(d, path) for d, (stamp, path) in found.items() if known.get(d) != stamp]
        for start in range(0, max(len(stale), len(gone)), 500):  # one commit per batch, not one per session
            self._in_transaction(conn, self._refresh_batch, gone[start : start + 500], stale[start : start + 500])
        return len(found)

    def _refresh_batch(self, conn: sqlite3.Connection, gone: list[str], stale: list[tuple[str, str]]) -> None:
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

    # -- reading ----------------------------------------------------------------------------------
    def summaries(
        self, *, limit: int | None = None, refresh: bool = True
    ) -> tuple[list[SessionSummary], list[tuple[Path, str]]]:
        """Newest first (up to ``limit``), and (file, one-line reason) of each session file that could not be read.
        ``refresh=False`` trusts the rows as they are: the fastest first screenful, to be followed by a fresh read."""

        def read(conn: sqlite3.Connection) -> tuple[bytes | None, list[tuple[str, str]]]:
            # One JSON array built in SQLite and decoded in one call: no Python work per row.
            sql = "SELECT summary FROM sessions WHERE summary IS NOT NULL ORDER BY created_at DESC, id DESC"
            if limit is not None:
                sql += f" LIMIT {int(limit)}"
            (joined,) = conn.execute(f"SELECT '[' || group_concat(summary, ',') || ']' FROM ({sql})").fetchone()
            errors = conn.execute("SELECT dir, error FROM sessions WHERE error IS NOT NULL ORDER BY dir").fetchall()
            return joined, errors

        joined, errors = self._run(read, refresh=refresh)
        sessions = _summaries_decoder.decode(joined) if joined else []
        return sessions, [(self.sessions_dir / d / SESSION_FILE, e) for d, e in errors]

    def query(self, sql: str, params: Sequence[object] = (), *, refresh: bool = True) -> list[tuple[Any, ...]]:
        """The rows of a read-only query over the tables above, after bringing them up to date."""
        return self._run(lambda conn: conn.execute(sql, params).fetchall(), refresh=refresh)
