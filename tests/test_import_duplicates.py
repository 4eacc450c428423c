"""An export holding two scores of one rater for one run is imported with the latest only, and says so."""

from __future__ import annotations

from pathlib import Path

from tui.core.model import Case, ChecklistItem, Run, Score, Session
from tui.core.store import Store
from tui.reports.export import export_json
from tui.reports.importing import import_export


def test_import_keeps_the_latest_duplicate_score_and_says_so(tmp_path: Path) -> None:
    case = Case(id="k", prompt="x", checklist=[ChecklistItem("i0", "x")])
    old = Score("r0", "ann", {"i0": "fail"}, scored_at="2026-01-01T00:00:00Z")
    new = Score("r0", "ann", {"i0": "pass"}, scored_at="2026-01-02T00:00:00Z")
    session = Session(id="20260101-000000-abcdef", name="t", created_at="2026-01-01T00:00:00Z", models=["m:a"],
                      cases=[case], runs=[Run("r0", "k", "m:a", status="succeeded")], scores=[new, old])  # fmt: skip
    file = tmp_path / "dup.json"
    file.write_bytes(export_json(session, None))
    report = import_export(file.read_bytes(), file=file, store=Store(tmp_path / "data"))
    assert "1 duplicate score of one rater for one run: kept the latest" in report.details()[-1]
    assert [s.verdicts for s in report.session.scores] == [{"i0": "pass"}]
    stored = Store(tmp_path / "data").load(session.id)
    assert [s.verdicts for s in stored.scores] == [{"i0": "pass"}]
    # Into an existing session (a merge) the same rule and the same word.
    again = import_export(file.read_bytes(), file=file, store=Store(tmp_path / "data"))
    stored = Store(tmp_path / "data").load(session.id)
    assert "kept the latest" in " ".join(again.details()) and [s.verdicts for s in stored.scores] == [{"i0": "pass"}]
