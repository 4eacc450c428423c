"""Blind slots: a reproducible order per case, views that name no model, the reveal after scoring."""

from __future__ import annotations

from tests.test_stats import CHECKLIST
from tui.core.model import Case, Run, RunError, Score, Session
from tui.scoring.blind import (
    blind_order,
    blind_view,
    blind_views,
    mask_models,
    revealed,
    run_for_slot,
    slot_label,
    slot_letter,
)


def _blind_session(seed: int = 7) -> Session:
    models = [f"p:m{i}" for i in range(5)]
    runs = [Run(f"r{i}", "k1", m, status="succeeded") for i, m in enumerate(models)]
    return Session(
        id="b",
        name="b",
        created_at="2026-01-01T00:00:00Z",
        blind=True,
        blind_seed=seed,
        models=models,
        cases=[Case(id="k1", prompt="x", checklist=CHECKLIST)],
        runs=runs,
    )


def test_blind_order_is_reproducible_and_independent_of_storage_order() -> None:
    session = _blind_session()
    order = [r.id for r in blind_order(session, "k1")]
    session.runs.reverse()
    assert [r.id for r in blind_order(session, "k1")] == order
    orders = {tuple(r.id for r in blind_order(_blind_session(seed), "k1")) for seed in range(20)}
    assert len(orders) > 5  # the seed matters
    labels = [slot_label(session, r) for r in blind_order(session, "k1")]
    assert labels == ["A", "B", "C", "D", "E"]
    assert run_for_slot(session, "k1", "c").id == order[2]
    assert [slot_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_blind_view_hides_what_names_a_model() -> None:
    session = _blind_session()
    run = session.runs[0]
    run.latency_ms, run.cost_usd, run.revised_prompt = 1234.0, 0.04, "a rewritten prompt"
    view = blind_view(session, run)
    text = repr(view)
    for leak in ("p:m0", "1234", "0.04", "rewritten"):
        assert leak not in text
    assert view.slot == slot_label(session, run) and view.state == "done"
    assert [v.slot for v in blind_views(session, "k1")] == ["A", "B", "C", "D", "E"]
    session.runs[1].status, session.runs[1].error = "failed", RunError("content_policy", "OpenAI said no")
    assert blind_view(session, session.runs[1]).state == "refused"
    session.models = ["openai:gpt-image-1", "fal:fal-ai/flux-2-pro"]
    note = "GPT-image-1 beats flux-2-pro; fal was slow"
    assert mask_models(note, session) == "[model] beats [model]; [model] was slow"


def test_revealed_after_scoring_every_output() -> None:
    session = _blind_session()
    assert not revealed(session, "k1", "ann")
    session.scores = [Score(r.id, "ann", {"c1": "pass"}) for r in session.runs]
    assert revealed(session, "k1", "ann") and not revealed(session, "k1", "bob")
