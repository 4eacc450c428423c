"""Pass rates, strict pass, latency tails and cost as issue 13 defines them, on small sessions worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from tui.core.model import Case, ChecklistItem, OutputImage, Run, RunError, Score, Session
from tui.scoring.stats import latest_scores, observations
from tui.scoring.summary import strict_outcomes, summarize

ITEMS = [ChecklistItem(f"i{n}", f"criterion {n}") for n in range(4)]
IMG = [OutputImage("images/x.png", "0" * 64, 10, 10, "PNG")]


def _session(runs: list[Run], scores: list[Score], items=ITEMS) -> Session:
    cases = [Case(id=f"k{c}", prompt=f"p{c}", checklist=list(items)) for c in range(3)]
    return Session(id="s", name="t", created_at="2026-01-01T00:00:00Z", models=["m:a"], cases=cases,
                   runs=runs, scores=scores)  # fmt: skip


def _run(i: int, case: int = 0, **kw) -> Run:
    kw.setdefault("status", "succeeded")
    return Run(f"r{i}", f"k{case}", "m:a", images=IMG if kw["status"] == "succeeded" else [], **kw)


def test_units_are_averaged_over_their_raters_before_pooling() -> None:
    # r0: two raters; ann passes all 4, bob passes 1 -> unit values 1, .5, .5, .5. r1: ann alone, 0 of 4.
    scores = [
        Score("r0", "ann", dict.fromkeys(["i0", "i1", "i2", "i3"], "pass")),
        Score("r0", "bob", {"i0": "pass", "i1": "fail", "i2": "fail", "i3": "fail"}),
        Score("r1", "ann", dict.fromkeys(["i0", "i1", "i2", "i3"], "fail")),
    ]
    (a,) = summarize(_session([_run(0), _run(1, case=1)], scores))
    assert a.units == 8 and a.items_scored == 12
    assert a.pass_rate == pytest.approx(2.5 / 8)  # pooled per verdict it would be 5/12: bob's unit counted twice
    assert a.items_passed == pytest.approx(2.5)


def test_one_score_per_rater_and_run_the_latest_wins(tmp_path) -> None:
    old = Score("r0", "ann", dict.fromkeys(["i0", "i1", "i2", "i3"], "fail"), scored_at="2026-01-01T00:00:00Z")
    new = Score("r0", "ann", dict.fromkeys(["i0", "i1", "i2", "i3"], "pass"), scored_at="2026-01-02T00:00:00Z")
    kept, dropped = latest_scores([new, old])
    assert kept == [new] and dropped == 1
    session = _session([_run(0)], [new, old])
    assert [o.value for o in observations(session)] == [1.0] * 4
    (a,) = summarize(session)
    assert (a.pass_rate, a.units, a.items_scored, a.passing_images) == (1.0, 4, 4, 1)
    from tui.core.store import Store
    from tui.reports.report import report_data
    from tui.reports.report_tables import report_tables

    data = report_data(session, store=Store(tmp_path))
    assert data["session"]["duplicate_scores_dropped"] == 1
    assert "1 older duplicate score(s) of one rater for one run were not counted" in report_tables(data)[0].note


def test_strict_pass_needs_a_complete_checklist_and_a_majority() -> None:
    full = dict.fromkeys(["i0", "i1", "i2", "i3"], "pass")
    runs = [_run(i, case=i % 3) for i in range(5)]
    scores = [
        Score("r0", "ann", {"i0": "pass"}),  # 1 of 4 items: incomplete, not a passing image
        Score("r1", "ann", full),  # 3 raters, one fails an item: the majority passes it
        Score("r1", "bob", full),
        Score("r1", "cat", {**full, "i2": "fail"}),
        Score("r2", "ann", full),  # 2 raters split on an item: a tie is not a pass
        Score("r2", "bob", {**full, "i3": "fail"}),
        Score("r3", "ann", {**full, "i1": "partial"}),  # partial is not a pass
        Score("r4", "ann", {**full, "i0": "na"}),  # na items are skipped
    ]
    session = _session(runs, scores)
    assert strict_outcomes(session) == {"r0": None, "r1": True, "r2": False, "r3": False, "r4": True}
    (a,) = summarize(session)
    assert (a.outputs_scored, a.outputs_incomplete, a.passing_images) == (4, 1, 2)
    assert a.strict_pass_rate == 0.5
    # Adding raters who agree does not lower the rate (one veto used to fail every image).
    session.scores += [Score("r2", "dan", full)]
    assert summarize(session)[0].passing_images == 3


def test_strict_pass_respects_the_parent_rule() -> None:
    items = [ChecklistItem("i0", "cat?"), ChecklistItem("i1", "orange?", parent="i0")]
    session = _session([_run(0)], [Score("r0", "ann", {"i0": "fail", "i1": "pass"})], items)
    assert strict_outcomes(session) == {"r0": False}


@pytest.mark.parametrize("n", [3, 19, 20, 57])
def test_latency_tail_is_p95_from_twenty_values_else_the_maximum(n: int) -> None:
    values = [float(v) for v in np.random.default_rng(n).uniform(100, 900, n).round(1)]
    runs = [_run(i, latency_ms=v) for i, v in enumerate(values)]
    (a,) = summarize(_session(runs, []))
    assert a.latency_n == n
    if n >= 20:
        assert a.latency_tail == "p95" and a.p95_latency_ms == pytest.approx(np.percentile(values, 95), abs=0.06)
    else:
        assert a.latency_tail == "max" and a.p95_latency_ms == max(values)
    assert a.median_latency_ms == pytest.approx(np.median(values), abs=0.06)


def test_cost_per_passing_image_counts_only_runs_whose_cost_is_known() -> None:
    full = dict.fromkeys(["i0", "i1", "i2", "i3"], "pass")
    runs = [
        _run(0, cost_usd=0.02),
        _run(1),  # cost unknown: its passing image must not cheapen the known one
        _run(2),
        _run(3, status="failed", error=RunError("server", "boom"), cost_usd=0.01),
    ]
    scores = [Score(f"r{i}", "ann", full) for i in range(3)]
    (a,) = summarize(_session(runs, scores))
    assert a.passing_images == 3
    assert a.cost_per_image == 0.02 and a.cost_per_passing_image == 0.02  # not 0.02 / 3
    assert a.cost_per_passing_image_all_in == 0.03  # the failed run's spend included
    (b,) = summarize(_session([_run(0)], [Score("r0", "ann", full)]))
    assert b.cost_per_passing_image is None and b.cost_per_passing_image_all_in is None


@pytest.mark.parametrize("seed", range(12))
def test_an_items_rate_averages_each_run_over_its_raters_with_the_parent_rule(seed: int) -> None:
    """Each item's rate per model from its definition, worked in plain Python: a unit (run, item) is the mean of
    its raters' values (pass 1, partial ½, fail 0; n/a and missing left out), a child of a failed parent counts as
    failed, a parent nobody judged changes nothing; the item's rate is the units' mean over its runs."""
    from tui.scoring.stats import item_rates

    rng = np.random.default_rng(seed)
    items = [ChecklistItem("i0", "a cat"), ChecklistItem("i1", "a hat"), ChecklistItem("i2", "red", parent="i0")]
    value = {"pass": 1.0, "partial": 0.5, "fail": 0.0}
    runs = [Run(f"r{n}", "k0", model, status="succeeded") for n, model in enumerate(["m:a"] * 3 + ["m:b"] * 2)]
    scores = []
    for run in runs:
        for rater in ("ann", "bob", "cy")[: rng.integers(1, 4)]:
            given = {it.id: str(rng.choice(["pass", "fail", "partial", "na"])) for it in items if rng.random() < 0.8}
            scores.append(Score(run.id, rater, given))  # type: ignore[arg-type]
    scores.append(Score(runs[0].id, "dee", {"i2": "pass"}))  # the child judged, its parent not
    session = Session(id="s", name="t", created_at="2026-01-01T00:00:00Z", models=["m:a", "m:b"],
                      cases=[Case(id="k0", prompt="x", checklist=items)], runs=runs, scores=scores)  # fmt: skip
    for row in item_rates(session):
        for model in ("m:a", "m:b"):
            units, verdicts = [], 0
            for run in (r for r in runs if r.model == model):
                values = []
                for sc in (s for s in scores if s.run_id == run.id and row.item_id in s.verdicts):
                    v = sc.verdicts[row.item_id]
                    if row.parent and sc.verdicts.get(row.parent) == "fail":
                        v = "fail"
                    if v != "na":
                        values.append(value[v])
                if values:
                    units.append(sum(values) / len(values))
                    verdicts += len(values)
            rate = row.rates[model]
            assert (rate.units, rate.scored) == (len(units), verdicts), (row.item_id, model)
            assert rate.rate == (pytest.approx(sum(units) / len(units), abs=5e-5) if units else None)  # 4 places
