"""What the session index keeps of one session: a summary for listings and raw verdict tallies.

Both are computed from a session as it is written (the full ``Session``) or as the index reads it back from disk
(``IndexDoc``, a slim decode that skips everything else in the file); the two have the same field names.

Tallies are raw counts, so any method (pooled pass rates, shared presets only, a strict pass) can be worked out
from them without reading a session file again: per (preset, model, rater, item) how many counted verdicts were
pass, partial, fail and n/a after the parent rule, and how many distinct runs had a counted verdict. The rater
``ALL_RATERS`` is every rater together (its ``units`` and ``runs`` count a run once however many raters judged it).
Only preset cases are tallied: a preset is the same prompt and checklist wherever it runs.

``TALLY_VERSION`` names how tallies are computed: change the computation, bump it, and every index rebuilds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from tui.core.model import SCHEMA_VERSION

TALLY_VERSION = 1
ALL_RATERS = "\x00all raters"  # no rater is called that; stored as rater 0 in the index
_COLUMN = {"pass": 0, "partial": 1, "fail": 2, "na": 3}


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
    raters: list[str] = []

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
        raters=sorted({s.rater for s in doc.scores}),
    )


# (preset, model, rater, item) -> [pass, partial, fail, na, units]
ItemTallies = dict[tuple[str, str, str, str], list[int]]
# (preset, model, rater) -> distinct runs with at least one counted (not n/a) verdict
RunTallies = dict[tuple[str, str, str], int]


def tally(doc: Any) -> tuple[ItemTallies, RunTallies]:
    """The raw tallies of one session (``Session`` or ``IndexDoc``)."""
    cases = {c.id: (c.preset_id, parent_chains(c.checklist)) for c in doc.cases if c.preset_id}
    items: ItemTallies = {}
    counted_any: dict[tuple[str, str, str], set[str]] = {}  # (preset, model, item) -> runs, any rater
    runs_of: dict[tuple[str, str, str], set[str]] = {}  # (preset, model, rater) -> runs
    if not cases:
        return items, {}
    runs = {r.id: r for r in doc.runs if r.case_id in cases}
    for score in doc.scores:
        run = runs.get(score.run_id)
        if run is None:
            continue
        preset, chains = cases[run.case_id]
        verdicts = score.verdicts
        counted = False
        for item_id, chain in chains:
            v = verdicts.get(item_id)
            if v not in _COLUMN:
                continue
            if chain and any(verdicts.get(p) == "fail" for p in chain):
                v = "fail"  # the parent rule (DSG): a child of a failed item fails
            for rater in (score.rater, ALL_RATERS):
                row = items.get((preset, run.model, rater, item_id))
                if row is None:
                    row = items[(preset, run.model, rater, item_id)] = [0, 0, 0, 0, 0]
                row[_COLUMN[v]] += 1
            if v != "na":
                counted = True
                items[(preset, run.model, score.rater, item_id)][4] += 1
                counted_any.setdefault((preset, run.model, item_id), set()).add(run.id)
        if counted:
            runs_of.setdefault((preset, run.model, score.rater), set()).add(run.id)
            runs_of.setdefault((preset, run.model, ALL_RATERS), set()).add(run.id)
    for (preset, model, item_id), seen in counted_any.items():
        items[(preset, model, ALL_RATERS, item_id)][4] = len(seen)
    return items, {key: len(seen) for key, seen in runs_of.items()}
