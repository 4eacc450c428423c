"""Mutation survivors of tui/scoring/summary.py pinned by what the summary says (issue 19): one rater's view,
pending runs, the session's cost, the precision figures are kept to, the Results pass handed its verdicts."""

from __future__ import annotations

import statistics

import numpy as np
import pytest

from tui.core.model import Case, ChecklistItem, OutputImage, Run, RunError, Score, Session
from tui.scoring.stats import counted, observations
from tui.scoring.summary import results, strict_outcomes, summarize

ITEMS = [ChecklistItem(f"i{n}", f"criterion {n}") for n in range(3)]
IMG = [OutputImage("images/x.png", "0" * 64, 10, 10, "PNG")]
ALL_PASS = dict.fromkeys(["i0", "i1", "i2"], "pass")


def _session(runs: list[Run], scores: list[Score], models=("m:a",)) -> Session:
    cases = [Case(id=f"k{c}", prompt=f"p{c}", checklist=list(ITEMS)) for c in range(3)]
    return Session(id="s", name="t", created_at="2026-01-01T00:00:00Z", models=list(models), cases=cases,
                   runs=runs, scores=scores)  # fmt: skip


def _run(i: int, case: int = 0, model: str = "m:a", **kw) -> Run:
    kw.setdefault("status", "succeeded")
    return Run(f"r{i}", f"k{case}", model, images=IMG if kw["status"] == "succeeded" else [], **kw)


@pytest.mark.parametrize("named", ["ann", "bob", "cat"])
def test_one_named_rater_sees_only_their_own_scores(named: str) -> None:
    # Names sort ann < bob < cat: a rater filter that compared names by order would let the others in.
    verdict = {"ann": ALL_PASS, "bob": {**ALL_PASS, "i1": "fail"}, "cat": {"i0": "pass"}}
    scores = [Score("r0", who, v) for who, v in verdict.items()]
    session = _session([_run(0)], scores)
    expected = {"ann": True, "bob": False, "cat": None}[named]  # cat's checklist is incomplete
    assert strict_outcomes(session, named) == {"r0": expected}
    (a,) = summarize(session, rater=named)
    assert a.items_scored == len(verdict[named])
    assert (a.passing_images, a.outputs_scored, a.outputs_incomplete) == (
        int(expected is True),
        int(expected is not None),
        int(expected is None),
    )


def test_pending_runs_are_counted_once_each_and_finished_ones_never() -> None:
    runs = [
        _run(0),
        _run(1, status="failed", error=RunError("server", "boom")),
        _run(2, status="cancelled"),
        _run(3, status="queued"),
        _run(4, status="running"),
        _run(5, status="retrying"),
        _run(6, status="interrupted"),
    ]
    (a,) = summarize(_session(runs, []))
    assert (a.runs, a.succeeded, a.failed, a.pending) == (7, 1, 1, 4)


def test_the_sessions_cost_is_the_sum_of_its_runs_known_costs() -> None:
    runs = [
        _run(0, cost_usd=0.04),
        _run(1, cost_usd=0.0125),
        _run(2),  # unknown: adds nothing, and does not make the total unknown
        _run(3, status="failed", error=RunError("server", "boom"), cost_usd=0.002),
    ]
    (a,) = summarize(_session(runs, []))
    assert a.cost_usd == pytest.approx(0.0545, abs=1e-12)
    (none,) = summarize(_session([_run(0), _run(1)], []))
    assert none.cost_usd is None  # no run's cost known: unknown, not 0


def test_latency_and_cost_figures_keep_their_stated_precision() -> None:
    # The median of 100.0 and 100.25 is 100.125: kept to 0.1 ms. A cost per passing image to 1e-6 USD.
    runs = [_run(0, latency_ms=100.0, ttfb_ms=10.0, cost_usd=0.01), _run(1, latency_ms=100.25, ttfb_ms=10.25),
            _run(2, case=1, latency_ms=100.25, ttfb_ms=10.25), _run(3, case=2, latency_ms=100.0)]  # fmt: skip
    scores = [Score(f"r{i}", "ann", ALL_PASS) for i in range(4)]
    (a,) = summarize(_session(runs, scores))
    assert statistics.median([100.0, 100.25, 100.25, 100.0]) == 100.125
    assert a.median_latency_ms == 100.1 and a.p50_ttfb_ms == 10.2  # round(10.25, 1): the float 10.25 is exact
    assert a.cost_per_passing_image == 0.01  # one run with a known cost, and it passed
    # Three passing images for 0.01 in all: 0.01 / 3, kept to six places.
    runs = [_run(0, cost_usd=0.01), _run(1, case=1, cost_usd=0.0), _run(2, case=2, cost_usd=0.0)]
    (b,) = summarize(_session(runs, [Score(f"r{i}", "ann", ALL_PASS) for i in range(3)]))
    assert b.cost_per_passing_image == 0.003333 and b.cost_per_passing_image_all_in == 0.003333


