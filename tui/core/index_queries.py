"""What the leaderboard asks the session index: verdict tallies summed in SQLite over every session, per
(preset, model), for one rater or all; how many sessions each model was judged in; the unreadable files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import msgspec

from tui.core.index import SESSION_FILE, SessionIndex
from tui.core.tallies import ALL_RATERS


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
    return [GroupTally(*row[:7], moments=tuple(row[7:])) for row in index.query(sql, params, memo=True)]


def session_counts(index: SessionIndex, rater: str, presets: Sequence[str]) -> tuple[dict[str, int], int]:
    """Per model, how many sessions gave it a counted verdict on these presets; and how many sessions in all."""
    where, params = _tally_filter(rater, presets)
    per_model = index.query(
        "SELECT m.name, COUNT(DISTINCT sid) FROM tallies t JOIN names m ON m.nid = t.model "
        f"WHERE {where} GROUP BY t.model",
        params,
        refresh=False,
        memo=True,
    )
    sql = f"SELECT COUNT(DISTINCT sid) FROM tallies t WHERE {where}"
    (total,) = index.query(sql, params, refresh=False, memo=True)[0]
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
