"""``imgbench compare``: the CI gate's exit codes on crafted sessions, its paired interval against scipy, the
Markdown's shape read back structurally, scorers, and what a side may be (an id, a prefix, an export file)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from scipy import stats as sps

from tests.compare_support import ITEMS, crafted, saved
from tui.cli.main import EXIT_OK, EXIT_REGRESSION, EXIT_USAGE, main
from tui.core.model import Score
from tui.core.store import Store
from tui.reports.compare_report import render_markdown
from tui.scoring.compare import compare

B, N = "20260101-000000-aaaaaa", "20260102-000000-bbbbbb"
WORSE = [["pfff"], ["ffff"], ["ppff"], ["pfff"], ["ffpf"], ["pfff"], ["ffff"], ["fpff"]]


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _table(markdown: str, first_header: str) -> list[dict[str, str]]:
    """The Markdown table whose first header cell is ``first_header``, as dicts (header -> cell)."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    headers = [h.strip() for h in lines[start].strip("|").split("|")]
    assert re.fullmatch(r"\|(-+:?\|)+", lines[start + 1]), lines[start + 1]
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])]
        assert len(cells) == len(headers), line
        rows.append(dict(zip(headers, cells, strict=True)))
    return rows


def test_a_regression_exits_4_and_a_steady_model_does_not(data_dir, capsys) -> None:
    store = Store(data_dir)
    saved(store, crafted(B, {"m:a": [["pppp"]] * 8, "m:b": [["ppff"]] * 8}))
    saved(store, crafted(N, {"m:a": WORSE, "m:b": [["ppff"]] * 8}))
    code, out, err = _cli(capsys, "compare", B, N)
    assert code == EXIT_REGRESSION == 4, err
    rows = {r["model"]: r for r in _table(out, "model")}
    assert rows["m:a"]["reading"] == "❌ regression" and rows["m:a"]["shared cases"] == "8"
    assert rows["m:b"]["reading"] == "➖ no clear change" and rows["m:b"]["change [95% CI]"] == "±0 pts [±0, ±0]"
    assert "**1 model(s) regressed:** m:a" in out
    assert err.strip() == "imgbench: regression: m:a -78 pts"


def test_no_change_exits_0(data_dir, capsys) -> None:
    store = Store(data_dir)
    grid = [["pfpf"], ["ppff"], ["pppp"], ["ffff"], ["pfff"], ["ppfp"], ["fppf"]]
    saved(store, crafted(B, {"m:a": grid}))
    saved(store, crafted(N, {"m:a": grid[1:] + grid[:1]}))  # the same verdicts, on other cases: noise
    code, out, _ = _cli(capsys, "compare", B, N)
    assert code == EXIT_OK
    (row,) = _table(out, "model")
    assert row["reading"] == "➖ no clear change" and "**No model regressed.**" in out


def test_an_improvement_is_not_a_failure(data_dir, capsys) -> None:
    store = Store(data_dir)
    saved(store, crafted(B, {"m:a": WORSE}))
    saved(store, crafted(N, {"m:a": [["pppp"]] * 8}))
    code, out, _ = _cli(capsys, "compare", B, N)
    assert code == EXIT_OK and _table(out, "model")[0]["reading"] == "✅ improved"


def test_too_few_shared_cases_is_not_a_regression_however_large_the_drop(data_dir, capsys) -> None:
    store = Store(data_dir)
    saved(store, crafted(B, {"m:a": [["pppp"]] * 8}))
    # Only five of the new session's cases are the baseline's presets: five cannot show a difference.
    presets = [f"tier-x/cat{c}" for c in range(5)] + ["tier-y/other1", "tier-y/other2", "tier-y/other3"]
    saved(store, crafted(N, {"m:a": [["ffff"]] * 8}, presets=presets))
    code, out, err = _cli(capsys, "compare", B, N)
    assert code == EXIT_OK, err
    (row,) = _table(out, "model")
    assert row["shared cases"] == "5" and row["reading"] == "⚠️ too few shared cases (5; 6 needed)"
    assert "3 case(s) of the new session have no counterpart in the baseline" in out


def test_nothing_in_common_is_a_one_line_usage_error(data_dir, capsys) -> None:
    store = Store(data_dir)
    saved(store, crafted(B, {"m:a": [["pppp"]] * 6}))
    saved(store, crafted(N, {"m:b": [["pppp"]] * 6}))
    code, out, err = _cli(capsys, "compare", B, N)
    assert code == EXIT_USAGE and out == "" and len(err.strip().splitlines()) == 1
    assert "nothing to compare" in err


