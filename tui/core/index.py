"""The session index: ``index.sqlite3`` in the data dir, one row per session plus its raw verdict tallies.

The JSON session files stay the truth; the index is a cache of them, so that listings, Home, the palette and the
leaderboard read one small database instead of every file. ``Store`` marks a session pending here, writes its
file, then puts its row, under the session's lock. A read first brings the rows up to date with the files
(``index_fresh``: a quick check when nothing can have changed behind them, else every file's stamp); a missing,
corrupt or older-format index is rebuilt from the files, and says so in one line. Deleting it is always safe.
A failure of the index itself never fails a session write: the next read repairs it.

Split by job: this module holds the connection, the rebuild, the writes and the reads; ``index_rows`` the tables
and how a session becomes rows; ``index_fresh`` whether the rows are fresh, and re-reading those that are not;
``index_queries`` the leaderboard's sums.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from _thread import RLock  # threading's RLock, without threading's imports

from tui.core.index_fresh import SESSION_FILE, Freshness, stamp_of
from tui.core.index_rows import SCHEMA, Rows
from tui.core.wording import count

# Not typing's TYPE_CHECKING, nor pathlib at import: `sessions list` would pay for their imports (re among them).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path
    from typing import Any, TypeVar

    from tui.core.tallies import SessionSummary

    T = TypeVar("T")

INDEX_FILE = "index.sqlite3"
# The layout of the tables; TALLY_VERSION is how tallies are computed. A change of either rebuilds the index.
# 2: the run moments s1, s2, sn, n2 in tallies; 3: pending writes, the listing's columns; 4: tallies by rater, memo;
# 5: the listing's line
INDEX_SCHEMA = 5
TALLY_VERSION = 4  # as tui.core.tallies.TALLY_VERSION (checked by a test; importing it costs a listing ~40 ms)
_FORMAT = f"{INDEX_SCHEMA}.{TALLY_VERSION}"
_LISTING = (
    "SELECT id, created_at, name, n_cases, n_models, n_ok, n_runs, n_scores FROM sessions "
    "WHERE summary IS NOT NULL ORDER BY created_at DESC, id DESC"
)


class SessionIndex:
    """``decode_full`` is the store's migrating decoder (bytes, file -> Session, or InputError), for a file
    the slim decode cannot take (an older schema, or a broken file whose reason it words)."""

    def __init__(self, root: os.PathLike[str] | str, decode_full: Callable[[bytes, str], object]) -> None:
        self.root_name = os.fspath(root)
        self.file_name = os.path.join(self.root_name, INDEX_FILE)
        self.sessions_name = os.path.join(self.root_name, "sessions")
        self._decode_full = decode_full
        self._conn: sqlite3.Connection | None = None
        self._lock = RLock()  # one connection, shared by the threads of this process
        self._found_corrupt = False
        self._rows = Rows()
        self._fresh = Freshness(self.sessions_name, self._rows, decode_full, self._in_transaction)
        self.notice: str | None = None  # the one line saying the index was rebuilt, for whoever shows it

    # The same places as Paths, for callers that work in them (the listing itself works in the names above).
    @property
    def root(self) -> Path:
        from pathlib import Path

        return Path(self.root_name)

    @property
    def file(self) -> Path:
        return self.root / INDEX_FILE

    @property
    def sessions_dir(self) -> Path:
        return self.root / "sessions"

    # -- the connection ---------------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        why = "corrupt" if self._found_corrupt else None
        self._found_corrupt = False
        try:
            os.makedirs(self.root_name, exist_ok=True)
            if why is None and not os.path.exists(self.file_name):
                why = "missing"
            conn = self._connect(self.file_name)
            found = self._format(conn)
            if found is None:
                why = why or "missing"  # just made (here, or by another process starting at the same time)
            elif found != _FORMAT:
                conn.close()
                self._remove_files()
                why = "made by another version"
                conn = self._connect(self.file_name)
        except sqlite3.DatabaseError:
            why = why or "corrupt"
            self._remove_files()
            try:
                conn = self._connect(self.file_name)
            except sqlite3.Error:  # an unwritable data dir: an index in memory, for this process only
                conn = self._connect(":memory:")
        except OSError:
            why = why or "not writable"
            conn = self._connect(":memory:")
        self._conn = conn
        if why is not None:
            with conn:
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (_FORMAT,))
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
            listed = self._fresh.full(conn)
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
                os.unlink(f"{self.file_name}{suffix}")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _run(self, step: Callable[[sqlite3.Connection], T], *, refresh: bool, every_file: bool = False) -> T:
        """``step`` on the open index, brought up to date with the files first when ``refresh`` (checking every
        file's stamp when ``every_file``, else the quick check). An index found corrupt on the way is removed and
        rebuilt, and the step tried once more."""
        with self._lock:
            for attempt in (1, 2):
                try:
                    conn = self._open()
                    if every_file:
                        self._fresh.full(conn)
                    elif refresh:
                        self._fresh.quick(conn)
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

    # -- writing (each under the session's lock, which the store holds) ------------------------------
    def begin(self, directory: str) -> bool:
        """Before the session file is written: its row is pending until ``put``, so a write killed in between (or
        whose ``put`` failed) is re-read by the next read. False when the index could not say so."""
        return self._guarded(lambda conn: conn.execute("INSERT OR IGNORE INTO pending VALUES (?)", (directory,)))

    def put(self, directory: str, doc: object, st: os.stat_result) -> bool:
        """The row of a session just written (``doc`` is what was written, ``st`` the file's stat after)."""
        return self._guarded(lambda conn: self._in_transaction(conn, self._put, directory, doc, stamp_of(st)))

    def forget(self, directory: str) -> bool:
        return self._guarded(lambda conn: self._in_transaction(conn, self._forget, directory))

    def _put(self, conn: sqlite3.Connection, directory: str, doc: object, stamp: str) -> None:
        self._rows.put(conn, directory, doc, stamp, None)
        conn.execute("DELETE FROM pending WHERE dir = ?", (directory,))

    def _forget(self, conn: sqlite3.Connection, directory: str) -> None:
        self._rows.delete(conn, directory)
        conn.execute("DELETE FROM pending WHERE dir = ?", (directory,))

    def _guarded(self, step: Callable[[sqlite3.Connection], object]) -> bool:
        # A failure here must not fail the session write: the store marks the sessions folder changed instead,
        # which makes the next read check every file.
        try:
            self._run(step, refresh=False)
        except (sqlite3.Error, OSError):
            return False
        finally:
            self.notice = None  # a rebuild on the way to a write is the writer's business, not a listing's news
        return True

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

    # -- reading ----------------------------------------------------------------------------------
    def summaries(
        self, *, limit: int | None = None, refresh: bool = True, every_file: bool = False
    ) -> tuple[list[SessionSummary], list[tuple[Path, str]]]:
        """Newest first (up to ``limit``), and (file, one-line reason) of each session file that could not be read.
        ``refresh=False`` trusts the rows as they are: the fastest first screenful, to be followed by a fresh read;
        ``every_file`` checks every file's stamp (an edit made without imgbench shows then)."""
        import msgspec

        from tui.core.tallies import SessionSummary

        def read(conn: sqlite3.Connection) -> tuple[bytes | None, list[tuple[str, str]]]:
            # One JSON array built in SQLite and decoded in one call: no Python work per row.
            sql = "SELECT summary FROM sessions WHERE summary IS NOT NULL ORDER BY created_at DESC, id DESC"
            if limit is not None:
                sql += f" LIMIT {int(limit)}"
            (joined,) = conn.execute(f"SELECT '[' || group_concat(summary, ',') || ']' FROM ({sql})").fetchone()
            return joined, self._errors(conn)

        joined, errors = self._run(read, refresh=refresh, every_file=every_file)
        sessions = msgspec.json.decode(joined, type=list[SessionSummary]) if joined else []
        return sessions, errors

    def listing(
        self, *, limit: int | None = None, refresh: bool = True, every_file: bool = False
    ) -> tuple[list[tuple[str, str, str, int, int, int, int, int]], list[tuple[Path, str]]]:
        """What ``sessions list`` prints, newest first, as plain columns (no decode): (id, created_at, name,
        cases, models, succeeded runs, runs, scores); and the unreadable files, as ``summaries``."""

        def read(conn: sqlite3.Connection) -> tuple[list[Any], list[tuple[Path, str]]]:
            rows = conn.execute(_LISTING + (f" LIMIT {int(limit)}" if limit is not None else "")).fetchall()
            return rows, self._errors(conn)

        return self._run(read, refresh=refresh, every_file=every_file)

    def listing_text(self, *, every_file: bool = False) -> tuple[str, list[tuple[Path, str]]]:
        """What ``sessions list`` prints (each session's line, newest first, joined by newlines; "" for none),
        and the unreadable files, as ``summaries``."""

        def read(conn: sqlite3.Connection) -> tuple[str, list[tuple[Path, str]]]:
            sql = "SELECT line FROM sessions WHERE summary IS NOT NULL ORDER BY created_at DESC, id DESC"
            (text,) = conn.execute(f"SELECT group_concat(line, char(10)) FROM ({sql})").fetchone()
            return text or "", self._errors(conn)

        return self._run(read, refresh=True, every_file=every_file)

    def peek(self, limit: int) -> list[tuple[str, str, str, int, int, int, int, int]] | None:
        """The newest ``limit`` rows of ``listing`` as the index holds them, or None when there is no index of
        this format to read: never a rebuild, a check or a write, so that it can run before a first paint."""
        if not os.path.isfile(self.file_name):
            return None
        try:
            conn = sqlite3.connect(self.file_name, timeout=0.2)
        except sqlite3.Error:
            return None
        try:
            if self._format(conn) != _FORMAT:
                return None
            return conn.execute(f"{_LISTING} LIMIT {int(limit)}").fetchall()
        except sqlite3.Error:
            return None
        finally:
            conn.close()

    def _errors(self, conn: sqlite3.Connection) -> list[tuple[Path, str]]:
        errors = conn.execute("SELECT dir, error FROM sessions WHERE error IS NOT NULL ORDER BY dir").fetchall()
        return [(self.sessions_dir / d / SESSION_FILE, e) for d, e in errors]

    def query(
        self, sql: str, params: Sequence[object] = (), *, refresh: bool = True, memo: bool = False
    ) -> list[tuple[Any, ...]]:
        """The rows of a read-only query over the tables above, after bringing them up to date. ``memo`` keeps
        them in the index until the tallies change (a query over every session's tallies, asked again)."""
        if not memo:
            return self._run(lambda conn: conn.execute(sql, params).fetchall(), refresh=refresh)
        return self._run(lambda conn: self._memo(conn, sql, params), refresh=refresh)

    @staticmethod
    def _memo(conn: sqlite3.Connection, sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
        import json

        key = json.dumps([sql, list(params)])
        conn.execute("BEGIN")  # the generation and the rows from one snapshot
        try:
            found = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
            generation = int(found[0]) if found else None
            kept = conn.execute("SELECT generation, value FROM memo WHERE key = ?", (key,)).fetchone()
            if kept is not None and kept[0] == generation:
                return [tuple(row) for row in json.loads(kept[1])]
            rows = conn.execute(sql, params).fetchall()
        finally:
            conn.execute("COMMIT")
        if generation is not None:  # a writer since bumps the generation, so this is never taken for newer rows
            with contextlib.suppress(sqlite3.Error):  # a cache of a cache: a busy index only costs the next read
                conn.execute("INSERT OR REPLACE INTO memo VALUES (?, ?, ?)", (key, generation, json.dumps(rows)))
        return rows
