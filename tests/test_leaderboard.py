"""The leaderboard compares models only where they met: common presets, pairwise ranks on shared presets,
no rank for a pair that never shared one (Simpson's paradox is what pooling everything gave)."""

from __future__ import annotations

from tui.core.model import Case, ChecklistItem, Run, Score, Session
from tui.scoring.leaderboard import compute

ITEMS = [ChecklistItem(f"i{n}", "x") for n in range(4)]


def _session(sid: str, preset: str, passes: dict[str, int], raters: tuple[str, ...] = ("ann",)) -> Session:
    """One case of ``preset``; per model one run with that many of its 4 items passed."""
    case = Case(id="k", prompt="x", preset_id=preset, checklist=ITEMS)
    runs = [Run(f"{sid}-{m}", "k", m, status="succeeded") for m in passes]
    scores = [
        Score(r.id, who, {i.id: "pass" if n < passes[r.model] else "fail" for n, i in enumerate(ITEMS)})
        for r in runs
        for who in raters
    ]
    return Session(id=sid, name=sid, created_at="2026-01-01T00:00:00Z", models=list(passes), cases=[case],
                   runs=runs, scores=scores)  # fmt: skip


def test_a_head_to_head_is_not_reversed_by_a_harder_preset_only_one_side_ran() -> None:
    sessions = [_session(f"e{i}", "p/easy", {"aurora": 4, "mosaic": 3 if i % 3 else 2}) for i in range(30)]
    sessions += [_session(f"h{i}", "p/hard", {"aurora": 1, "sketch": 0}) for i in range(30)]
    board = compute(sessions)
    rows = {r.model: r for r in board.rows}
    # Pooled over everything aurora ran (its hard preset included) it would sit below mosaic.
    assert rows["aurora"].rate.rate < rows["mosaic"].rate.rate
    assert not board.common and any("not comparable" in n for n in board.notes)
    # Ranked head to head on the one preset they share, aurora is ahead.
    assert [r.model for r in board.rows][:1] == ["aurora"] and rows["mosaic"].rank > rows["aurora"].rank
    assert rows["mosaic"].not_compared == ["sketch"] and rows["sketch"].not_compared == ["mosaic"]
    assert any("mosaic is not ranked against sketch" in n for n in board.notes)
    # Rows sharing a rank are ordered preset by preset, not by pooled rates: sketch (worst on its only
    # preset) comes after aurora whatever presets it ran.
    assert rows["aurora"].vs_field > 0 > rows["mosaic"].vs_field


def test_models_that_cannot_be_told_apart_share_a_rank_and_order_by_preset() -> None:
    sessions = [_session(f"e{i}", "p/easy", {"aurora": 4, "mosaic": 3 if i % 3 else 2}) for i in range(6)]
    sessions += [_session(f"h{i}", "p/hard", {"aurora": 1, "sketch": 0}) for i in range(6)]
    board = compute(sessions)
    rows = {r.model: r for r in board.rows}
    assert rows["aurora"].rank == rows["mosaic"].rank == 1  # six runs of one prompt: not told apart
    assert board.rows[0].model == "aurora"  # ahead preset by preset, though its pooled rate is lower
    assert rows["aurora"].rate.rate < rows["mosaic"].rate.rate


def test_rates_are_over_the_presets_common_to_every_model() -> None:
    sessions = [_session(f"a{i}", "p/one", {"m:a": 4, "m:b": 2}) for i in range(3)]
    sessions += [_session(f"b{i}", "p/two", {"m:a": 0, "m:b": 4, "m:c": 1}) for i in range(3)]
    sessions += [_session(f"c{i}", "p/one", {"m:c": 3}) for i in range(3)]
    sessions += [_session("d", "p/three", {"m:a": 4, "m:b": 4})]  # not run for m:c: left out of the rates
    board = compute(sessions)
    assert board.common and board.presets == ["p/one", "p/two"]
    assert any("not counted: p/three" in n for n in board.notes)
    rows = {r.model: r for r in board.rows}
    assert rows["m:a"].rate.rate == 0.5 and rows["m:b"].rate.rate == 0.75 and rows["m:a"].presets == 3
    assert set(board.by_preset) == {"p/one", "p/two", "p/three"}
    assert all(not r.not_compared for r in board.rows)


def test_units_are_averaged_over_raters_and_a_duplicate_score_counts_once() -> None:
    one = _session("s", "p/x", {"m:a": 2, "m:b": 4}, raters=("ann", "bob"))
    one.scores.append(Score("s-m:a", "ann", dict.fromkeys(["i0", "i1", "i2", "i3"], "pass")))  # ann's later score
    board = compute([one])
    rows = {r.model: r for r in board.rows}
    # m:a units: ann now passes all 4, bob 2 -> 1, 1, .5, .5 = 3 of 4; verdicts 8 (the old ann score dropped)
    assert (rows["m:a"].rate.rate, rows["m:a"].rate.units, rows["m:a"].rate.scored) == (0.75, 4, 8)
