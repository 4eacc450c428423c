"""Can the machine checks be trusted here? Each kind of check against each person, checked against sklearn
(cohen_kappa_score, confusion_matrix) on a crafted set whose marginals tell Cohen's chance term from a wrong one;
only results measured on the image the run shows count (stale and error results are left out); the tables of a
report and of Results carry them beside the judge's."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import cohen_kappa_score, confusion_matrix

from tui.core.model import VERDICTS, Case, ChecklistItem, CheckResult, MachineCheck, OutputImage, Run, Score, Session
from tui.reports.judge_tables import judge_data, judge_tables
from tui.scoring.raters import check_names, machine_scores
from tui.scoring.trust import trust

# The person passes 46 of 100, the check 43: close marginals on pass, but the person's partial and n/a have no
# column of their own on the check's side, so a wrong chance term (pooled, or ignoring the four labels) shows.
CRAFTED = {
    ("pass", "pass"): 34, ("pass", "fail"): 12,
    ("partial", "pass"): 5, ("partial", "fail"): 6,
    ("fail", "pass"): 4, ("fail", "fail"): 33,
    ("na", "fail"): 6,
}  # fmt: skip
ITEMS = [
    ChecklistItem("i0", "headline", machine=MachineCheck("ocr", expect=("时光电影节",))),
    ChecklistItem("i1", "subtitle", machine=MachineCheck("ocr", expect=("2026",))),
    ChecklistItem("i2", "9:16 frame", machine=MachineCheck("aspect", ratio="9:16")),
    ChecklistItem("i3", "mood, no check"),
]
KIND = {"i0": "ocr", "i1": "ocr", "i2": "aspect"}
SHA = "a" * 64


def _pairs() -> list[tuple[str, str]]:
    pairs = [pair for pair, n in CRAFTED.items() for _ in range(n)]
    random.Random(4).shuffle(pairs)
    return pairs


def _session(pairs: list[tuple[str, str]], *, person: str = "alice") -> Session:
    """Runs of three checked items each (two OCR, one aspect; the fourth has no check), alternating between two
    categories; the person's verdict and the check's outcome laid out from ``pairs`` in order."""
    cases = [Case("ca", "a", category="A", checklist=ITEMS), Case("cb", "b", category="B", checklist=ITEMS)]
    runs, scores = [], []
    for r, start in enumerate(range(0, len(pairs), 3)):
        chunk = pairs[start : start + 3]
        image = OutputImage(f"images/r{r}.png", SHA, 720, 1280, "PNG")
        checks = [CheckResult(f"i{k}", KIND[f"i{k}"], b, "x", image_sha256=SHA) for k, (_a, b) in enumerate(chunk)]  # type: ignore[arg-type]
        runs.append(Run(f"r{r}", cases[r % 2].id, "demo:mosaic", status="succeeded", images=[image], checks=checks))
        verdicts = {f"i{k}": a for k, (a, _b) in enumerate(chunk)} | {"i3": "pass"}
        scores.append(Score(f"r{r}", person, verdicts, scored_at="2026-01-01T00:00:00Z"))  # type: ignore[arg-type]
    return Session("s", "s", "2026-01-01T00:00:00Z", models=["demo:mosaic"], cases=cases, runs=runs, scores=scores)


def _laid_out(pairs, keep) -> list[tuple[str, str]]:
    """The pairs at positions (run index, item index) that ``keep`` accepts."""
    return [p for i, p in enumerate(pairs) if keep(i // 3, f"i{i % 3}")]


def _assert_like_sklearn(figures, want: list[tuple[str, str]]) -> None:
    person, measured = zip(*want, strict=True)
    assert figures.units == len(want)
    assert figures.confusion == confusion_matrix(person, measured, labels=list(VERDICTS)).tolist()
    assert figures.percent == pytest.approx(sum(a == b for a, b in want) / len(want), abs=1e-4)
    expected = cohen_kappa_score(person, measured)
    if expected != expected:  # sklearn: nan when chance agreement is 1
        assert figures.kappa is None
    else:
        assert figures.kappa == pytest.approx(expected, abs=1e-4)


def test_each_kind_of_check_against_the_person_matches_sklearn_overall_per_category_and_item() -> None:
    pairs = _pairs()[:99]
    entries = trust(_session(pairs))
    assert [(e.scorer, e.kind, e.human) for e in entries] == [("check:ocr", "check", "alice"),
                                                              ("check:aspect", "check", "alice")]  # fmt: skip
    for entry in entries:
        kind = entry.scorer.split(":")[1]
        _assert_like_sklearn(entry.overall, _laid_out(pairs, lambda _r, item, kind=kind: KIND[item] == kind))
        for category, figures in entry.per_category.items():
            parity = 0 if category == "A" else 1
            _assert_like_sklearn(
                figures, _laid_out(pairs, lambda r, item, kind=kind, p=parity: KIND[item] == kind and r % 2 == p)
            )
        for scope, figures in entry.per_item.items():
            case_id, item_id = scope.split("/")
            parity = 0 if case_id == "ca" else 1
            assert KIND[item_id] == kind
            _assert_like_sklearn(
                figures, _laid_out(pairs, lambda r, item, i=item_id, p=parity: item == i and r % 2 == p)
            )
        assert entry.overall.kappa_low is not None and entry.overall.kappa_low < entry.overall.kappa
    ocr = entries[0]
    assert set(ocr.per_item) == {"ca/i0", "ca/i1", "cb/i0", "cb/i1"} and set(ocr.per_category) == {"A", "B"}
    # A wrong chance term would show: Scott's pi (pooled marginals) differs from Cohen's by more than rounding.
    want = _laid_out(pairs, lambda _r, item: KIND[item] == "ocr")
    po = sum(a == b for a, b in want) / len(want)
    pooled = {v: sum((a == v) + (b == v) for a, b in want) / (2 * len(want)) for v in VERDICTS}
    pe = sum(p * p for p in pooled.values())
    assert abs(ocr.overall.kappa - (po - pe) / (1 - pe)) > 0.01


def test_only_results_measured_on_the_image_on_show_count() -> None:
    pairs = _pairs()[:99]
    session = _session(pairs)
    (before, _aspect) = trust(session)
    # Run 0: its image replaced since the checks ran (stale). Run 1: its OCR could not measure (error).
    stale = session.runs[0]
    stale.images = [OutputImage("images/new.png", "b" * 64, 720, 1280, "PNG")]
    failed = session.runs[1]
    failed.checks = [CheckResult(c.item_id, c.kind, "error", "engine failed", image_sha256=SHA) for c in failed.checks]
    (after, _aspect) = trust(session)
    assert after.overall.units == before.overall.units - 4  # two OCR items of each of the two runs
    _assert_like_sklearn(after.overall, _laid_out(pairs, lambda r, item: KIND[item] == "ocr" and r > 1))
    assert {s.run_id for s in machine_scores(session)} == {r.id for r in session.runs[2:]}


def test_a_person_named_like_a_check_is_still_a_person_and_checks_never_become_scores() -> None:
    pairs = _pairs()[:30]
    session = _session(pairs, person="check:ocr")
    entries = trust(session)
    assert [(e.scorer, e.human) for e in entries] == [("check:ocr", "check:ocr"), ("check:aspect", "check:ocr")]
    _assert_like_sklearn(entries[0].overall, _laid_out(pairs, lambda _r, item: KIND[item] == "ocr"))
    assert {s.rater for s in session.scores} == {"check:ocr"} and check_names(session) == ["check:ocr", "check:aspect"]


def test_the_report_tables_show_the_checks_table_with_flags() -> None:
    pairs = _pairs()[:99]
    session = _session(pairs)
    data = judge_data(session, None)
    assert data["judges"] == {} and [e["scorer"] for e in data["trust"]] == ["check:ocr", "check:aspect"]
    items = [{"case_id": c, "case": c.upper(), "item": i} for c in ("ca", "cb") for i in ("i0", "i1", "i2")]
    (table,) = judge_tables({**data, "models": [], "items": items})
    assert table.title.startswith("Can the machine checks be trusted here?") and table.headers[0] == "Check vs person"
    by_scope = {(r[0], r[1]): r for r in table.rows}
    overall = by_scope[("check:ocr vs alice", "overall")]
    entry = trust(session)[0]
    assert overall[2] == str(entry.overall.units) and overall[3] == f"{entry.overall.percent * 100:.0f}%"
    assert overall[4].startswith(f"{entry.overall.kappa:.2f} [")
    flagged = [r for r in table.rows if r[1].startswith("item ") and r[-1] != "ok"]
    assert f"({len(flagged)} item" in table.title and all(r[-1].startswith("⚑ ") for r in flagged)
    assert judge_data(session, "alice") == {"judges": {}, "trust": []}  # one rater asked for: no comparison
