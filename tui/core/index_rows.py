"""The session index's tables and how one session becomes rows: its summary, its per-item tallies (for the
Results screens) and its per-(rater, preset, model) tallies with run moments (for the leaderboard's sums)."""

from __future__ import annotations

import sqlite3

TYPE_CHECKING = False  # not typing's: a listing from fresh rows would import re with it
if TYPE_CHECKING:
    from typing import Any

# msgspec and the tallies are imported when a row is written: a listing from fresh rows needs neither.
BUMP_GENERATION = "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    sid INTEGER PRIMARY KEY, dir TEXT NOT NULL UNIQUE, stamp TEXT NOT NULL, created_at TEXT NOT NULL,
    id TEXT NOT NULL, name TEXT, n_cases INTEGER, n_models INTEGER, n_runs INTEGER, n_ok INTEGER,
    n_scores INTEGER, error TEXT, summary BLOB, line TEXT);
-- What `sessions list` prints, newest first, read from this index alone (never the wide rows): Home's columns, and
-- the line itself, made when the row is written (10,000 lines joined in SQLite: a fifth of formatting the columns).
CREATE INDEX IF NOT EXISTS sessions_listing ON sessions (
    created_at DESC, id DESC, name, n_cases, n_models, n_ok, n_runs, n_scores, line) WHERE summary IS NOT NULL;
-- The unreadable files, which every listing reports: without it, a walk through every wide row (~30 ms at 10,000).
CREATE INDEX IF NOT EXISTS sessions_errors ON sessions (dir, error) WHERE error IS NOT NULL;
-- preset -> model -> item -> counts (all raters), msgpack: apart, so that the sessions rows stay narrow.
CREATE TABLE IF NOT EXISTS session_items (sid INTEGER PRIMARY KEY, items BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS names (nid INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS tallies (
    sid INTEGER NOT NULL, rater INTEGER NOT NULL, preset INTEGER NOT NULL, model INTEGER NOT NULL,
    n_pass INTEGER NOT NULL, n_partial INTEGER NOT NULL, n_fail INTEGER NOT NULL, n_na INTEGER NOT NULL,
    units INTEGER NOT NULL, runs INTEGER NOT NULL,
    s1 REAL NOT NULL, s2 REAL NOT NULL, sn REAL NOT NULL, n2 REAL NOT NULL,
    PRIMARY KEY (rater, preset, model, sid)) WITHOUT ROWID;
-- The leaderboard reads one rater's rows in (preset, model) order; a session's rows go by sid.
CREATE INDEX IF NOT EXISTS tallies_of_session ON tallies (sid);
-- Query results kept until the tallies change (meta 'generation' counts every change of them).
CREATE TABLE IF NOT EXISTS memo (key TEXT PRIMARY KEY, generation INTEGER NOT NULL, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending (dir TEXT PRIMARY KEY) WITHOUT ROWID;
"""


def listing_line(sid: str, created: str, name: str, cases: int, models: int, ok: int, runs: int, scores: int) -> str:
    """A session as ``sessions list`` prints it, control characters shown (a name may hold ESC or a newline)."""
    from tui.core.safe_text import visible

    line = (
        f"{sid}  {created[:16].replace('T', ' ')}  {cases} case{'' if cases == 1 else 's'} x "
        f"{models} model{'' if models == 1 else 's'}  {ok}/{runs} ok  {scores} score{'' if scores == 1 else 's'}"
        f"  {name}"
    )
    return visible(line, one_line=True)


class Rows:
    """Writes a session's rows; keeps the name -> id table of the connection it last used."""

    def __init__(self) -> None:
        self._names: dict[str, int] = {}
        self._names_of: sqlite3.Connection | None = None

    def forget_names(self) -> None:
        """After a rollback: names added in it are gone again."""
        self._names_of = None

    @staticmethod
    def delete(conn: sqlite3.Connection, directory: str) -> None:
        for table in ("tallies", "session_items"):
            conn.execute(f"DELETE FROM {table} WHERE sid = (SELECT sid FROM sessions WHERE dir = ?)", (directory,))
        conn.execute("DELETE FROM sessions WHERE dir = ?", (directory,))
        conn.execute(BUMP_GENERATION)

    def put(self, conn: sqlite3.Connection, directory: str, doc: Any, stamp: str, error: str | None) -> None:
        """The rows of ``doc`` (a ``Session`` or an ``IndexDoc``), or of an unreadable file (``doc`` None)."""
        import msgspec

        from tui.core.tallies import ALL_RATERS, run_moments, summarize, tally

        self.delete(conn, directory)
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
            "INSERT INTO sessions (dir, stamp, created_at, id, summary, name, n_cases, n_models, "
            "n_runs, n_ok, n_scores, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING sid",
            (
                directory,
                stamp,
                summary.created_at,
                summary.id,
                msgspec.json.encode(summary).decode(),
                summary.name,
                summary.cases,
                len(summary.models),
                summary.runs,
                summary.status.get("succeeded", 0),
                summary.scores,
                listing_line(
                    summary.id,
                    summary.created_at,
                    summary.name,
                    summary.cases,
                    len(summary.models),
                    summary.status.get("succeeded", 0),
                    summary.runs,
                    summary.scores,
                ),
            ),
        ).fetchone()[0]
        conn.execute("INSERT INTO session_items VALUES (?, ?)", (sid, msgspec.msgpack.encode(nested)))
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
