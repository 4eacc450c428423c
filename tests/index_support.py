"""What the session index holds, read straight from its tables, and what the session files say it should hold.

The expected tallies come from ``tui.scoring.stats.observations`` (the statistics' own reading of the verdicts,
parent rule included), not from the index's tally code, so a wrong count is caught, not copied.
"""

from __future__ import annotations

from collections import defaultdict

import msgspec

from tui.core.store import Store
from tui.core.tallies import ALL_RATERS, SessionSummary, summarize
from tui.scoring.stats import observations

Groups = dict[tuple[str, str, str], tuple[int, int, int, int, int]]  # (rater, preset, model) -> pass, partial, fail,
# units, runs


def index_view(store: Store) -> dict[str, tuple[SessionSummary | None, Groups]]:
    """Every row as it stands, without bringing the index up to date first."""
    names = {**dict(store.index.query("SELECT nid, name FROM names", refresh=False)), 0: ALL_RATERS}
    rows = store.index.query("SELECT sid, dir, summary FROM sessions", refresh=False)
    tallies: dict[int, Groups] = defaultdict(dict)
    for sid, rater, preset, model, p, pa, f, _na, units, runs in store.index.query(
        "SELECT sid, rater, preset, model, n_pass, n_partial, n_fail, n_na, units, runs FROM tallies", refresh=False
    ):
        if p + pa + f:
            tallies[sid][(names[rater], names[preset], names[model])] = (p, pa, f, units, runs)
    return {
        d: (msgspec.json.decode(blob, type=SessionSummary) if blob else None, dict(tallies.get(sid, {})))
        for sid, d, blob in rows
    }


def files_view(store: Store) -> dict[str, tuple[SessionSummary | None, Groups]]:
    """What every session file says, read in full with ``Store.load``."""
    out: dict[str, tuple[SessionSummary | None, Groups]] = {}
    if not store.sessions_dir.exists():
        return out
    for entry in store.sessions_dir.iterdir():
        if not (entry / "session.json").exists():
            continue
        try:
            session = store.load(entry.name)
        except Exception:
            out[entry.name] = (None, {})
            continue
        presets = {c.id: c.preset_id for c in session.cases if c.preset_id}
        counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        units: dict[tuple[str, str, str], set[tuple[str, str]]] = defaultdict(set)
        runs: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        for o in observations(session):
            if o.case_id not in presets:
                continue
            for rater in (o.rater, ALL_RATERS):
                key = (rater, presets[o.case_id], o.model)
                counts[key][{1.0: 0, 0.5: 1, 0.0: 2}[o.value]] += 1
                units[key].add((o.run_id, o.item_id))
                runs[key].add(o.run_id)
        groups = {k: (*c, len(units[k]), len(runs[k])) for k, c in counts.items()}
        out[entry.name] = (summarize(session), groups)
    return out


def assert_index_agrees(store: Store) -> None:
    """The index, as it stands, says what the files say (call after the writes, without a listing between)."""
    have, want = index_view(store), files_view(store)
    assert have.keys() == want.keys(), f"sessions differ: index {sorted(have)} files {sorted(want)}"
    for d, (summary, groups) in want.items():
        assert have[d][0] == summary, f"{d}: summary differs"
        assert have[d][1] == groups, f"{d}: tallies differ"
