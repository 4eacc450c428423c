"""Home lists the sessions once at start (not on mount and again on the first resume), from the session index:
the first screenful straight from the index, then all of them once the index is checked against the files."""

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
    from screens.home import FIRST_ROWS, HomeScreen
    from screens.registry import build_app

    calls: list[tuple[int | None, bool, bool]] = []
    real_list = Store.list

    def counting(self, *, limit=None, fresh=True, every_file=False):
        calls.append((limit, fresh, every_file))
        return real_list(self, limit=limit, fresh=fresh, every_file=every_file)

    monkeypatch.setattr(Store, "list", counting)
    shown: list[tuple[int, bool]] = []
    real_show = HomeScreen._show_sessions

    def recording(self, items, errors, *, partial=False):
        shown.append((len(items), partial))
        return real_show(self, items, errors, partial=partial)

    monkeypatch.setattr(HomeScreen, "_show_sessions", recording)
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        table = app.screen.query_one("#sessions")
        await wait_for(pilot, lambda: table.row_count == COUNT)
        await workers_idle(app)
        await pilot.pause(0.3)
        assert calls == [(FIRST_ROWS, False, False), (None, True, True)], "the rows as they are, then every file"
        assert shown == [(FIRST_ROWS, True), (COUNT, False)]
        newest = Store().list().sessions[0]
        assert table.coordinate_to_cell_key((0, 0)).row_key.value == newest.id
        assert [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(COUNT)] == [
            s.id for s in Store().list().sessions
        ], "the rest added after the first rows, in order, nothing twice"


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
