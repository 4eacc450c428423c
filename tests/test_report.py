"""Two raters score one session on two machines, merge by export/import, and read agreement; the
reports (md, json, html), the contact sheet and the leaderboard, end to end through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from PIL import Image

from tui.cli.main import main
from tui.core.model import ChecklistItem, Preference, RunError, Score, Session
from tui.core.store import Store
from tui.reports.export import SCHEMA_FILE, export_document, export_json
from tui.reports.importing import import_export
from tui.reports.report import render_report
from tui.reports.sheet import sheet_size
from tui.scoring.stats import wilson_interval

MODELS = ["demo:mosaic", "demo:aurora", "demo:sketch"]
ITEMS = [
    ChecklistItem("c1", "A red <b>apple</b> & a pear"),  # markup in text: the HTML report must escape it
    ChecklistItem("c2", "Apple on the left"),
    ChecklistItem("c3", "Soft light"),
    ChecklistItem("c4", "No text"),
]
# Hand-built so the figures are known. Units (ann, bob):
#   mosaic (p,p)(p,p)(p,p)(p,f)  aurora (p,p)(f,f)(p,f)(f,f)  sketch (f,f)(f,f)(f,f)(f,partial)
# agreement 9/12 = 0.75; ann p6 f6, bob p4 f7 partial1; pe = (6·4 + 6·7)/144 = 66/144; kappa = 7/13.
ANN = {"demo:mosaic": "pppp", "demo:aurora": "pfpf", "demo:sketch": "ffff"}
BOB = {"demo:mosaic": "pppf", "demo:aurora": "pfff", "demo:sketch": "fffh"}
LETTER = {"p": "pass", "f": "fail", "h": "partial"}


def _run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def _score(store: Store, session_id: str, rater: str, table: dict[str, str], at: str) -> None:
    def change(session: Session) -> None:
        for run in session.runs:
            verdicts = {item.id: LETTER[c] for item, c in zip(ITEMS, table[run.model], strict=True)}
            session.set_score(Score(run.id, rater, verdicts, blind=True, scored_at=at))  # type: ignore[arg-type]
        a, b, _ = sorted(session.runs, key=lambda r: MODELS.index(r.model))
        session.preferences.append(Preference(a.case_id, rater, a.id, b.id, "a", blind=True, given_at=at))

    store.mutate(session_id, change)


@pytest.fixture
def two_rater_session(fast_demo: Path, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """A session run on ann's machine, scored there by ann and on bob's machine by bob, merged back."""
    args = ["run", "--prompt", "a", "-q"]
    for m in MODELS:
        args += ["--model", m]
    session_id = _run_cli(capsys, *args).strip()
    ann = Store(data_dir)
    ann.mutate(session_id, lambda s: setattr(s.cases[0], "checklist", list(ITEMS)))
    _score(ann, session_id, "ann", ANN, "2026-05-01T10:00:00.000Z")
    ann_export = tmp_path / "ann.json"
    ann_export.write_bytes(export_json(ann.load(session_id), ann))

    bob = Store(tmp_path / "bob-data")
    import_export(ann_export.read_bytes(), file=ann_export, store=bob)  # bob starts from ann's export
    _score(bob, session_id, "bob", BOB, "2026-05-01T11:00:00.000Z")
    bob_export = tmp_path / "bob.json"
    bob_export.write_bytes(export_json(bob.load(session_id), bob))

    _run_cli(capsys, "sessions", "import", str(bob_export))
    _run_cli(capsys, "sessions", "import", str(bob_export))  # importing twice changes nothing
    return session_id, ann


def test_two_raters_merge_without_duplicates_and_agree_as_computed(two_rater_session) -> None:
    session_id, store = two_rater_session
    session = store.load(session_id)
    assert sorted((s.rater, session.run(s.run_id).model) for s in session.scores) == sorted(
        (r, m) for r in ("ann", "bob") for m in MODELS
    )
    assert sorted(p.rater for p in session.preferences) == ["ann", "bob"]
    doc = export_document(session, store)
    jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text())).validate(json.loads(json.dumps(doc)))

    data = json.loads(render_report(session, "json", store=store))
    agree = data["agreement"]
    assert agree["raters"] == ["ann", "bob"] and agree["overall"]["units"] == 12
    assert agree["overall"]["percent"] == 0.75
    assert agree["overall"]["kappa"] == pytest.approx(7 / 13, abs=1e-4)
    assert len(agree["disagreements"]) == 3
    assert {(d["model"], d["item_id"]) for d in agree["disagreements"]} == {
        ("demo:mosaic", "c4"),
        ("demo:aurora", "c3"),
        ("demo:sketch", "c4"),
    }
    assert all(d["slot"] is None for d in agree["disagreements"])  # not a blind session: no slots
    session.blind = True  # blind: each disagreement names the slot the raters saw, to find it in Review
    blind = json.loads(render_report(session, "json", store=store))["agreement"]["disagreements"]
    assert {d["slot"] for d in blind} <= {"A", "B", "C"} and all(d["slot"] for d in blind)


def test_newer_score_wins_on_merge(two_rater_session, tmp_path: Path) -> None:
    session_id, store = two_rater_session
    older = store.load(session_id)  # a stale copy, as if bob's first export arrived late
    for score in older.scores:
        if score.rater == "bob":
            score.verdicts = {"c1": "fail"}
            score.scored_at = "2026-04-01T00:00:00.000Z"  # older than what the store holds
    stale = tmp_path / "stale.json"
    stale.write_bytes(export_json(older, store))
    import_export(stale.read_bytes(), file=stale, store=store)
    merged = store.load(session_id)
    assert all(s.verdicts.get("c2") for s in merged.scores if s.rater == "bob")


def test_report_formats_show_the_numbers(two_rater_session, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    session_id, _ = two_rater_session
    # mosaic: ann 4/4 + bob 3/4 -> units 1, 1, 1, 1/2 -> 3.5/4 = 88 %. One image of one prompt: the
    # interval is Wilson at n = 1 (wide), and Wilson over the 4 units, as if independent, stands beside it.
    lo, hi = wilson_interval(0.875, 1)
    w_lo, w_hi = wilson_interval(3.5, 4)
    mosaic = f"88% [{lo * 100:.0f}–{hi * 100:.0f}]"
    md = _run_cli(capsys, "report", session_id)
    assert f"| demo:mosaic | {mosaic} | 1 | 3.5/4 | [{w_lo * 100:.0f}–{w_hi * 100:.0f}] |" in md
    assert "| overall | 12 | 75% | 0.54 (cohen) |" in md
    assert "Disagreements to discuss (3)" in md and "Preferences (Bradley–Terry) — LOW CONFIDENCE" in md
    assert "A red \\<b>apple\\</b> & a pear" in md

    out = tmp_path / "report.html"
    _run_cli(capsys, "report", session_id, "-o", str(out))  # format from the suffix
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page and "<script" not in page
    assert "A red &lt;b&gt;apple&lt;/b&gt; &amp; a pear" in page and "<b>apple" not in page
    assert mosaic in page and "0.54 (cohen)" in page

    one = json.loads(_run_cli(capsys, "report", session_id, "--format", "json", "--rater", "ann"))
    assert one["agreement"] is None and one["session"]["rater"] == "ann"
    rates = {m["model"]: m["pass_rate"] for m in one["models"]}
    assert rates == {"demo:mosaic": 1.0, "demo:aurora": 0.5, "demo:sketch": 0.0}
    assert one["bradley_terry"]["votes"] == 1
    assert main(["report", session_id, "--rater", "nobody"]) == 2


def test_leaderboard_command(two_rater_session, capsys: pytest.CaptureFixture[str]) -> None:
    board = json.loads(_run_cli(capsys, "leaderboard", "--json"))
    assert board["presets"] == []  # a free prompt is nobody's shared preset
    assert main(["leaderboard"]) == 0
    assert "no leaderboard yet" in capsys.readouterr().err


def test_contact_sheet_of_tier_a(
    fast_demo: Path, make_image, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    refs = [make_image(f"r{i}.png", (120, 90), (40 * i, 120, 200 - 30 * i)) for i in range(5)]
    args = ["run", "--preset", "tier-a", "-q"]
    for m in MODELS:
        args += ["--model", m]
    for target, ref in zip(["cat4", "cat5", "cat6", "cat6", "cat6"], refs, strict=True):
        args += ["--ref", f"tier-a/{target}={ref}"]
    session_id = _run_cli(capsys, *args).strip()
    store = Store()

    def score_and_break(session: Session) -> None:
        for i, run in enumerate(session.runs):
            case = session.case(run.case_id)
            verdicts = {it.id: ("pass", "fail", "partial", "na")[(i + j) % 4] for j, it in enumerate(case.checklist)}
            session.set_score(Score(run.id, "ann", verdicts))  # type: ignore[arg-type]
        broken = session.runs[-1]
        broken.status, broken.images = "failed", []
        broken.error = RunError("content_policy", "blocked")

    store.mutate(session_id, score_and_break)
    out = tmp_path / "sheet.png"
    _run_cli(capsys, "report", session_id, "--sheet", str(out), "--thumb", "160")
    with Image.open(out) as sheet:
        assert sheet.format == "PNG"
        assert sheet.size == sheet_size(6, 3, 160)
        assert sheet.getpixel((5, 5)) == (250, 250, 252)
    assert out.stat().st_size < 1_500_000

    board = json.loads(_run_cli(capsys, "leaderboard", "--json"))
    assert len(board["presets"]) == 6 and {r["model"] for r in board["rows"]} == set(MODELS)
    assert all(r["sessions"] == 1 for r in board["rows"])


def test_contact_sheet_without_dejavu_falls_back_to_ascii_marks(
    two_rater_session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.reports import sheet

    session_id, store = two_rater_session

    real = sheet.ImageFont.truetype

    def no_font(font: object, *args: object, **kwargs: object) -> object:
        if isinstance(font, str):  # a system font by name: as if it were not installed
            raise OSError("cannot open resource")
        return real(font, *args, **kwargs)  # Pillow's own bundled font still loads

    sheet._font.cache_clear()
    monkeypatch.setattr(sheet.ImageFont, "truetype", no_font)
    try:
        image = sheet.render_sheet(store.load(session_id), store, thumb=96)
        assert image.size == sheet_size(1, 3, 96)
        assert not sheet._font(13)[1]  # the fallback font, with ASCII marks
    finally:
        sheet._font.cache_clear()
