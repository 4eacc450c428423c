"""Home lists the sessions once at start (not on mount and again on the first resume), from the session index:
the first screenful read before the first paint, then all of them once every file is checked against the index."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.robustness.support import write_sessions
from tests.tui_support import at_home, wait_for, workers_idle
from tui.core.store import Store

COUNT = 150


@pytest.fixture
def sessions(data_dir: Path) -> list[str]:
    ids = write_sessions(data_dir, COUNT)
    Store(data_dir).list()  # the index exists, as after any earlier run
    return ids


async def test_home_lists_once_the_first_rows_first(sessions: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from screens.home import HomeScreen, first_rows
    from screens.registry import build_app

    calls: list[tuple[int | None, bool, bool]] = []
    real_list = Store.list

    def counting(self, *, limit=None, fresh=True, every_file=False):
        calls.append((limit, fresh, every_file))
        return real_list(self, limit=limit, fresh=fresh, every_file=every_file)

    monkeypatch.setattr(Store, "list", counting)
    filled: list[tuple[int, bool]] = []  # (rows, whether from on_mount: before the screen's first paint)
    real_fill, real_mount = HomeScreen._fill, HomeScreen.on_mount
    mounting = [False]

    def recording(self, rows):
        filled.append((len(rows), mounting[0]))
        return real_fill(self, rows)

    def mount(self):
        mounting[0] = True
        try:
            real_mount(self)
        finally:
            mounting[0] = False

    monkeypatch.setattr(HomeScreen, "_fill", recording)
    monkeypatch.setattr(HomeScreen, "on_mount", mount)
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        table = app.screen.query_one("#sessions")
        await wait_for(pilot, lambda: table.row_count == COUNT)
        await workers_idle(app)
        await pilot.pause(0.3)
        assert calls == [(None, True, True)], "the first rows from the index alone, then one listing, every file"
        assert filled == [(first_rows(30), True), (COUNT, False)], "the first screenful in the table before a paint"
        newest = Store().list().sessions[0]
        assert table.coordinate_to_cell_key((0, 0)).row_key.value == newest.id
        assert [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(COUNT)] == [
            s.id for s in Store().list().sessions
        ], "the rest added after the first rows, in order, nothing twice"


async def test_without_an_index_home_shows_the_rows_once_it_is_built(data_dir: Path) -> None:
    from screens.registry import build_app

    ids = write_sessions(data_dir, 20)  # no index yet: on_mount has nothing to read, the worker builds it
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        table = app.screen.query_one("#sessions")
        await wait_for(pilot, lambda: table.row_count == 20)
        assert table.coordinate_to_cell_key((0, 0)).row_key.value == ids[-1]


async def test_a_session_changed_by_another_process_shows_on_refresh(sessions: list[str]) -> None:
    from screens.registry import build_app

    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        table = app.screen.query_one("#sessions")
        await wait_for(pilot, lambda: table.row_count == COUNT)
        newest = Store().list().sessions[0].id
        other = Store()  # another process's store: its own connection to the index
        other.mutate(newest, lambda s: setattr(s, "name", "renamed elsewhere"))
        await workers_idle(app)
        await pilot.press("g")
        await wait_for(pilot, lambda: "renamed elsewhere" in str(table.get_row_at(0)))
        assert table.row_count == COUNT


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 40)])
async def test_every_column_of_a_listed_session_is_on_screen(
    sessions: list[str], data_dir: Path, size: tuple[int, int]
) -> None:
    """The name's column takes what the others leave: at 80x24 the run and score counts were pushed off the right
    edge, behind a horizontal scrollbar, by fixed widths."""
    from screens.registry import build_app

    newest = Store(data_dir).list(limit=1).sessions[0]
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await at_home(app, pilot)
        table = app.screen.query_one("#sessions")
        await wait_for(pilot, lambda: table.row_count == COUNT)
        await pilot.pause(0.2)
        assert table.max_scroll_x == 0, "nothing of the table is out of sight to the right"
        text = "\n".join(strip.text for strip in table.render_lines(table.region.reset_offset))
        line = next(line for line in text.splitlines() if newest.created_at[:16].replace("T", " ") in line)
        runs = f"{newest.status.get('succeeded', 0)}/{newest.runs}"
        assert runs in line and line.rstrip().endswith(str(newest.scores)), line
        assert newest.name[:10] in line, line
