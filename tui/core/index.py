"""The session index: ``index.sqlite3`` in the data dir, one row per session plus its raw verdict tallies.

The JSON session files stay the truth; the index is a cache of them, so that listings, Home, the palette and the
leaderboard read one small database instead of every file. ``Store`` updates a session's row in the same locked
step as it writes the file. Every read first compares each file's (inode, mtime, size) with what the row was made
from and re-reads the files that differ (a write killed between the file and the index, an older imgbench, a
hand edit); a missing, corrupt or older-format index is rebuilt from the files, and says so in one line.
Deleting it is always safe. A failure of the index itself never fails a session write: the next read repairs it.
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

from tui.core.tallies import ALL_RATERS, TALLY_VERSION, IndexDoc, SessionSummary, run_moments, summarize, tally
from tui.core.wording import count

INDEX_FILE = "index.sqlite3"
SESSION_FILE = "session.json"
# The layout of the tables; TALLY_VERSION is how tallies are computed. A change of either rebuilds the index.
INDEX_SCHEMA = 2  # 2: the run moments s1, s2, sn, n2 in tallies
_FORMAT = f"{INDEX_SCHEMA}.{TALLY_VERSION}"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    sid INTEGER PRIMARY KEY, dir TEXT NOT NULL UNIQUE, stamp TEXT NOT NULL, created_at TEXT NOT NULL,
    id TEXT NOT NULL, summary BLOB, items BLOB, error TEXT);
CREATE INDEX IF NOT EXISTS sessions_newest ON sessions (created_at DESC, id DESC);
CREATE TABLE IF NOT EXISTS names (nid INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS tallies (
    sid INTEGER NOT NULL, rater INTEGER NOT NULL, preset INTEGER NOT NULL, model INTEGER NOT NULL,
    n_pass INTEGER NOT NULL, n_partial INTEGER NOT NULL, n_fail INTEGER NOT NULL, n_na INTEGER NOT NULL,
    units INTEGER NOT NULL, runs INTEGER NOT NULL,
    s1 REAL NOT NULL, s2 REAL NOT NULL, sn REAL NOT NULL, n2 REAL NOT NULL,
    PRIMARY KEY (sid, rater, preset, model)) WITHOUT ROWID;
"""
_summary_encoder = msgspec.json.Encoder()
_summaries_decoder = msgspec.json.Decoder(list[SessionSummary])
_doc_decoder = msgspec.json.Decoder(IndexDoc)
_items_encoder = msgspec.msgpack.Encoder()
_items_decoder = msgspec.msgpack.Decoder(dict[str, dict[str, dict[str, list[int]]]])
T = TypeVar("T")


def stamp_of(st: os.stat_result) -> str:
    """What a row was made from: a new file (atomic writes replace the inode), a new time or a new size differ."""
    return f"{st.st_ino}:{st.st_mtime_ns}:{st.st_size}"


class Unreadable(Exception):
    """A session file that is not a session (or cannot be read): ``reason`` is one line, ``stamp`` what was seen."""

    def __init__(self, reason: str, stamp: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.stamp = stamp


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
        self._names: dict[str, int] = {}
        self._names_of: sqlite3.Connection | None = None
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
            conn.executescript(_SCHEMA)
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
        self._guarded(lambda conn: self._in_transaction(conn, self._put_rows, directory, doc, stamp_of(st), None))

    def forget(self, directory: str) -> None:
        self._guarded(lambda conn: self._in_transaction(conn, self._delete_rows, directory))

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
            self._names_of = None  # names it added are rolled back too
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @staticmethod
    def _delete_rows(conn: sqlite3.Connection, directory: str) -> None:
        conn.execute("DELETE FROM tallies WHERE sid = (SELECT sid FROM sessions WHERE dir = ?)", (directory,))
        conn.execute("DELETE FROM sessions WHERE dir = ?", (directory,))

    def _put_rows(self, conn: sqlite3.Connection, directory: str, doc: Any, stamp: str, error: str | None) -> None:
        conn.execute("DELETE FROM tallies WHERE sid = (SELECT sid FROM sessions WHERE dir = ?)", (directory,))
        if doc is None:
            conn.execute(
                "INSERT OR REPLACE INTO sessions (dir, stamp, created_at, id, error) VALUES (?, ?, '', ?, ?)",
                (directory, stamp, directory, error),
            )
            return
        summary = summarize(doc)
        (items, runs), moments = tally(doc), run_moments(doc)
        per_group: dict[tuple[str, str, str], list[int]] = {}
        nested: dict[str, dict[str, dict[str, list[int]]]] = {}  # preset -> model -> item -> counts, all raters
        for (preset, model, rater, item), counts in items.items():
            group = per_group.setdefault((preset, model, rater), [0, 0, 0, 0, 0])
            for i, n in enumerate(counts):
                group[i] += n
            if rater == ALL_RATERS:
                nested.setdefault(preset, {}).setdefault(model, {})[item] = counts
        sid = conn.execute(
            "INSERT OR REPLACE INTO sessions (dir, stamp, created_at, id, summary, items) VALUES (?, ?, ?, ?, ?, ?) "
            "RETURNING sid",
            (
                directory,
                stamp,
                summary.created_at,
                summary.id,
                _summary_encoder.encode(summary).decode(),
                _items_encoder.encode(nested),
            ),
        ).fetchone()[0]
        nid = {**self._name_ids(conn, {n for key in per_group for n in key if n != ALL_RATERS}), ALL_RATERS: 0}
        conn.executemany(
            "INSERT INTO tallies VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (sid, nid[r], nid[p], nid[m], *counts, runs.get((p, m, r), 0), *moments.get((p, m, r), (0.0,) * 4))
                for (p, m, r), counts in per_group.items()
            ],
        )

    def _name_ids(self, conn: sqlite3.Connection, names: set[str]) -> dict[str, int]:
        """Presets, models and raters as small integers in the tallies (a tenth of the size of the text)."""
        if self._names_of is not conn:
            self._names = dict(conn.execute("SELECT name, nid FROM names"))
            self._names_of = conn
        missing = [n for n in names if n not in self._names]
        if missing:
            conn.executemany("INSERT OR IGNORE INTO names (name) VALUES (?)", [(n,) for n in missing])
            marks = ",".join("?" * len(missing))
            self._names.update(conn.execute(f"SELECT name, nid FROM names WHERE name IN ({marks})", missing))
        return self._names

    # -- freshness --------------------------------------------------------------------------------
    def _on_disk(self) -> dict[str, tuple[str, str]]:
        """directory name -> (stamp, path) of every session file; a directory without one is not a session."""
        found: dict[str, tuple[str, str]] = {}
        try:
            entries = os.scandir(self.sessions_dir)
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

    def _refresh_all(self, conn: sqlite3.Connection) -> int:
        on_disk = self._on_disk()
        known = dict(conn.execute("SELECT dir, stamp FROM sessions"))
        gone = [d for d in known if d not in on_disk]
        stale = [(d, path) for d, (stamp, path) in on_disk.items() if known.get(d) != stamp]
        for start in range(0, max(len(stale), len(gone)), 500):  # one commit per batch, not one per session
            self._in_transaction(conn, self._refresh_batch, gone[start : start + 500], stale[start : start + 500])
        return len(on_disk)

    def _refresh_batch(self, conn: sqlite3.Connection, gone: list[str], stale: list[tuple[str, str]]) -> None:
        for directory in gone:
            self._delete_rows(conn, directory)
        for directory, path in stale:
            try:
                doc, stamp = read_doc(path, self._decode_full)
            except FileNotFoundError:
                self._delete_rows(conn, directory)
            except Unreadable as exc:
                self._put_rows(conn, directory, None, exc.stamp, exc.reason)
            else:
                self._put_rows(conn, directory, doc, stamp, None)

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


