"""Every screen at 100x30 and 80x24 against its stored SVG (pytest-textual-snapshot), so a layout that hides content
fails a test: Review among them with a scored output, its checklist, items left and the note in view.

Update after a deliberate change with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and look at the
report it writes before committing the new SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Footer

from screens.registry import SCREENS, build_app
from tests.tui_support import at_home, build_screen, wait_for
from tui.cli.main import main
from tui.core.model import Score
from tui.core.store import Store

SIZES = {"100x30": (100, 30), "80x24": (80, 24)}
FIXED = "2026-03-04T05:06:07Z"


@pytest.fixture
def scored_session(fast_demo: Path, data_dir: Path, tmp_path: Path, capsys, monkeypatch, make_image) -> str:
    """A finished two-case, two-model session with fixed times, the first output partly scored with a note."""
    (fast_demo / "config.toml").write_text('rater = "ann"\npreview = "halfblock"\n[providers.demo]\nlatency_ms = 5\n')
    args = ["run", "--preset", "tier-a/cat1", "--prompt", "a red cube on a blue table", "--check", "Is it a cube?"]
    assert main([*args, "--model", "demo:mosaic", "--model", "demo:aurora", "--name", "snapshot", "-q"]) == 0
    session_id = capsys.readouterr().out.strip()

    def settle(session) -> None:
        session.created_at = FIXED
        for i, run in enumerate(session.runs):
            run.timings.queued_at = run.timings.started_at = run.timings.first_byte_at = FIXED
            run.timings.finished_at = FIXED
            run.latency_ms, run.ttfb_ms = 1200.0 + 100 * i, 300.0
        first = session.runs[0]
        items = session.case(first.case_id).checklist
        verdicts = dict(zip([c.id for c in items[:3]], ["pass", "fail", "partial"], strict=False))
        session.set_score(Score(run_id=first.id, rater="ann", verdicts=verdicts, note="cups too far apart"))

    Store(data_dir).mutate(session_id, settle)
    # What the screens show of this machine: the same on every machine.
    from tui.core import paths

    monkeypatch.setattr(paths, "credentials_file", lambda: Path("~/.config/imgbench/credentials.toml"))
    monkeypatch.setattr("getpass.getuser", lambda: "ann")
    # Layout, not pixels: a preview's cells depend on which thumbnail was ready when (their own tests check them).
    from tui.widgets.diff_view import DiffView
    from tui.widgets.image_view import ImageView

    for widget in (ImageView, DiffView):
        monkeypatch.setattr(widget, "_produce", lambda self, source, cols, rows, system: ([], "[image]"))
    refs = tmp_path / "refs"
    refs.mkdir()
    make_image("room.png", (64, 48)).rename(refs / "room.png")
    monkeypatch.chdir(tmp_path)
    return session_id


async def settled(app) -> None:
    """Until every worker is done, but a DirectoryTree's loader, which waits for work as long as the tree lives."""
    from textual.worker import WorkerCancelled, WorkerState

    while busy := [
        w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING) and w.group != "_loader"
    ]:
        for worker in busy:
            try:
                await worker.wait()
            except WorkerCancelled:
                pass


@pytest.mark.parametrize("size", list(SIZES), ids=list(SIZES))
@pytest.mark.parametrize("name", list(SCREENS))
def test_every_screen(snap_compare, scored_session: str, name: str, size: str) -> None:
    from tui.imaging import thumb_queue

    app = build_app()

    async def run_before(pilot) -> None:
        await at_home(app, pilot)
        await settled(app)
        # Home's table fills from a worker; filled while a dialog covers it, its columns keep their old widths.
        table = app.screen.query_one("#sessions")
        await wait_for(pilot, lambda: table.row_count == 1 and table.ordered_columns[0].content_width >= 16)
        await pilot.pause(0.3)
        if name == "file_picker":
            app.push_screen(SCREENS[name]("Reference for tier-a/cat5 slot 1 (room)", start=Path("refs")))
        elif name != "home":
            if SCREENS[name].__name__ in ("ConfirmScreen", "KeyInput"):  # over the screen that asks, as in use
                app.push_screen(build_screen("keys", app, scored_session))
                await wait_for(pilot, lambda: app.screen.HELP_TITLE == "Keys")
                await settled(app)
                await pilot.pause(0.2)
            app.push_screen(build_screen(name, app, scored_session))
        await wait_for(pilot, lambda: isinstance(app.screen, SCREENS[name]))
        for _ in range(2):  # images: thumbnails, then their cells, in workers
            await settled(app)
            thumb_queue.wait(30)
            await pilot.pause(0.1)
        # A footer recomposes when the bindings change (a dialog pushed over its screen): caught mid-way, the
        # screen under a dialog was drawn without its footer on a loaded machine.
        await wait_for(pilot, lambda: all(f.children for screen in app.screen_stack for f in screen.query(Footer)))
        await pilot.pause(0.1)
        for field in app.screen.query("Input, TextArea"):  # a cursor caught mid-blink differs by one cell
            field.cursor_blink = False
        app.screen.set_focus(app.screen.focused)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)
