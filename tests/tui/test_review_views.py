"""Review views: the grid adapts, zoom flips between outputs, compare shows the reference, and the difference
view records its preservation figures with the run."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.containers import Grid

from screens.region import RegionScreen, region_problems
from screens.registry import build_app
from screens.review import ReviewScreen
from screens.review_parts import best_columns
from screens.zoom import ZoomScreen
from tests.test_cli import DEMO3
from tests.tui_support import at_home, wait_for
from tui.cli.main import main
from tui.core.store import Store
from tui.widgets.diff_view import DiffView
from tui.widgets.image_view import ImageView


@pytest.fixture
def edit_session(fast_demo: Path, make_image, capsys) -> str:
    (fast_demo / "config.toml").write_text('rater = "cy"\n[providers.demo]\nlatency_ms = 5\n')
    room = make_image("room.png", (160, 120), (200, 190, 170))
    assert main(["run", "--preset", "tier-a/cat5", "--ref", f"tier-a/cat5={room}", "--quiet", *DEMO3]) == 0
    return capsys.readouterr().out.strip()


def test_best_columns_fills_the_space() -> None:
    assert best_columns(1, 80, 20) == 1
    assert best_columns(2, 120, 20) == 2
    assert best_columns(6, 150, 40) == 3
    assert best_columns(9, 90, 60) == 3
    assert best_columns(4, 40, 80) == 1  # a tall narrow pane stacks them


def _region(x0: str, y0: str, x1: str, y1: str):
    return region_problems({"x0": x0, "y0": y0, "x1": x1, "y1": y1})


def test_region_fields_say_every_problem_in_words() -> None:
    assert _region("10", "20", "50", "80") == ((0.1, 0.2, 0.5, 0.8), [])
    assert _region("10%", " 20 ", "50,5", "80") == ((0.1, 0.2, 0.505, 0.8), [])  # % and a decimal comma
    assert _region("", "", "", "") == (None, [])
    region, problems = _region("50", "abc", "10", "120")
    assert region is None and len(problems) == 3
    assert "top edge (y0) is not a number: 'abc'" in problems[0]
    assert "bottom edge (y1) is 120%" in problems[1] and "between 0 and 100" in problems[1]
    assert "left edge (x0) must be left of the right edge (x1)" in problems[2]
    _, problems = _region("10", "", "50", "80")
    assert problems == ["the top edge (y0) is empty: give all four, or clear all four for no region"]
    assert not any("four numbers" in p for p in problems)


async def test_grid_zoom_flip_compare_diff(edit_session: str, data_dir: Path) -> None:
    app = build_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await at_home(app, pilot)
        app.push_screen(ReviewScreen(edit_session))
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and len(app.screen.query(ImageView)) == 3)
        review = app.screen
        grid = review.query_one("#outputs", Grid)
        assert grid.styles.grid_size_columns in (2, 3)
        await pilot.press("right")
        assert review.output_index == 1
        await pilot.press("z")
        await wait_for(pilot, lambda: isinstance(app.screen, ZoomScreen))
        zoom = app.screen
        assert zoom.index == 1
        first = zoom.run.id
        await pilot.press("right")
        assert zoom.index == 2 and zoom.run.id != first and review.output_index == 2
        await pilot.press("left", "left")
        assert zoom.index == 0
        reference = zoom.query_one("#zoom-reference", ImageView)
        assert not reference.display
        await pilot.press("c")
        assert reference.display and reference.path is not None and reference.path.parent.name == "refs"
        await pilot.press("d")
        diff = zoom.query_one("#zoom-diff", DiffView)
        assert diff.display and not zoom.query_one("#zoom-image", ImageView).display
        await wait_for(pilot, lambda: diff.result is not None)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, RegionScreen))
        await pilot.press("0", "tab", "0", "tab", *"50", "tab", *"500", "enter")  # y1 is out of range
        await pilot.pause(0.1)
        assert isinstance(app.screen, RegionScreen), "a bad value keeps the dialog open"
        assert "bottom edge (y1) is 500%" in str(app.screen.query_one("#region-problems").render())
        await pilot.press("ctrl+u", *"50", "enter")
        await wait_for(pilot, lambda: diff.result is not None and diff.result.region is not None)
        await pilot.pause(0.2)
        run_id = zoom.run.id
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen))
        await pilot.press("escape")
        await pilot.pause(0.2)

    run = Store(data_dir).load(edit_session).run(run_id)
    assert 0.0 <= run.metrics["diff_changed"] <= 1.0
    assert run.metrics["diff_region_x1"] == 0.5 and "diff_changed_outside" in run.metrics
