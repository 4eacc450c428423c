"""A cursor key in Review repaints what it changed and never lays the screen out again (a layout pass over a grid
of 36 tiles was most of a key's CPU); content that changes the checklist's height still gets its layout."""

from __future__ import annotations

from pathlib import Path

from tests.checks_support import png, stored_session
from tests.tui_support import open_review
from tui.core.model import MachineCheck, Score, now_iso
from tui.core.store import Store
from tui.widgets.steady_static import SteadyStatic


def _line(widget: SteadyStatic, y: int) -> str:
    return "".join(segment.text for segment in widget.render_line(y))


def _session(config_dir: Path, data_dir: Path):
    (config_dir / "config.toml").write_text('rater = "ann"\n')
    session = stored_session(Store(data_dir), {"c1": MachineCheck("aspect"), "c2": MachineCheck("aspect")},
                             [png((64, 64)) for _ in range(6)])  # fmt: skip
    return session


def _cursor_rows(widget: SteadyStatic) -> list[str]:
    return [line for y in range(widget.size.height) if (line := _line(widget, y)).startswith("▸")]


async def test_cursor_keys_repaint_without_a_layout_pass(config_dir: Path, data_dir: Path) -> None:
    from screens.registry import build_app

    session = _session(config_dir, data_dir)
    app = build_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_review(app, pilot, session.id)
        await pilot.pause(0.3)
        checklist = screen.query_one("#review-checklist", SteadyStatic)
        assert "criterion c1" in _cursor_rows(checklist)[0]  # the cursor on the first item
        passes = []
        layout = screen._refresh_layout
        screen._refresh_layout = lambda *args, **kwargs: (passes.append(1), layout(*args, **kwargs))[1]
        for key in ("j", "j", "k", "right", "right", "left", "down", "up", "j"):
            await pilot.press(key)
            await pilot.pause(0.05)
        assert screen.item_index == 2 and screen.output_index == 1
        (row,) = _cursor_rows(checklist)
        assert "judged by a person only" in row  # repainted: the cursor on the third item, and only there
        assert "▶" in str(screen.query(".tile-caption")[1].content)  # the caption of the output moved to
        assert passes == []


async def test_a_taller_checklist_is_laid_out(config_dir: Path, data_dir: Path) -> None:
    from screens.registry import build_app

    session = _session(config_dir, data_dir)
    app = build_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_review(app, pilot, session.id)
        await pilot.pause(0.3)
        checklist = screen.query_one("#review-checklist", SteadyStatic)
        before = checklist.size.height
        run = screen.outputs()[0]
        note = "the lettering is fine but " * 8  # wraps over more than one row of the pane
        screen._record(Score(run_id=run.id, rater="ann", verdicts={}, note=note, scored_at=now_iso()))
        screen.render_checklist()
        await pilot.pause(0.2)
        rows = checklist.get_content_height(checklist.size, checklist.size, checklist.content_size.width)
        assert rows > before + 1 and checklist.size.height == rows  # grown to what the note needs
        assert _line(checklist, rows - 1).strip()  # its last row drawn, not cut off
