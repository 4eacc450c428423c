"""What the session index keeps of one session: a summary for listings and raw verdict tallies.

Both are computed from a session as it is written (the full ``Session``) or as the index reads it back from disk
(``IndexDoc``, a slim decode that skips everything else in the file); the two have the same field names.

Tallies are raw counts, so any method (pooled pass rates, shared presets only, a strict pass) can be worked out
from them without reading a session file again: per (preset, model, rater, item) how many counted verdicts were
pass, partial, fail and n/a after the parent rule, and how many distinct runs had a counted verdict. The rater
``ALL_RATERS`` is every person together (its ``units`` and ``runs`` count a run once however many raters judged it);
an AI judge's score (kind "judge") is tallied under its own name only, never with the people.
Only preset cases are tallied: a preset is the same prompt and checklist wherever it runs.

``TALLY_VERSION`` names how tallies are computed: change the computation, bump it, and every index rebuilds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from tui.core.model import SCHEMA_VERSION

# 2: one score per (rater, run), the later one; run moments; 3: AI judges not in ALL_RATERS; 4: the summary's
# raters are people only, its judges listed apart (a cached summary of 3 still counts a judge as a rater)
TALLY_VERSION = 4
ALL_RATERS = "\x00all raters"  # no rater is called that; stored as rater 0 in the index
_COLUMN = {"pass": 0, "partial": 1, "fail": 2, "na": 3}
_VALUE = {"pass": 1.0, "partial": 0.5, "fail": 0.0}  # as tui.scoring.stats.VERDICT_VALUE (core cannot import it)


class _Item(msgspec.Struct):
    id: str
    parent: str | None = None


class _Case(msgspec.Struct):
    id: str
    preset_id: str | None = None
    checklist: list[_Item] = []


class _Run(msgspec.Struct):
    id: str
    case_id: str = ""
    model: str = ""
    status: str = "queued"


class _Score(msgspec.Struct):
    run_id: str
    rater: str = ""
    verdicts: dict[str, str] = {}
    kind: str = "human"


class IndexDoc(msgspec.Struct):
    """The fields of a session file the index reads; msgspec skips the rest unparsed."""

    id: str
    name: str = ""
    created_at: str = ""
    updated_at: str = ""
    schema_version: int = SCHEMA_VERSION
    blind: bool = False
    models: list[str] = []
    cases: list[_Case] = []
    runs: list[_Run] = []
    scores: list[_Score] = []


class SessionSummary(msgspec.Struct, frozen=True):
    """One session as listings, Home and the palette show it."""

    id: str
    name: str
    created_at: str
    updated_at: str = ""
    blind: bool = False
    models: list[str] = []
    presets: list[str] = []
    cases: int = 0
    runs: int = 0
    status: dict[str, int] = {}
    scores: int = 0
    raters: list[str] = []  # people only: a judge's score is a model's opinion, never a rater's
    judges: list[str] = []  # AI judges (rater judge:PROVIDER:MODEL, kind "judge")

    def status_counts(self) -> dict[str, int]:
        return dict(self.status)


def parent_chains(checklist: Iterable[Any]) -> list[tuple[str, tuple[str, ...]]]:
    """[(item id, its ancestors nearest first)] in checklist order; cycles are cut where they close."""
    items = list(checklist)
    parents = {i.id: i.parent for i in items}
    out = []
    for item in items:
        chain: list[str] = []
        parent = parents.get(item.id)
        while parent and parent != item.id and parent not in chain:
            chain.append(parent)
            parent = parents.get(parent)
        out.append((item.id, tuple(chain)))
    return out


def summarize(doc: Any) -> SessionSummary:
    """``doc`` is a ``Session`` or an ``IndexDoc``."""
    status: dict[str, int] = {}
    for run in doc.runs:
        status[run.status] = status.get(run.status, 0) + 1
    judges = {s.rater for s in doc.scores if s.kind == "judge"}  # a name that is also a judge's counts as the judge's
    return SessionSummary(
        id=doc.id,
        name=doc.name,
        created_at=doc.created_at,
        updated_at=doc.updated_at,
        blind=doc.blind,
        models=list(doc.models),
        presets=list(dict.fromkeys(c.preset_id for c in doc.cases if c.preset_id)),
        cases=len(doc.cases),
        runs=len(doc.runs),
        status=status,
        scores=len(doc.scores),
        raters=sorted({s.rater for s in doc.scores if s.kind != "judge"} - judges),
        judges=sorted(judges),
    )


# (preset, model, rater, item) -> [pass, partial, fail, na, units]
ItemTallies = dict[tuple[str, str, str, str], list[int]]
# (preset, model, rater) -> distinct runs with at least one counted (not n/a) verdict
RunTallies = dict[tuple[str, str, str], int]
# (preset, model, rater) -> [Σs, Σs², Σs·n, Σn²] over runs, s = a run's sum of unit values (each unit averaged
# over the raters who counted it: for one rater, its verdicts), n = its counted units. The pass-rate interval
# needs only these sums (tui/scoring/cluster.py moments_interval), so SQLite can add them up across sessions.
RunMoments = dict[tuple[str, str, str], list[float]]


def latest_per_rater(scores: Iterable[Any]) -> list[Any]:
    """One score per (rater, run): the later one in the file (a re-score replaces; an import may repeat)."""
    kept: dict[tuple[str, str], Any] = {}
    for score in scores:
        kept.pop((score.rater, score.run_id), None)
        kept[(score.rater, score.run_id)] = score
    return list(kept.values())


def run_moments(doc: Any) -> RunMoments:
    """The run moments of one session (``Session`` or ``IndexDoc``), per rater and for all raters."""
    cases = {c.id: (c.preset_id, parent_chains(c.checklist)) for c in doc.cases if c.preset_id}
    runs = {r.id: r for r in doc.runs if r.case_id in cases}
    cells: dict[str, dict[str, dict[str, float]]] = {}  # run -> item -> rater -> value
    judges = {s.rater for s in doc.scores if getattr(s, "kind", "human") == "judge"}
    for score in latest_per_rater(doc.scores):
        run = runs.get(score.run_id)
        if run is None:
            continue
        verdicts = score.verdicts
        for item_id, chain in cases[run.case_id][1]:
            v = verdicts.get(item_id)
            if v not in _COLUMN:
                continue
            if chain and any(verdicts.get(p) == "fail" for p in chain):
                v = "fail"
            if v != "na":
                cells.setdefault(run.id, {}).setdefault(item_id, {})[score.rater] = _VALUE[v]
    out: RunMoments = {}
    for run_id, items in cells.items():
        run = runs[run_id]
        preset = cases[run.case_id][0]
        per_rater: dict[str, list[float]] = {}
        total, units = 0.0, 0
        for given in items.values():
            people = [v for r, v in given.items() if r not in judges]
            if people:
                total += sum(people) / len(people)
                units += 1
            for rater, value in given.items():
                acc = per_rater.setdefault(rater, [0.0, 0])
                acc[0] += value
                acc[1] += 1
        if units:
            per_rater[ALL_RATERS] = [total, units]
        for rater, (s, n) in per_rater.items():
            m = out.setdefault((preset, run.model, rater), [0.0, 0.0, 0.0, 0.0])
            m[0] += s
            m[1] += s * s
            m[2] += s * n
            m[3] += n * n
    return out


def tally(doc: Any) -> tuple[ItemTallies, RunTallies]:
    """The raw tallies of one session (``Session`` or ``IndexDoc``)."""
    cases = {c.id: (c.preset_id, parent_chains(c.checklist)) for c in doc.cases if c.preset_id}
    items: ItemTallies = {}
    counted_any: dict[tuple[str, str, str], set[str]] = {}  # (preset, model, item) -> runs, any rater
    runs_of: dict[tuple[str, str, str], set[str]] = {}  # (preset, model, rater) -> runs
    if not cases:
        return items, {}
    runs = {r.id: r for r in doc.runs if r.case_id in cases}
    for score in latest_per_rater(doc.scores):
        run = runs.get(score.run_id)
        if run is None:
            continue
        preset, chains = cases[run.case_id]
        verdicts = score.verdicts
        counted = False
        person = getattr(score, "kind", "human") != "judge"
        who = (score.rater, ALL_RATERS) if person else (score.rater,)
        for item_id, chain in chains:
            v = verdicts.get(item_id)
            if v not in _COLUMN:
                continue
            if chain and any(verdicts.get(p) == "fail" for p in chain):
                v = "fail"  # the parent rule (DSG): a child of a failed item fails
            for rater in who:
                row = items.get((preset, run.model, rater, item_id))
                if row is None:
                    row = items[(preset, run.model, rater, item_id)] = [0, 0, 0, 0, 0]
                row[_COLUMN[v]] += 1
            if v != "na":
                counted = True
                items[(preset, run.model, score.rater, item_id)][4] += 1
                if person:
                    counted_any.setdefault((preset, run.model, item_id), set()).add(run.id)
        if counted:
            runs_of.setdefault((preset, run.model, score.rater), set()).add(run.id)
            if person:
                runs_of.setdefault((preset, run.model, ALL_RATERS), set()).add(run.id)
    for (preset, model, item_id), seen in counted_any.items():
        items[(preset, model, ALL_RATERS, item_id)][4] = len(seen)
    return items, {key: len(seen) for key, seen in runs_of.items()}
