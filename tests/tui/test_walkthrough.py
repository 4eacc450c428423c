"""The whole path a person takes, driven through the real App with Pilot and demo models."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from screens.compose import ComposeScreen
from screens.file_picker import FilePickerScreen
from screens.rater import RaterScreen
from screens.registry import build_app
from screens.results import ResultsScreen
from screens.review import ReviewScreen
from screens.run import RunScreen
from tests.tui_support import wait_for
from tui.app import ImgbenchApp
from tui.core.store import Store
from tui.reports.export import SCHEMA_FILE


async def open_compose(app: ImgbenchApp, pilot) -> ComposeScreen:
    """From Home, as a person would: n."""
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))
    return app.screen


async def test_compose_run_score_results_export(fast_demo: Path, make_image, data_dir: Path) -> None:
    ref = make_image("reference photo.png", (120, 80), (10, 120, 200))
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        compose = await open_compose(app, pilot)
        # tier-a/cat1 is the first preset: space selects it.
        await pilot.press("space")
        assert list(compose.query_one("#presets").selected) == ["tier-a/cat1"]
        compose.query_one("#prompt").focus()
        await pilot.press(*"a red cube on a table")
        compose.query_one("#refs").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FilePickerScreen))
        app.screen.query_one("#picker-path").value = str(ref)
        app.screen.query_one("#picker-path").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))
        assert compose.prompt_refs == [ref]
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen))
        run_screen = app.screen
        await wait_for(
            pilot,
            lambda: (
                run_screen.session is not None
                and run_screen.runner is None
                and all(r.finished for r in run_screen.session.runs)
            ),
        )
        session = Store(data_dir).load(run_screen.session_id)
        assert len(session.cases) == 2 and len(session.runs) == 6
        assert all(r.status == "succeeded" for r in session.runs)
        assert session.cases[1].mode == "i2i" and session.cases[1].references[0].filename == "reference photo.png"

        await pilot.press("v")
        # First scoring: the rater's name is asked once and saved.
        await wait_for(pilot, lambda: isinstance(app.screen, RaterScreen))
        app.screen.query_one("#rater-input").value = ""
        await pilot.press(*"alice", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen))
        review = app.screen
        # cat1 has 8 items x 3 outputs; verdicts auto-advance to the next unscored item.
        keys = ["p", "f", "h", "p", "p", "n", "p", "f"] * 3
        await pilot.press(*keys)
        await pilot.press("right_square_bracket")
        assert review.case_index == 1
        # The free prompt has no checklist: a note instead.
        await pilot.press("o")
        await pilot.press(*"looks fine", "enter")
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen))
        await pilot.press("e")
        await pilot.pause(0.2)

    export = data_dir / "exports" / f"{session.id}.json"
    doc = json.loads(export.read_text())
    jsonschema.validate(doc, json.loads(SCHEMA_FILE.read_text()))
    cat1 = next(c for c in doc["cases"] if c["preset_id"] == "tier-a/cat1")
    scored = [
        s for s in doc["scores"] if any(r["id"] == s["run_id"] and r["case_id"] == cat1["id"] for r in doc["runs"])
    ]
    assert len(scored) == 3
    for score in scored:
        assert score["verdicts"] == {
            "c1": "pass",
            "c2": "fail",
            "c3": "partial",
            "c4": "pass",
            "c5": "pass",
            "c6": "na",
            "c7": "pass",
            "c8": "fail",
        }
    assert {s["rater"] for s in doc["scores"]} == {"alice"}
    assert 'rater = "alice"' in (fast_demo / "config.toml").read_text()
    notes = [s["note"] for s in doc["scores"] if s["note"]]
    assert notes == ["looks fine"]
    for model, summary in doc["summary"].items():
        assert summary["items_scored"] == 7 and summary["items_passed"] == 4.5, model
    for run in doc["runs"]:
        image = run["images"][0]
        assert Path(image["path"]).is_file()


async def test_an_edit_preset_without_its_reference_says_how_to_attach_it_here(fast_demo: Path, data_dir: Path) -> None:
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        compose = await open_compose(app, pilot)
        compose.query_one("#presets").select("tier-a/cat4")
        await pilot.press("ctrl+r")
        error = compose.query_one("#compose-error")
        await wait_for(pilot, lambda: "needs a reference" in str(error.render()))
        text = str(error.render())
        assert "tier-a/cat4" in text and "ctrl+o" in text and "--ref" not in text
        assert isinstance(app.screen, ComposeScreen)  # nothing started, nothing written
        assert not (data_dir / "sessions").exists() or not any((data_dir / "sessions").iterdir())


async def test_a_free_prompt_with_a_typed_checklist_is_scored_like_a_preset(fast_demo: Path, data_dir: Path) -> None:
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        compose = await open_compose(app, pilot)
        compose.query_one("#prompt").focus()
        await pilot.press(*"a cat in a red hat")
        compose.query_one("#checklist").text = "- Is there a cat?\n    - The hat is red\n"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen))
        run_screen = app.screen
        await wait_for(
            pilot,
            lambda: (
                run_screen.session is not None
                and run_screen.runner is None
                and all(r.finished for r in run_screen.session.runs)
            ),
        )
        (case,) = Store(data_dir).load(run_screen.session_id).cases
        checks = [(i.criterion, i.parent) for i in case.checklist]
        assert checks == [("Is there a cat?", None), ("The hat is red", "c1")]
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, (RaterScreen, ReviewScreen)))
        if isinstance(app.screen, RaterScreen):
            await pilot.press(*"ann", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen))
        review = app.screen
        await pilot.pause(0.3)
        import html

        shot = html.unescape(app.export_screenshot()).replace("\xa0", " ")
        assert "Is there a cat?" in shot and "The hat is red" in shot
        await pilot.press("f")  # the parent fails: the child counts as failed too
        await wait_for(pilot, lambda: bool(Store(data_dir).load(review.session_id).scores))
