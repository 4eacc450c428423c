"""Pinned: blind names show only once the rater gave every checklist item of every output of a case.

The rule lives in the scoring core (``left_to_score``, which Review asks before it reveals); it is checked on its
own and through the Review screen, where scoring one output fully, or every output partly, leaves names hidden.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from screens.registry import build_app
from tests.tui_support import open_review
from tui.core.compose import CaseSpec, SessionSpec, build_session
from tui.core.context import Context
from tui.core.model import Case, ChecklistItem, Run, Score, Session
from tui.core.runner import Runner
from tui.scoring.blind import left_to_score, may_reveal

ITEMS = [ChecklistItem("c1", "a cube"), ChecklistItem("c2", "it is red"), ChecklistItem("c3", "on a table")]
MODELS = ["demo:mosaic", "demo:aurora", "demo:sketch"]
NAMES = ("demo:", "mosaic", "aurora", "sketch", "Mosaic", "Aurora", "Sketch")


def _session(statuses: tuple[str, ...] = ("succeeded", "succeeded", "failed"), checklist=ITEMS) -> Session:
    runs = [Run(f"r{i}", "k", f"p:m{i}", status=s) for i, s in enumerate(statuses)]  # type: ignore[arg-type]
    case = Case(id="k", prompt="x", checklist=checklist)
    return Session(id="s", name="s", created_at="2026-01-01T00:00:00Z", blind=True, models=[r.model for r in runs],
                   cases=[case], runs=runs)  # fmt: skip


def _give(session: Session, run_id: str, rater: str, *items: str) -> None:
    session.set_score(Score(run_id, rater, {i: "pass" for i in items}))


def test_every_item_of_every_finished_output_is_left_until_given() -> None:
    session = _session()
    assert left_to_score(session, "k", "ann") == 6  # two outputs succeeded; the failed one has nothing to score
    _give(session, "r0", "ann", "c1", "c2", "c3")
    assert left_to_score(session, "k", "ann") == 3, "one output scored in full is not the case scored"
    assert not may_reveal(session, "k", "ann")
    _give(session, "r1", "ann", "c1", "not-an-item")
    assert left_to_score(session, "k", "ann") == 2, "a partly scored output counts only the items it was given"
    assert not may_reveal(session, "k", "ann")
    _give(session, "r1", "bob", "c2", "c3")
    assert left_to_score(session, "k", "ann") == 2, "another rater's verdicts are not this rater's"
    _give(session, "r1", "ann", "c1", "c2", "c3")
    assert left_to_score(session, "k", "ann") == 0 and left_to_score(session, "k", "bob") == 4
    assert may_reveal(session, "k", "ann") and not may_reveal(session, "k", "bob")


def test_a_case_without_a_checklist_asks_one_note_per_output() -> None:
    session = _session(("succeeded", "succeeded", "queued"), checklist=[])
    assert left_to_score(session, "k", "ann") == 2
    session.set_score(Score("r0", "ann", {}, note="fine"))
    assert left_to_score(session, "k", "ann") == 1 and not may_reveal(session, "k", "ann")


def test_a_case_with_no_output_yet_cannot_be_revealed() -> None:
    session = _session(("queued", "failed"))
    assert left_to_score(session, "k", "ann") == 0 and not may_reveal(session, "k", "ann")


def test_a_failed_run_listed_first_does_not_stop_the_count_of_the_outputs_after_it() -> None:
    session = _session(("failed", "succeeded", "cancelled", "succeeded"))
    assert left_to_score(session, "k", "ann") == 6
    _give(session, "r1", "ann", "c1", "c2", "c3")
    assert left_to_score(session, "k", "ann") == 3 and not may_reveal(session, "k", "ann")
    _give(session, "r3", "ann", "c1", "c2", "c3")
    assert left_to_score(session, "k", "ann") == 0 and may_reveal(session, "k", "ann")


@pytest.fixture
def blind_demo(fast_demo: Path) -> str:
    """A blind session of two cases, three demo models, all run (made outside the app's event loop)."""
    (fast_demo / "config.toml").write_text('rater = "bo"\n[providers.demo]\nlatency_ms = 20\n')
    ctx = Context()
    spec = SessionSpec(cases=[CaseSpec(prompt="a red cube", checklist=ITEMS)] * 2, models=MODELS, blind=True)
    session = build_session(spec, store=ctx.store, registry=ctx.registry, catalog=ctx.catalog)
    asyncio.run(Runner(ctx.store, ctx.registry, session).execute())
    return session.id


def _leaks(app) -> list[str]:
    svg = app.export_screenshot()
    return [n for n in NAMES if n in svg]


async def test_review_keeps_the_names_hidden_until_every_output_is_scored_in_full(blind_demo: str) -> None:
    session_id = blind_demo
    app = build_app()
    async with app.run_test(size=(120, 36)) as pilot:
        review = await open_review(app, pilot, session_id)
        # Case 1: the first output scored in full (the cursor moves on to the next output by itself).
        await pilot.press(*"ppp")
        await pilot.pause(0.2)
        assert review.items_left() == 6
        await pilot.press("b")
        await pilot.pause(0.2)
        assert _leaks(app) == [], "names shown after one output of three"
        # Case 2: every output given one verdict, none all of its items.
        await pilot.press("right_square_bracket")
        await pilot.pause(0.2)
        for _ in MODELS:
            review.item_index = 0
            await pilot.press("p", "right")
        await pilot.pause(0.2)
        case = review.session.cases[1]
        given = [len(review.session.score_of(r.id, "bo").verdicts) for r in review.session.runs_of(case.id)]
        assert given == [1, 1, 1] and review.items_left() == 6
        await pilot.press("b")
        await pilot.pause(0.2)
        assert _leaks(app) == [], "names shown with every output only partly scored"
        # The rest of case 2 given: now the names show.
        await pilot.press(*"p" * 6)
        await pilot.pause(0.2)
        assert review.items_left() == 0 and _leaks(app) == []
        await pilot.press("b")
        await pilot.pause(0.2)
        assert "demo:" in _leaks(app), "the reveal shows the names once the case is scored"
