"""Blind slots: a reproducible order per case, views that name no model, the reveal after scoring."""

from __future__ import annotations

from tests.test_stats import CHECKLIST
from tui.core.model import Case, Run, RunError, Score, Session
from tui.scoring.blind import (
    blind_order,
    blind_view,
    blind_views,
    left_to_score,
    mark_revealed,
    mask_models,
    may_reveal,
    names_hidden,
    revealed_cases,
    run_for_slot,
    slot_label,
    slot_letter,
    slots,
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


def _full(session: Session, run_id: str, rater: str = "ann") -> Score:
    return Score(run_id, rater, {item.id: "pass" for item in CHECKLIST})


def test_reveal_only_after_every_output_is_fully_scored() -> None:
    session = _blind_session()
    total = len(session.runs) * len(CHECKLIST)
    assert len(CHECKLIST) >= 2 and left_to_score(session, "k1", "ann") == total
    assert not may_reveal(session, "k1", "ann")
    # One verdict on every output: each output is touched, none is fully scored.
    session.scores = [Score(r.id, "ann", {CHECKLIST[0].id: "pass"}) for r in session.runs]
    assert not may_reveal(session, "k1", "ann")
    assert left_to_score(session, "k1", "ann") == total - len(session.runs)
    # Every output fully scored but the last, which misses one item: still blind.
    session.scores = [_full(session, r.id) for r in session.runs[:-1]]
    last = {item.id: "fail" for item in CHECKLIST[:-1]}
    session.scores.append(Score(session.runs[-1].id, "ann", last))  # type: ignore[arg-type]
    assert left_to_score(session, "k1", "ann") == 1 and not may_reveal(session, "k1", "ann")
    # A verdict on an id the checklist does not have is not a verdict on the missing item.
    session.set_score(Score(session.runs[-1].id, "ann", {**last, "not-an-item": "pass"}))  # type: ignore[dict-item]
    assert not may_reveal(session, "k1", "ann")
    session.set_score(_full(session, session.runs[-1].id))
    assert may_reveal(session, "k1", "ann")
    assert not may_reveal(session, "k1", "bob"), "another rater's scores reveal nothing to bob"


def test_failed_outputs_do_not_hold_the_reveal_and_no_output_reveals_nothing() -> None:
    session = _blind_session()
    session.runs[0].status, session.runs[0].error = "failed", RunError("server", "boom")
    session.scores = [_full(session, r.id) for r in session.runs[1:]]
    assert may_reveal(session, "k1", "ann")
    for run in session.runs:
        run.status = "failed"
    session.scores = []
    assert not may_reveal(session, "k1", "ann"), "nothing was shown, so nothing is revealed"


def test_reveal_is_kept_per_rater_in_the_session_file() -> None:
    import msgspec

    session = _blind_session()
    session.cases.append(Case(id="k2", prompt="y", checklist=CHECKLIST))
    session.runs += [Run(f"s{i}", "k2", m, status="succeeded") for i, m in enumerate(session.models)]
    assert names_hidden(session, "ann")
    mark_revealed(session, "ann", "k1")
    mark_revealed(session, "ann", "k1")  # the saver may retry: once is once
    assert session.revealed == {"ann": ["k1"]} and names_hidden(session, "ann")
    mark_revealed(session, "ann", "k2")
    again = msgspec.json.decode(msgspec.json.encode(session), type=Session)
    assert revealed_cases(again, "ann") == {"k1", "k2"} and not names_hidden(again, "ann")
    assert revealed_cases(again, "bob") == set() and names_hidden(again, "bob")
    # A case still running keeps names hidden; one whose runs all failed has nothing to reveal.
    session.revealed = {"ann": ["k1"]}
    for run in session.runs_of("k2"):
        run.status = "running"
    assert names_hidden(session, "ann")
    for run in session.runs_of("k2"):
        run.status = "failed"
    assert not names_hidden(session, "ann")
    session.blind = False
    assert not names_hidden(session, "bob")


def test_slot_view_names_no_model_and_keeps_the_verdicts_by_slot() -> None:
    import msgspec

    from tui.scoring.blind import slot_view

    session = _blind_session()
    session.models = ["openai:gpt-image-1", "xai:grok-2-image", "fal:fal-ai/flux-pro", "gemini:imagen", "demo:mosaic"]
    for run, model in zip(session.runs, session.models, strict=True):
        run.model, run.latency_ms, run.ttfb_ms, run.cost_usd, run.attempts = model, 4321.0, 987.0, 0.0421, 3
        run.params_effective, run.revised_prompt = {"quality": "hd-only-here"}, "rewritten by the model"
    session.runs[1].error = RunError("content_policy", "xAI says grok-2-image refused", http_status=451)
    session.name = "gpt-image-1 vs grok-2-image"
    session.scores = [Score(session.runs[0].id, "ann", {"c1": "pass"}, note="surely gpt-image-1")]
    view = slot_view(session)
    text = msgspec.json.encode(view).decode().lower()
    for leak in (
        "openai",
        "gpt-image",
        "grok",
        "flux",
        "gemini",
        "imagen",
        "mosaic",
        "4321",
        "987",
        "0.0421",
        "hd-only",
        "rewritten",
        "451",
        "says",
    ):
        assert leak not in text, leak
    assert view.models == ["slot A", "slot B", "slot C", "slot D", "slot E"]
    by_slot = {r.model: r.id for r in view.runs}
    assert by_slot == {f"slot {label}": run.id for label, run in slots(session, "k1")}  # the letters Review shows
    assert view.scores[0].verdicts == {"c1": "pass"} and not view.blind
    assert session.models[0] == "openai:gpt-image-1" and session.runs[0].latency_ms == 4321.0  # a copy
