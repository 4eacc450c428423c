"""A leaderboard across every session in the store, over the presets models share.

Only preset cases count: a free prompt is one person's one-off, while a preset is the same prompt and
checklist wherever it runs, so its verdicts are comparable across sessions. A preset is *shared* when
runs of at least two different models were scored on it (in any sessions); the board pools every
scored checklist item of shared presets per model, with a Wilson interval sized by distinct
(run, item) units, and says how many sessions and presets stand behind each row, because a model
scored on two easy presets is not comparable with one scored on six. ``by_preset`` shows that split.

Speed: ``leaderboard`` sums the session index's tallies in SQLite (``tui/core/index.py``), so no session file is
read unless it changed since it was indexed. ``compute`` ranks sessions already in memory (``load_all`` reads
them into small structs that hold only what the board needs), the same method over the same verdicts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import msgspec

from tui.core.model import SCHEMA_VERSION
from tui.core.store import SESSION_FILE, Store, decode_session
from tui.core.validation import InputError
from tui.scoring.stats import VERDICT_VALUE, Rate, parent_chains


class _Item(msgspec.Struct):
    id: str
    parent: str | None = None


class _Case(msgspec.Struct):
    id: str
    preset_id: str | None = None
    title: str | None = None
    checklist: list[_Item] = []


class _Run(msgspec.Struct):
    id: str
    case_id: str
    model: str


class _Score(msgspec.Struct):
    run_id: str
    rater: str
    verdicts: dict[str, str] = {}


class LiteSession(msgspec.Struct):
    """The fields of a session file the leaderboard reads; everything else is skipped unparsed."""

    id: str
    name: str = ""
    created_at: str = ""
    schema_version: int = SCHEMA_VERSION
    cases: list[_Case] = []
    runs: list[_Run] = []
    scores: list[_Score] = []


_lite = msgspec.json.Decoder(LiteSession)


def load_lite(file: Path) -> LiteSession:
    data = file.read_bytes()
    try:
        session = _lite.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError) as exc:
        raise InputError(f"corrupt session file: {exc}", file=file) from None
    if session.schema_version != SCHEMA_VERSION:  # older file: take the migrating path, then slim it down
        full = decode_session(data, file=file)
        session = msgspec.convert(msgspec.to_builtins(full), LiteSession)
    return session


def load_all(store: Store) -> tuple[list[LiteSession], list[InputError]]:
    sessions: list[LiteSession] = []
    errors: list[InputError] = []
    try:
        entries = sorted(store.sessions_dir.iterdir())
    except FileNotFoundError:
        return [], []
    for entry in entries:
        file = entry / SESSION_FILE
        try:
            sessions.append(load_lite(file))
        except FileNotFoundError:
            continue
        except OSError as exc:
            errors.append(InputError(f"cannot read: {exc.strerror}", file=file))
        except InputError as exc:
            errors.append(exc)
    return sessions, errors


@dataclass
class _Acc:
    passed: float = 0.0
    scored: int = 0
    units: int = 0
    runs: int = 0
    sessions: set[str] = field(default_factory=set)

    def rate(self) -> Rate:
        return Rate.of(self.passed, self.scored, self.units)


@dataclass(frozen=True)
class BoardRow:
    model: str
    rate: Rate
    rank: int  # 1 + number of models whose lower bound is above this one's upper bound
    sessions: int
    presets: int  # shared presets this model was scored on
    runs_scored: int


@dataclass
class Leaderboard:
    rows: list[BoardRow]  # best pass rate first
    presets: list[str]  # the shared presets counted
    sessions: int  # sessions that contributed at least one counted verdict
    sessions_seen: int
    by_preset: dict[str, dict[str, Rate]]  # preset -> model -> Rate
    errors: list[str]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def compute(
    sessions: Iterable[LiteSession], *, rater: str | None = None, presets: Iterable[str] | None = None
) -> Leaderboard:
    """The board over already-loaded sessions (LiteSession, or full Sessions: same field names)."""
    wanted = set(presets) if presets is not None else None
    acc: dict[tuple[str, str], _Acc] = {}  # (preset, model) -> counts
    seen = 0
    for s in sessions:
        seen += 1
        cases = {}
        for case in s.cases:
            if case.preset_id and (wanted is None or case.preset_id in wanted):
                cases[case.id] = (case.preset_id, parent_chains(case.checklist))
        if not cases:
            continue
        runs = {r.id: r for r in s.runs if r.case_id in cases}
        per_run: dict[str, set[str]] = {}
        for score in s.scores:
            run = runs.get(score.run_id)
            if run is None or (rater is not None and score.rater != rater):
                continue
            preset, items = cases[run.case_id]
            verdicts = score.verdicts
            a = acc.get((preset, run.model))
            if a is None:
                a = acc[(preset, run.model)] = _Acc()
            scored_items = per_run.setdefault(run.id, set())
            before = a.scored
            for item_id, chain in items:
                v = verdicts.get(item_id)
                if v is None:
                    continue
                if chain and any(verdicts.get(p) == "fail" for p in chain):
                    v = "fail"  # the parent rule (DSG), as in stats.effective_verdicts
                if v == "na":
                    continue
                a.passed += VERDICT_VALUE[v]
                a.scored += 1
                scored_items.add(item_id)
            if a.scored > before:
                a.sessions.add(s.id)
        for run_id, items_seen in per_run.items():
            if items_seen:
                a = acc[(cases[runs[run_id].case_id][0], runs[run_id].model)]
                a.units += len(items_seen)
                a.runs += 1
    shared = _shared(acc)
    sessions_of: dict[str, set[str]] = {}
    for (preset, model), a in acc.items():
        if preset in shared and a.scored:
            sessions_of.setdefault(model, set()).update(a.sessions)
    contributing = set().union(*sessions_of.values()) if sessions_of else set()
    return _rank(acc, shared, {m: len(v) for m, v in sessions_of.items()}, len(contributing), seen)


def _shared(acc: dict[tuple[str, str], _Acc]) -> list[str]:
    """The presets on which at least two models have counted verdicts."""
    models_of: dict[str, set[str]] = {}
    for (preset, model), a in acc.items():
        if a.scored:
            models_of.setdefault(preset, set()).add(model)
    return sorted(p for p, ms in models_of.items() if len(ms) >= 2)


def _rank(
    acc: dict[tuple[str, str], _Acc], shared: list[str], sessions_of: dict[str, int], contributing: int, seen: int
) -> Leaderboard:
    totals: dict[str, _Acc] = {}
    presets_of: dict[str, int] = {}
    by_preset: dict[str, dict[str, Rate]] = {p: {} for p in shared}
    for (preset, model), a in acc.items():
        if preset not in by_preset or not a.scored:
            continue
        by_preset[preset][model] = a.rate()
        t = totals.setdefault(model, _Acc())
        t.passed += a.passed
        t.scored += a.scored
        t.units += a.units
        t.runs += a.runs
        presets_of[model] = presets_of.get(model, 0) + 1
    rates = {m: t.rate() for m, t in totals.items()}
    rows = [
        BoardRow(
            model=m,
            rate=r,
            rank=1 + sum(1 for o in rates.values() if (o.low or 0) > (r.high or 1)),
            sessions=sessions_of.get(m, 0),
            presets=presets_of[m],
            runs_scored=totals[m].runs,
        )
        for m, r in rates.items()
    ]
    rows.sort(key=lambda row: (-(row.rate.rate or 0.0), -(row.rate.low or 0.0), row.model))
    return Leaderboard(rows, shared, contributing, seen, by_preset, [])


def leaderboard(store: Store, *, rater: str | None = None, presets: Iterable[str] | None = None) -> Leaderboard:
    """Every session in the store, from the session index's tallies (summed in SQLite: no session file is
    read unless it changed since it was indexed); a corrupt session is listed in ``errors``, never fatal."""
    from tui.core.index import group_tallies, indexed_sessions, session_counts
    from tui.core.tallies import ALL_RATERS

    who = ALL_RATERS if rater is None else rater
    wanted = sorted(set(presets)) if presets is not None else None
    acc = {
        (g.preset, g.model): _Acc(
            g.n_pass * VERDICT_VALUE["pass"]
            + g.n_partial * VERDICT_VALUE["partial"]
            + g.n_fail * VERDICT_VALUE["fail"],
            g.n_pass + g.n_partial + g.n_fail,
            g.units,
            g.runs,
        )
        for g in group_tallies(store.index, who, wanted)
    }
    shared = _shared(acc)
    sessions_of, contributing = session_counts(store.index, who, shared)
    seen, errors = indexed_sessions(store.index)
    board = _rank(acc, shared, sessions_of, contributing, seen)
    board.errors = [str(InputError(reason, file=file)) for file, reason in errors]
    return board