def test_the_paired_interval_is_scipys_paired_t_interval_with_one_repeat() -> None:
    """One repeat per case and side: the paired cluster bootstrap (with its small-sample correction) is exactly
    the paired t interval of the per-case differences, so scipy's ttest_rel gives the same bounds."""
    rng = np.random.default_rng(7)
    letters = lambda p: "".join("p" if x else "f" for x in rng.random(4) < p)  # noqa: E731
    base = [[letters(0.7)] for _ in range(11)]
    new = [[letters(0.45)] for _ in range(11)]
    result = compare(crafted(B, {"m:a": base}), crafted(N, {"m:a": new}))
    (m,) = result.models
    rate = lambda grid: np.array([r[0].count("p") / 4 for r in grid])  # noqa: E731
    ref = sps.ttest_rel(rate(new), rate(base)).confidence_interval(0.95)
    assert m.paired is not None and m.cases == 11
    assert m.paired.difference == pytest.approx(float(np.mean(rate(new) - rate(base))), abs=1e-4)
    assert (m.paired.low, m.paired.high) == (pytest.approx(ref.low, abs=1e-4), pytest.approx(ref.high, abs=1e-4))
    assert m.regressed == (ref.high < 0)


def test_repeats_weigh_within_their_case_and_an_added_item_does_not_count() -> None:
    base = crafted(B, {"m:a": [["pppp", "ppff"]] * 6})
    new = crafted(N, {"m:a": [["pppp"]] * 6})
    new.cases = [type(c)(**{**{f: getattr(c, f) for f in c.__struct_fields__}, "checklist": [*ITEMS,
                 type(ITEMS[0])("c9", "new item")]}) for c in new.cases]  # fmt: skip
    new.scores = [Score(s.run_id, s.rater, {**s.verdicts, "c9": "fail"}) for s in new.scores]
    (m,) = compare(base, new).models
    assert m.paired is not None and m.paired.rate_b == pytest.approx(0.75) and m.paired.rate_a == 1.0
    assert {i.item_id for i in m.items} == {"c1", "c2", "c3", "c4"}  # c9 is only in the new session


def test_scorers_human_and_judge_take_their_own_scores(data_dir, capsys) -> None:
    store = Store(data_dir)
    good, bad = [["pppp"]] * 7, [["ffff"]] * 7
    # Humans see no change; the judge sees a collapse.
    saved(store, crafted(B, {"m:a": good}, extra_scores={"judge:demo:pixels": {"m:a": good}}))
    saved(store, crafted(N, {"m:a": good}, extra_scores={"judge:demo:pixels": {"m:a": bad}}))
    assert _cli(capsys, "compare", B, N)[0] == EXIT_OK
    code, out, _ = _cli(capsys, "compare", B, N, "--scorer", "judge:demo:pixels", "--format", "json")
    data = json.loads(out)
    assert code == EXIT_REGRESSION and data["regressions"] == ["m:a"] and data["scorer"] == "judge:demo:pixels"
    assert data["raters"] == {"baseline": ["judge:demo:pixels"], "new": ["judge:demo:pixels"]}
    code, _, err = _cli(capsys, "compare", B, N, "--scorer", "judge:other:model")
    assert code == EXIT_USAGE and "no score by judge:other:model in the baseline session" in err
    for scorer, said in [("robot", "is not a scorer")]:
        code, _, err = _cli(capsys, "compare", B, N, "--scorer", scorer)
        assert code == EXIT_USAGE and said in err and len(err.strip().splitlines()) == 1


def test_a_side_is_an_id_a_unique_prefix_or_an_export_file(data_dir, tmp_path, capsys) -> None:
    store = Store(data_dir)
    saved(store, crafted(B, {"m:a": [["pppp"]] * 8}))
    saved(store, crafted(N, {"m:a": WORSE}))
    saved(store, crafted("20260102-000001-cccccc", {"m:a": WORSE}))
    assert _cli(capsys, "compare", "20260101", "20260102-000000")[0] == EXIT_REGRESSION
    code, _, err = _cli(capsys, "compare", "20260101", "20260102")
    assert code == EXIT_USAGE and "matches 2 sessions" in err
    code, _, err = _cli(capsys, "compare", "2099", N)
    assert code == EXIT_USAGE and "no session '2099'" in err
    exported = tmp_path / "baseline.json"
    assert _cli(capsys, "sessions", "export", B, "-o", str(exported))[0] == EXIT_OK
    store.delete(B)  # the file alone is enough
    out_file = tmp_path / "comment.md"
    code, out, err = _cli(capsys, "compare", str(exported), N, "-o", str(out_file))
    assert code == EXIT_REGRESSION and out == "" and str(out_file) in err
    assert _table(out_file.read_text(), "model")[0]["model"] == "m:a"