def test_results_without_verdicts_handed_in_walks_the_session_itself() -> None:
    scores = [Score("r0", "ann", ALL_PASS), Score("r1", "ann", {**ALL_PASS, "i2": "fail"})]
    session = _session([_run(0), _run(1, case=1)], scores)
    walked = results(session)
    handed = results(session, obs=counted(session))
    assert [m.to_dict() for m in walked.models] == [m.to_dict() for m in handed.models]
    assert walked.models[0].pass_rate == round(5 / 6, 4)  # rates are kept to four places
    # What is handed in is what is counted (the report hands the people's verdicts, judges left out).
    only_r0 = [o for o in observations(session) if o.run_id == "r0"]
    assert results(session, obs=only_r0).models[0].pass_rate == 1.0


def test_the_pass_interval_is_the_summarys_own_figures() -> None:
    scores = [Score("r0", "ann", ALL_PASS), Score("r1", "ann", {**ALL_PASS, "i2": "fail"})]
    (a,) = summarize(_session([_run(0), _run(1, case=1)], scores))
    interval = a.pass_interval
    assert (interval.passed, interval.scored, interval.units, interval.rate) == (5.0, 6, 6, a.pass_rate)
    assert (interval.low, interval.high, interval.cases) == (a.pass_low, a.pass_high, 2)
    assert (interval.wilson_low, interval.wilson_high) == (a.pass_wilson_low, a.pass_wilson_high)


def test_a_rater_named_by_an_equal_string_is_found() -> None:
    # A name typed or read from a file is an equal string, not the same object as the one in the session.
    named = "".join(["b", "ob"])
    scores = [Score("r0", "ann", ALL_PASS), Score("r0", "bob", {**ALL_PASS, "i1": "fail"})]
    assert strict_outcomes(_session([_run(0)], scores), named) == {"r0": False}


def test_scores_of_runs_or_cases_the_session_lacks_are_skipped_and_the_rest_counted() -> None:
    runs = [_run(0), Run("r-lost", "k-gone", "m:a", status="succeeded", images=IMG), _run(1, case=1)]
    scores = [
        Score("r-nowhere", "ann", ALL_PASS),  # no such run
        Score("r-lost", "ann", ALL_PASS),  # its case is not in the session
        Score("r0", "ann", {}),  # no verdict at all: not even scored
        Score("r0", "bob", ALL_PASS),
        Score("r1", "ann", {**ALL_PASS, "i0": "fail"}),
    ]
    session = _session(runs, scores)
    assert strict_outcomes(session) == {"r0": True, "r1": False}
    assert strict_outcomes(session, "ann") == {"r1": False}


def test_a_childs_verdict_counts_as_failed_for_a_rater_who_failed_its_parent() -> None:
    # The parent passes by majority (2 of 3); ann, who failed it, passed the child: by the parent rule her child
    # verdict is a fail, so the child has 1 pass against 2 fails. Counted as she wrote it, it would pass 2 to 1.
    items = [ChecklistItem("i0", "a cat?"), ChecklistItem("i1", "an orange cat?", parent="i0")]
    scores = [
        Score("r0", "ann", {"i0": "fail", "i1": "pass"}),
        Score("r0", "bob", {"i0": "pass", "i1": "pass"}),
        Score("r0", "cat", {"i0": "pass", "i1": "fail"}),
    ]
    session = _session([_run(0)], scores)
    session.cases[0].checklist = items
    assert strict_outcomes(session) == {"r0": False}
    session.scores[0] = Score("r0", "ann", {"i0": "pass", "i1": "pass"})
    assert strict_outcomes(session) == {"r0": True}


