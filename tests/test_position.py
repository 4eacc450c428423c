"""Position bias in blind sessions: verdicts by slot against the models' own rates, and left/right preferences."""

from __future__ import annotations

import pytest

from tui.core.model import Case, ChecklistItem, Preference, Run, Score, Session
from tui.reports.report_tables import report_tables
from tui.scoring.blind import slots
from tui.scoring.position import position_report

ITEMS = [ChecklistItem("i1", "one"), ChecklistItem("i2", "two")]
MODELS = ["m:a", "m:b", "m:c"]


def _session(blind: bool = True, cases: int = 6) -> Session:
    the_cases = [Case(id=f"k{n}", prompt=f"p{n}", checklist=ITEMS) for n in range(cases)]
    runs = [Run(f"{m}-{c.id}", c.id, m, status="succeeded") for c in the_cases for m in MODELS]
    return Session(
        id="s", name="t", created_at="2026-01-01T00:00:00Z", blind=blind, blind_seed=11,
        models=MODELS, cases=the_cases, runs=runs,
    )  # fmt: skip


def test_not_blind_means_no_position_report() -> None:
    assert position_report(_session(blind=False)) is None
    assert position_report(_session()) is None  # blind, but nothing scored yet


def test_a_rater_who_favours_slot_a_shows_up_against_the_models_own_rates() -> None:
    session = _session()
    for case in session.cases:
        for label, run in slots(session, case.id):
            verdict = "pass" if label == "A" else "fail"
            session.scores.append(Score(run.id, "ann", {"i1": verdict, "i2": verdict}, blind=True))
    # A revealed rater's verdicts do not count: the slot no longer hid anything.
    first = session.runs[0]
    session.scores.append(Score(first.id, "bob", {"i1": "fail", "i2": "fail"}, blind=False))

    report = position_report(session)
    assert [row.slot for row in report.slots] == ["A", "B", "C"]
    a, b, c = report.slots
    assert (a.rate.passed, a.rate.scored, a.rate.rate) == (12.0, 12, 1.0)
    assert (b.rate.scored, b.rate.rate, c.rate.rate) == (12, 0.0, 0.0)
    # Each model's own rate is the share of its cases it sat in slot A; the residuals follow from that by hand.
    in_a = {m: 0 for m in MODELS}
    for case in session.cases:
        in_a[slots(session, case.id)[0][1].model] += 1
    rate = {m: in_a[m] / len(session.cases) for m in MODELS}
    slot_a_models = [slots(session, case.id)[0][1].model for case in session.cases]
    expected_a = sum(1 - rate[m] for m in slot_a_models) / len(slot_a_models)
    assert a.vs_models == pytest.approx(expected_a, abs=1e-4) and a.vs_models > 0.4
    assert b.vs_models < 0 and c.vs_models < 0
    assert report.preferences is None


def test_left_right_preferences_get_an_exact_binomial_p() -> None:
    session = _session()
    case = session.cases[0]
    left, right = session.runs_of(case.id)[:2]
    outcomes = ["a"] * 8 + ["b", "tie"]
    session.preferences = [
        Preference(case.id, f"r{n}", left.id, right.id, outcome, blind=True) for n, outcome in enumerate(outcomes)
    ]
    session.preferences.append(Preference(case.id, "late", left.id, right.id, "b", blind=False))  # not counted
    sides = position_report(session).preferences
    assert (sides.left, sides.right, sides.ties) == (8, 1, 1)
    assert sides.left_share == pytest.approx(8 / 9)
    assert sides.p_value == pytest.approx(2 * (1 + 9) / 2**9)  # 0.039


def test_the_report_has_a_position_table_for_blind_sessions_only(tmp_path) -> None:
    from tui.core.store import Store
    from tui.reports.report import report_data

    session = _session()
    for run in session.runs:
        session.scores.append(Score(run.id, "ann", {"i1": "pass", "i2": "fail"}, blind=True))
    titles = [t.title for t in report_tables(report_data(session, store=Store(tmp_path)))]
    assert "Position (blind)" in titles
    session.blind = False
    titles = [t.title for t in report_tables(report_data(session, store=Store(tmp_path)))]
    assert "Position (blind)" not in titles
