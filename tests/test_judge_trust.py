"""Can the judge be trusted here? The judge-vs-person figures against sklearn (cohen_kappa_score, confusion_matrix)
on a crafted set whose marginals tell Cohen's chance term from a wrong one, per item, category and overall; the
bootstrap interval against a direct resampling; people's statistics never counting a judge."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import cohen_kappa_score, confusion_matrix

from tui.core.model import VERDICTS, Case, ChecklistItem, JudgeRecord, Run, Score, Session
from tui.scoring.raters import human_names, humans_only, judge_names
from tui.scoring.stats import counted
from tui.scoring.trust import THRESHOLD, bootstrap_kappa, kappa_of_counts, trust, trust_figures

JUDGE = "judge:demo:pixels"

# The person says pass 60 %, the judge only 30 %: their marginals differ, so the pooled (Scott) or one-rater
# chance term gives a visibly different number from Cohen's.
CRAFTED = {
    ("pass", "pass"): 25, ("pass", "partial"): 30, ("pass", "fail"): 5,
    ("partial", "pass"): 2, ("partial", "partial"): 6, ("partial", "fail"): 2,
    ("fail", "pass"): 3, ("fail", "partial"): 4, ("fail", "fail"): 20, ("fail", "na"): 3,
}  # fmt: skip


def _pairs(table: dict[tuple[str, str], int]) -> list[tuple[str, str]]:
    return [pair for pair, count in table.items() for _ in range(count)]


def _session(pairs: list[tuple[str, str]], items_per_run: int = 4, *, skipped: set[int] = frozenset()) -> Session:
    """Two cases (categories A and B), runs of ``items_per_run`` items each, the person's and the judge's verdicts
    laid out from ``pairs`` in order. ``skipped``: pair indexes the judge recorded as not asked."""
    checklist = [ChecklistItem(f"i{k}", f"criterion {k}") for k in range(items_per_run)]
    cases = [Case("ca", "prompt a", category="A", checklist=checklist), Case("cb", "prompt b", category="B",
             checklist=checklist)]  # fmt: skip
    runs, scores = [], []
    for r, start in enumerate(range(0, len(pairs), items_per_run)):
        chunk = pairs[start : start + items_per_run]
        run = Run(f"r{r}", cases[r % 2].id, "demo:mosaic", status="succeeded")
        runs.append(run)
        person = {f"i{k}": a for k, (a, _b) in enumerate(chunk)}
        judged = {f"i{k}": b for k, (_a, b) in enumerate(chunk)}
        left = [f"i{k}" for k in range(len(chunk)) if start + k in skipped]
        record = JudgeRecord("demo:pixels", "1", "h" * 64, demo=True, skipped=left)
        scores += [
            Score(run.id, "alice", person, scored_at="2026-01-01T00:00:00Z"),  # type: ignore[arg-type]
            Score(run.id, JUDGE, judged, kind="judge", judge=record),  # type: ignore[arg-type]
        ]
    return Session("s", "s", "2026-01-01T00:00:00Z", models=["demo:mosaic"], cases=cases, runs=runs, scores=scores)


def test_overall_kappa_percent_and_confusion_match_sklearn_on_unequal_marginals() -> None:
    pairs = _pairs(CRAFTED)
    random.Random(3).shuffle(pairs)
    (entry,) = trust(_session(pairs))
    person, judged = zip(*pairs, strict=True)
    assert entry.scorer == JUDGE and entry.kind == "judge" and entry.human == "alice"
    assert entry.overall.units == len(pairs) == 100
    assert entry.overall.kappa == pytest.approx(cohen_kappa_score(person, judged), abs=1e-4)
    assert entry.overall.confusion == confusion_matrix(person, judged, labels=list(VERDICTS)).tolist()
    assert entry.overall.percent == pytest.approx(sum(a == b for a, b in pairs) / 100)
    # A wrong chance term is visible: Scott's pi (pooled marginals) differs by more than rounding.
    po = sum(a == b for a, b in pairs) / 100
    pooled = {v: (person.count(v) + judged.count(v)) / 200 for v in VERDICTS}
    scott = (po - sum(p * p for p in pooled.values())) / (1 - sum(p * p for p in pooled.values()))
    assert abs(entry.overall.kappa - scott) > 0.03


def test_per_category_and_per_item_each_match_sklearn_on_their_own_units() -> None:
    pairs = _pairs(CRAFTED)
    random.Random(5).shuffle(pairs)
    session = _session(pairs)
    (entry,) = trust(session)
    for scope, figures in [*entry.per_category.items(), *entry.per_item.items()]:
        if scope in ("A", "B"):
            want = [p for i, p in enumerate(pairs) if (i // 4) % 2 == (0 if scope == "A" else 1)]
        else:
            case_id, item_id = scope.split("/")
            k, parity = int(item_id[1:]), 0 if case_id == "ca" else 1
            want = [p for i, p in enumerate(pairs) if i % 4 == k and (i // 4) % 2 == parity]
        person, judged = zip(*want, strict=True)
        assert figures.units == len(want)
        assert figures.confusion == confusion_matrix(person, judged, labels=list(VERDICTS)).tolist()
        expected = cohen_kappa_score(person, judged) if len(set(person) | set(judged)) > 1 else None
        if expected is None or expected != expected:  # sklearn: nan when chance agreement is 1
            assert figures.kappa is None
        else:
            assert figures.kappa == pytest.approx(expected, abs=1e-4)
    assert set(entry.per_category) == {"A", "B"} and len(entry.per_item) == 8


def test_items_the_judge_did_not_ask_are_left_out() -> None:
    pairs = _pairs(CRAFTED)
    (full,) = trust(_session(pairs))
    (some,) = trust(_session(pairs, skipped={0, 1, 2}))
    assert some.overall.units == full.overall.units - 3
    person, judged = zip(*pairs[3:], strict=True)
    assert some.overall.kappa == pytest.approx(cohen_kappa_score(person, judged), abs=1e-4)


def test_bootstrap_interval_resamples_outputs_and_brackets_the_estimate() -> None:
    pairs = _pairs(CRAFTED)
    random.Random(7).shuffle(pairs)
    clusters = [pairs[i : i + 4] for i in range(0, len(pairs), 4)]
    low, high = bootstrap_kappa(clusters, draws=2000, seed=11)
    # Direct resampling with sklearn as the statistic: the same interval within Monte Carlo error.
    rng = random.Random(99)
    values = []
    for _ in range(500):
        sample = [p for _ in clusters for p in clusters[rng.randrange(len(clusters))]]
        a, b = zip(*sample, strict=True)
        values.append(cohen_kappa_score(a, b))
    values.sort()
    assert low == pytest.approx(values[12], abs=0.05) and high == pytest.approx(values[487], abs=0.05)
    point = cohen_kappa_score(*zip(*pairs, strict=True))
    assert low < point < high and high - low > 0.1
    assert bootstrap_kappa(clusters[:3]) == (None, None)  # too few outputs to resample


def test_flags_name_why_a_scope_cannot_be_trusted() -> None:
    agree = [("pass", "pass"), ("fail", "fail")] * 10
    assert trust_figures([agree[i : i + 2] for i in range(0, 20, 2)]).flag == ""
    assert "fewer than" in trust_figures([[("pass", "pass")]] * 3).flag
    assert "undefined" in trust_figures([[("pass", "pass")]] * 6).flag
    noisy = [("pass", "fail"), ("fail", "pass"), ("pass", "pass"), ("fail", "fail"), ("pass", "fail")] * 2
    figures = trust_figures([noisy[i : i + 2] for i in range(0, 10, 2)])
    assert figures.kappa is not None and figures.kappa < THRESHOLD and "below" in figures.flag
    # Good on average, but too few outputs to tell from chance: flagged by its interval.
    mostly = [[("pass", "pass")], [("fail", "fail")], [("pass", "pass")], [("pass", "fail")], [("fail", "fail")],
              [("pass", "pass")]]  # fmt: skip
    shaky = trust_figures(mostly)
    assert shaky.kappa is not None and shaky.kappa >= THRESHOLD and shaky.kappa_low <= 0 and "chance" in shaky.flag


def test_people_statistics_leave_judges_out() -> None:
    session = _session(_pairs(CRAFTED))
    assert judge_names(session) == [JUDGE] and human_names(session) == ["alice"]
    people = humans_only(session)
    assert {o.rater for o in counted(people)} == {"alice"}
    assert {o.rater for o in counted(session, JUDGE)} == {JUDGE}


def test_kappa_from_counts_is_sklearns_kappa() -> None:
    pairs = _pairs(CRAFTED)
    person, judged = zip(*pairs, strict=True)
    table = confusion_matrix(person, judged, labels=list(VERDICTS)).tolist()
    assert kappa_of_counts(table) == pytest.approx(cohen_kappa_score(person, judged))
    assert kappa_of_counts([[4, 0], [0, 0]]) is None and kappa_of_counts([[0, 0], [0, 0]]) is None


def test_the_session_listing_names_people_as_raters_and_judges_apart(data_dir) -> None:
    from tui.core.store import Store
    from tui.core.tallies import summarize

    session = _session(_pairs(CRAFTED)[:8])
    session.scores.append(Score("r0", "bob", {"i0": "pass"}))  # type: ignore[arg-type]
    assert (summarize(session).raters, summarize(session).judges) == (["alice", "bob"], [JUDGE])
    store = Store(data_dir)
    store.save(session)
    (listed,) = store.list().sessions  # through the index, as Home and `sessions list` read it
    assert (listed.raters, listed.judges) == (["alice", "bob"], [JUDGE])
