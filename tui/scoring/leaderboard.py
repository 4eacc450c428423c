"""A leaderboard across every session in the store, over the presets models share.

Only preset cases count: a free prompt is one person's one-off, while a preset is the same prompt and
checklist wherever it runs, so its verdicts are comparable across sessions. A preset is *shared* when
runs of at least two different models were scored on it (in any sessions).

Models are compared only where they met. Pooling each model over whatever presets it happened to be
scored on reverses head-to-heads (Simpson's paradox: a model also run on a hard preset sinks below one it
beat on every preset they shared). So:

* the board's rates are over the presets **common to every model on it** (``presets``), when there are
  any; otherwise each row's rate covers its own presets and ``common`` is False, said in ``notes``;
* a rank is 1 + the number of models that beat this one **on the presets the two share** (the other's
  lower bound above this one's upper bound); a pair with no preset in common is not ranked against each
  other, and each row lists those models in ``not_compared``.

Units are averaged over their raters first; intervals are the cluster ones (presets as cases, runs
within them; tui/scoring/cluster.py), from moments of the runs' sums that add up across sessions.
``by_preset`` shows every shared preset's split.

Speed: ``leaderboard`` sums the session index's tallies in SQLite (``tui/core/index_queries.py``), so no session file is
read unless it changed since it was indexed. ``compute`` ranks sessions already in memory (``load_all`` reads
them into small structs that hold only what the board needs), the same method over the same verdicts.

Speed: sessions are decoded straight into small structs that hold only what the board needs
(msgspec skips the rest of each file without building it), so hundreds of sessions load in tens of ms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import msgspec

from tui.core.model import SCHEMA_VERSION
from tui.core.store import SESSION_FILE, Store, decode_session
from tui.core.validation import InputError
from tui.core.wording import count
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
    kind: str = "human"  # "judge": an AI judge, counted only when asked for by name


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
    except RecursionError:
        raise InputError("corrupt session file: nested too deeply", file=file) from None
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
    """One (preset, model): moments of its runs' (sum of unit values s, units n), summable across sessions
    (the session index adds them up in SQLite), the verdicts behind them and the sessions."""

    s: float = 0.0
    n: float = 0.0
    runs: int = 0
    s2: float = 0.0
    sn: float = 0.0
    n2: float = 0.0
    scored: int = 0
    sessions: set[str] = field(default_factory=set)

    def add_run(self, total: float, units: int) -> None:
        self.s += total
        self.n += units
        self.runs += 1
        self.s2 += total * total
        self.sn += total * units
        self.n2 += units * units

    def moments(self) -> tuple[float, float, int, float, float, float]:
        return (round(self.s, 9), self.n, self.runs, round(self.s2, 9), round(self.sn, 9), self.n2)


def _rate(accs: Iterable[_Acc]) -> Rate:
    accs = [a for a in accs if a.runs]
    return Rate.from_moments(tuple(sorted(a.moments() for a in accs)), sum(a.scored for a in accs))


@dataclass(frozen=True)
class BoardRow:
    model: str
    rate: Rate  # over the board's common presets, or this model's own when there are none (see Leaderboard)
    rank: int  # 1 + number of models that beat this one on the presets the two share
    sessions: int
    presets: int  # shared presets this model was scored on
    runs_scored: int
    not_compared: list[str] = field(default_factory=list)  # models with no preset in common with this one
    # Stratified by preset: this model's rate minus the mean of every model's rate on the same preset,
    # averaged over its presets. Orders rows that share a rank without rewarding easy presets.
    vs_field: float | None = None


@dataclass
class Leaderboard:
    rows: list[BoardRow]  # best first: by rank, then by the preset-stratified vs_field
    presets: list[str]  # the presets the rates are over: common to every model when ``common``
    sessions: int  # sessions that contributed at least one counted verdict
    sessions_seen: int
    by_preset: dict[str, dict[str, Rate]]  # every shared preset -> model -> Rate
    errors: list[str]
    common: bool = True  # the rates are over presets every model on the board was scored on
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _accumulate(sessions: Iterable[LiteSession], rater: str | None, wanted: set[str] | None):
    acc: dict[tuple[str, str], _Acc] = {}  # (preset, model) -> runs
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
        by_run: dict[str, dict[str, _Score]] = {}  # run -> rater -> score: one per (rater, run), the later one
        for score in s.scores:
            if score.run_id in runs and ((rater is None and score.kind != "judge") or score.rater == rater):
                by_run.setdefault(score.run_id, {})[score.rater] = score
        for run_id, given in by_run.items():
            run = runs[run_id]
            _, items = cases[run.case_id]
            if len(given) == 1:  # one rater: a unit is its verdict (the common case, kept a tight loop)
                (score,) = given.values()
                total, units = _one_rater(items, score.verdicts)
                scored = units
            else:
                total, units, scored = _raters_averaged(items, [g.verdicts for g in given.values()])
            if not units:
                continue
            key = (cases[run.case_id][0], run.model)
            a = acc.get(key)
            if a is None:
                a = acc[key] = _Acc()
            a.add_run(total, units)
            a.scored += scored
            a.sessions.add(s.id)
    return acc, seen


def _value(verdicts: dict[str, str], item_id: str, chain: tuple[str, ...]) -> float | None:
    """The counted value of one verdict: the parent rule (DSG, as in stats.observations), na not counted."""
    v = verdicts.get(item_id)
    if v is None:
        return None
    if chain and any(verdicts.get(p) == "fail" for p in chain):
        return 0.0
    return None if v == "na" else VERDICT_VALUE[v]


def _one_rater(items, verdicts: dict[str, str]) -> tuple[float, int]:
    # _value inlined: this loop runs for every item of every run of every session in the store
    total, units = 0.0, 0
    value = VERDICT_VALUE
    for item_id, chain in items:
        v = verdicts.get(item_id)
        if v is None or (v == "na" and not chain):
            continue
        if chain and any(verdicts.get(p) == "fail" for p in chain):
            v = "fail"
        elif v == "na":
            continue
        total += value[v]
        units += 1
    return total, units


def _raters_averaged(items, given: list[dict[str, str]]) -> tuple[float, int, int]:
    """(sum of unit values, units, verdicts) with each unit averaged over the raters who counted it."""
    total, units, scored = 0.0, 0, 0
    for item_id, chain in items:
        values = [v for verdicts in given if (v := _value(verdicts, item_id, chain)) is not None]
        if values:
            total += sum(values) / len(values)
            units += 1
            scored += len(values)
    return total, units, scored


def compute(
    sessions: Iterable[LiteSession], *, rater: str | None = None, presets: Iterable[str] | None = None
) -> Leaderboard:
    """The board over already-loaded sessions (LiteSession, or full Sessions: same field names)."""
    acc, seen = _accumulate(sessions, rater, set(presets) if presets is not None else None)
    shared = _shared(acc)
    sessions_of: dict[str, set[str]] = {}
    for (preset, model), a in acc.items():
        if preset in shared:
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
    presets_of: dict[str, set[str]] = {}  # model -> shared presets it was scored on
    by_preset: dict[str, dict[str, Rate]] = {p: {} for p in shared}
    for (preset, model), a in acc.items():
        if preset in by_preset and a.scored:
            by_preset[preset][model] = _rate([a])
            presets_of.setdefault(model, set()).add(preset)
    models = sorted(presets_of)
    common = sorted(set.intersection(*presets_of.values())) if presets_of else []

    def rate_on(model: str, on: Iterable[str]) -> Rate:
        return _rate([acc[(p, model)] for p in on])

    shown = {m: rate_on(m, common or sorted(presets_of[m])) for m in models}
    beaten_by: dict[str, int] = dict.fromkeys(models, 0)
    not_compared: dict[str, list[str]] = {m: [] for m in models}
    for i, m in enumerate(models):
        for o in models[i + 1 :]:
            both = sorted(presets_of[m] & presets_of[o])
            if not both:
                not_compared[m].append(o)
                not_compared[o].append(m)
                continue
            rm, ro = (shown[m], shown[o]) if both == common else (rate_on(m, both), rate_on(o, both))
            if (ro.low or 0.0) > (rm.high or 1.0):
                beaten_by[m] += 1
            if (rm.low or 0.0) > (ro.high or 1.0):
                beaten_by[o] += 1
    # Sorted, so the board from the index and the board from the files add in the same order (same rounding).
    preset_mean = {p: sum(by[m].rate or 0.0 for m in sorted(by)) / len(by) for p, by in by_preset.items()}
    vs_field = {
        m: round(
            sum((by_preset[p][m].rate or 0.0) - preset_mean[p] for p in sorted(presets_of[m])) / len(presets_of[m]), 4
        )
        for m in models
    }
    rows = [
        BoardRow(
            model=m,
            rate=shown[m],
            rank=1 + beaten_by[m],
            sessions=sessions_of.get(m, 0),
            presets=len(presets_of[m]),
            runs_scored=sum(acc[(p, m)].runs for p in presets_of[m]),
            not_compared=not_compared[m],
            vs_field=vs_field[m],
        )
        for m in models
    ]
    rows.sort(key=lambda row: (row.rank, -(row.vs_field or 0.0), -(row.rate.rate or 0.0), row.model))
    notes = []
    if models and not common:
        notes.append(
            "no preset is common to every model: each rate covers that model's own presets and is not comparable "
            "across rows; ranks compare each pair on the presets the two share"
        )
    elif set(shared) - set(common):
        left = ", ".join(sorted(set(shared) - set(common)))
        notes.append(f"rates over the {count(len(common), 'preset')} every model was scored on; not counted: {left}")
    for row in rows:
        if row.not_compared:
            notes.append(f"{row.model} is not ranked against {', '.join(row.not_compared)}: no preset in common")
    return Leaderboard(rows, common or shared, contributing, seen, by_preset, [], bool(common) or not models, notes)


def leaderboard(store: Store, *, rater: str | None = None, presets: Iterable[str] | None = None) -> Leaderboard:
    """Every session in the store, from the session index's tallies (summed in SQLite: no session file is
    read unless it changed since it was indexed); a corrupt session is listed in ``errors``, never fatal."""
    from tui.core.index_queries import group_tallies, indexed_sessions, session_counts
    from tui.core.tallies import ALL_RATERS

    who = ALL_RATERS if rater is None else rater
    wanted = sorted(set(presets)) if presets is not None else None
    acc = {
        (g.preset, g.model): _Acc(
            s=g.moments[0],
            n=g.units,
            runs=g.runs,
            s2=g.moments[1],
            sn=g.moments[2],
            n2=g.moments[3],
            scored=g.n_pass + g.n_partial + g.n_fail,
        )
        for g in group_tallies(store.index, who, wanted)
    }
    shared = _shared(acc)
    sessions_of, contributing = session_counts(store.index, who, shared)
    seen, errors = indexed_sessions(store.index)
    board = _rank(acc, shared, sessions_of, contributing, seen)
    board.errors = [str(InputError(reason, file=file)) for file, reason in errors]
    return board