def test_a_checklist_every_rater_marked_na_is_not_a_passing_image() -> None:
    scores = [Score("r0", "ann", dict.fromkeys(["i0", "i1", "i2"], "na"))]
    session = _session([_run(0)], scores)
    assert strict_outcomes(session) == {"r0": False}
    assert summarize(session)[0].passing_images == 0


def test_a_failed_run_that_was_scored_is_never_a_passing_image_nor_part_of_its_cost() -> None:
    # A score on a failed run (kept from an earlier attempt, or in an imported file) must not make it pass.
    runs = [_run(0, cost_usd=0.03), _run(1, case=1, status="failed", error=RunError("server", "x"), cost_usd=0.01)]
    scores = [Score("r0", "ann", ALL_PASS), Score("r1", "ann", ALL_PASS)]
    (a,) = summarize(_session(runs, scores))
    assert (a.outputs_scored, a.passing_images, a.strict_pass_rate) == (2, 1, 0.5)
    assert a.cost_per_passing_image == 0.03 and a.cost_per_passing_image_all_in == 0.04


def test_refusals_are_only_content_policy_failures() -> None:
    kinds = ["auth", "bad_request", "content_policy", "rate_limit", "server", "timeout", "unavailable"]
    runs = [_run(i, status="failed", error=RunError(k, "x")) for i, k in enumerate(kinds)]
    runs.append(_run(99, status="failed"))  # no error recorded
    (a,) = summarize(_session(runs, []))
    assert (a.failed, a.refused) == (8, 1)
    assert a.errors == {**dict.fromkeys(kinds, 1), "unknown": 1}


def test_a_model_without_runs_or_scores_reports_zeros_and_unknowns() -> None:
    # m:idle is in the session and never ran; m:gone ran (a model since removed) but nobody scored it.
    session = _session([Run("r0", "k0", "m:gone", status="succeeded", images=IMG)], [], models=("m:idle",))
    idle, gone = summarize(session)
    for s in (idle, gone):
        assert (s.items_scored, s.items_passed, s.units, s.cases, s.pass_rate, s.pass_low) == (0, 0.0, 0, 0, None, None)
        assert (s.pending, s.latency_n, s.outputs_scored) == (0, 0, 0)
    assert (idle.model, idle.runs, idle.images, idle.cost_usd, idle.success_rate) == ("m:idle", 0, 0, None, None)
    assert (gone.model, gone.runs, gone.images, gone.success_rate) == ("m:gone", 1, 1, 1.0)


def test_latency_figures_are_kept_to_a_tenth_of_a_millisecond() -> None:
    # 20 values, so the tail is a real p95; every figure lands between two tenths before rounding.
    values = [100.0 + 0.25 * i + 0.03 for i in range(20)]
    runs = [_run(i, latency_ms=v, ttfb_ms=v / 10) for i, v in enumerate(values)]
    (a,) = summarize(_session(runs, []))
    p95 = float(np.percentile(values, 95))
    assert a.latency_tail == "p95" and a.p95_latency_ms == round(p95, 1) != round(p95, 2)
    assert a.median_latency_ms == round(float(np.median(values)), 1)
    assert a.p50_ttfb_ms == round(float(np.median(values)) / 10, 1)
    (few,) = summarize(_session(runs[:3], []))
    assert few.latency_tail == "max" and few.p95_latency_ms == round(values[2], 1) == 100.5


def test_twenty_runs_that_took_no_time_have_a_p95_of_zero() -> None:
    (a,) = summarize(_session([_run(i, latency_ms=0.0) for i in range(20)], []))
    assert (a.latency_tail, a.p95_latency_ms, a.median_latency_ms) == ("p95", 0.0, 0.0)


def test_costs_are_kept_to_a_millionth_of_a_dollar_and_an_unknown_failed_cost_adds_nothing() -> None:
    runs = [
        _run(0, cost_usd=0.0123454),
        _run(1, case=1, cost_usd=0.0000004),
        _run(2, case=2, status="failed", error=RunError("server", "x")),  # billed unknown: adds nothing
    ]
    scores = [Score("r0", "ann", ALL_PASS), Score("r1", "ann", ALL_PASS)]
    (a,) = summarize(_session(runs, scores))
    assert a.cost_usd == 0.012346  # 0.0123458 to six places
    assert a.cost_per_image == round(0.0123458 / 2, 6) == 0.006173
    assert a.cost_per_passing_image == 0.006173 and a.cost_per_passing_image_all_in == 0.006173