class GroupTally(msgspec.Struct, frozen=True):
    """Counted verdicts of one (preset, model) over every session, for one rater or all (``ALL_RATERS``)."""

    preset: str
    model: str
    n_pass: int
    n_partial: int
    n_fail: int
    units: int
    runs: int
    moments: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # Σs, Σs², Σs·n, Σn² (tallies.RunMoments)


def group_tallies(index: SessionIndex, rater: str, presets: Sequence[str] | None) -> list[GroupTally]:
    """Summed in SQLite over the tallies of every session (after bringing the index up to date)."""
    where, params = _tally_filter(rater, presets)
    sql = (
        "SELECT p.name, m.name, SUM(n_pass), SUM(n_partial), SUM(n_fail), SUM(units), SUM(runs), "
        "SUM(s1), SUM(s2), SUM(sn), SUM(n2) FROM tallies t "
        f"JOIN names p ON p.nid = t.preset JOIN names m ON m.nid = t.model WHERE {where} GROUP BY t.preset, t.model"
    )
    return [GroupTally(*row[:7], moments=tuple(row[7:])) for row in index.query(sql, params)]


def session_counts(index: SessionIndex, rater: str, presets: Sequence[str]) -> tuple[dict[str, int], int]:
    """Per model, how many sessions gave it a counted verdict on these presets; and how many sessions in all."""
    where, params = _tally_filter(rater, presets)
    per_model = index.query(
        "SELECT m.name, COUNT(DISTINCT sid) FROM tallies t JOIN names m ON m.nid = t.model "
        f"WHERE {where} GROUP BY t.model",
        params,
        refresh=False,
    )
    (total,) = index.query(f"SELECT COUNT(DISTINCT sid) FROM tallies t WHERE {where}", params, refresh=False)[0]
    return dict(per_model), total


def indexed_sessions(index: SessionIndex) -> tuple[int, list[tuple[Path, str]]]:
    """How many sessions the index holds, and (file, reason) of those it could not read."""
    (count,) = index.query("SELECT COUNT(*) FROM sessions WHERE summary IS NOT NULL", refresh=False)[0]
    errors = index.query("SELECT dir, error FROM sessions WHERE error IS NOT NULL ORDER BY dir", refresh=False)
    return count, [(index.sessions_dir / d / SESSION_FILE, e) for d, e in errors]


def _tally_filter(rater: str, presets: Sequence[str] | None) -> tuple[str, list[object]]:
    # Rater 0 is every rater together; a name's nid is 1 or more.
    where = "t.rater = coalesce((SELECT nid FROM names WHERE name = ?), -1) AND n_pass + n_partial + n_fail > 0"
    params: list[object] = [rater]
    if rater == ALL_RATERS:
        where, params = "t.rater = 0 AND n_pass + n_partial + n_fail > 0", []
    if presets is not None:
        where += f" AND t.preset IN (SELECT nid FROM names WHERE name IN ({','.join('?' * len(presets))}))"
        params += list(presets)
    return where, params
