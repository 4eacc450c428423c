"""Crafted session pairs for ``imgbench compare``: who passed what, case by case, as letters."""

from __future__ import annotations

from tui.core.model import Case, ChecklistItem, Run, Score, Session
from tui.core.store import Store

ITEMS = [ChecklistItem(f"c{n}", f"criterion {n}") for n in range(1, 5)]
LETTER = {"p": "pass", "f": "fail", "h": "partial", "n": "na"}


def crafted(
    sid: str,
    table: dict[str, list[list[str]]],
    *,
    rater: str = "ann",
    presets: list[str] | None = None,
    extra_scores: dict[str, dict[str, list[list[str]]]] | None = None,
) -> Session:
    """``table[model][case]`` is that case's runs (repeats), each four letters p / f / h / n / - (unscored), one per
    item; case c is preset ``tier-x/cat{c}`` unless ``presets`` names them. ``extra_scores[rater]`` adds another
    rater's verdicts in the same shape."""
    n_cases = max(len(v) for v in table.values())
    names = presets or [f"tier-x/cat{c}" for c in range(n_cases)]
    cases = [
        Case(id=f"{sid[-4:]}k{c}", prompt=f"prompt {c}", preset_id=names[c], checklist=ITEMS) for c in range(n_cases)
    ]
    runs: list[Run] = []
    scores: list[Score] = []

    def add_scores(who: str, grid: dict[str, list[list[str]]]) -> None:
        for model, per_case in grid.items():
            for c, reps in enumerate(per_case):
                for r, marks in enumerate(reps):
                    verdicts = {i.id: LETTER[x] for i, x in zip(ITEMS, marks, strict=True) if x != "-"}
                    if verdicts:
                        kind = "judge" if who.startswith("judge:") else "human"
                        scores.append(Score(_run_id(sid, model, c, r), who, verdicts, kind=kind))  # type: ignore[arg-type]

    for model, per_case in table.items():
        for c, reps in enumerate(per_case):
            for r in range(len(reps)):
                runs.append(Run(_run_id(sid, model, c, r), cases[c].id, model, repeat=r, status="succeeded"))
    add_scores(rater, table)
    for who, grid in (extra_scores or {}).items():
        add_scores(who, grid)
    return Session(
        id=sid, name=f"session {sid}", created_at="2026-01-01T00:00:00Z", models=list(table), cases=cases,
        runs=runs, scores=scores,
    )  # fmt: skip


def saved(store: Store, session: Session) -> Session:
    store.save(session)
    return session


def _run_id(sid: str, model: str, case: int, repeat: int) -> str:
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in model)
    return f"{sid}-{safe}-{case}-{repeat}"