def test_markdown_shape_and_hostile_names_stay_inside_their_cells() -> None:
    hostile = "evil|model`<img src=x>\x1b[2J\nnext"
    base = crafted(B, {hostile: [["pppp"]] * 8, "m:b": [["pfpf"]] * 8})
    new = crafted(N, {hostile: WORSE, "m:b": [["pfpf"]] * 8})
    base.name = "release *1.0* | old"
    md = render_markdown(compare(base, new))
    assert "\x1b" not in md and "␛[2J␊next" in md  # shown, one line, never sent
    assert md.count("<img") == md.count("\\<img") > 0 and "model`" not in md and "model\\`" in md
    rows = _table(md, "model")
    assert [r["reading"] for r in rows] == ["❌ regression", "➖ no clear change"]
    assert set(rows[0]) == {"model", "shared cases", "baseline", "new", "change [95% CI]", "reading"}
    assert re.fullmatch(r"([+-]\d+|±0) pts \[([+-]\d+|±0), ([+-]\d+|±0)\]", rows[0]["change [95% CI]"])
    assert rows[0]["baseline"] == "100%" and rows[0]["new"] == "22%"
    assert md.splitlines()[0].startswith("### imgbench compare: release \\*1.0\\* \\| old → ")
    # One collapsible block per model whose items moved, each with its own well-formed table.
    assert md.count("<details>") == md.count("</details>") == 1
    items = _table(md, "case")
    assert 0 < len(items) <= 15 and all(re.match(r"([+-]\d+|±0) pts", r["change"]) for r in items)


def test_the_checks_scorer_takes_machine_results_measured_on_the_image(data_dir, capsys) -> None:
    """Machine checks' pass / fail compared like verdicts; a stale result (of another image) is left out. In a
    session with no result measured on its images, the scorer is a one-line usage error."""
    import msgspec

    from tui.core.model import Run

    store = Store(data_dir)
    base = crafted(B, {"m:a": [["pppp"]] * 7})
    new = crafted(N, {"m:a": [["pppp"]] * 7})
    saved(store, base), saved(store, new)
    code, _, err = _cli(capsys, "compare", B, N, "--scorer", "checks")
    assert code == EXIT_USAGE and "no machine check result in the baseline session" in err
    assert len(err.strip().splitlines()) == 1
    for session, outcome in ((base, "pass"), (new, "fail")):
        image = {"path": "images/x.png", "sha256": "a" * 64, "width": 8, "height": 8, "format": "PNG"}
        result = {"item_id": "c1", "kind": "aspect", "outcome": outcome, "summary": "x", "image_sha256": "a" * 64}
        stale = {**result, "item_id": "c2", "outcome": "fail", "image_sha256": "b" * 64}
        session.runs = [
            msgspec.convert({**msgspec.to_builtins(r), "images": [image], "checks": [result, stale]}, Run)
            for r in session.runs
        ]
    result = compare(base, new, "checks")
    (m,) = result.models
    assert result.raters == {"baseline": ["checks"], "new": ["checks"]}
    assert m.paired is not None and (m.paired.rate_b, m.paired.rate_a) == (1.0, 0.0) and m.regressed
    assert {i.item_id for i in m.items} == {"c1"}  # c2's result measured another image


def test_judge_prefix_has_one_definition_and_compare_takes_a_judge_pass_rater() -> None:
    """The rater name a judge pass writes is what ``--scorer`` accepts, because both read one constant: a second
    definition (it was in tui/scoring/compare.py and tui/core/judging.py) could drift from the first."""
    import ast
    from pathlib import Path

    from tui.core.judge_spec import judge_rater
    from tui.scoring.compare import check_scorer

    def assigned(node: ast.AST) -> list[ast.expr]:
        if isinstance(node, ast.Assign):
            return node.targets
        return [node.target] if isinstance(node, ast.AnnAssign) else []

    root = Path(__file__).resolve().parents[1]
    defined = [
        str(path.relative_to(root))
        for package in ("tui", "screens", "providers")
        for path in sorted((root / package).rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if any(isinstance(t, ast.Name) and t.id == "JUDGE_PREFIX" for t in assigned(node))
    ]
    assert defined == ["tui/core/model.py"]
    assert check_scorer(judge_rater("demo:pixels")) == "judge:demo:pixels"
