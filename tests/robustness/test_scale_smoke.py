"""1,000 sessions list correctly (the timings are ``tests/benchmarks/bench_scale.py``'s business, not this file's):
the right count, newest first, and broken files reported by name, never raised."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.robustness.support import write_sessions
from tests.tui_support import workers_idle
from tui.core.store import Store

COUNT = 1000


@pytest.fixture
def thousand(data_dir: Path) -> list[str]:
    ids = write_sessions(data_dir, COUNT)
    sessions = data_dir / "sessions"
    (sessions / "broken-json").mkdir()
    (sessions / "broken-json" / "session.json").write_text('{"id": "broken-json", "name": "cut sh')
    (sessions / "broken-utf8").mkdir()  # a flipped byte inside a string: not UTF-8
    (sessions / "broken-utf8" / "session.json").write_bytes(b'{"id": "broken-utf8", "name": "caf\xe9"}')
    (sessions / "being-created").mkdir()  # no session.json yet: not a session, not an error
    (sessions / "stray-file.txt").write_text("not a directory")
    return ids


def test_store_lists_a_thousand_newest_first(thousand: list[str], data_dir: Path) -> None:
    listing = Store(data_dir).list()
    assert len(listing.sessions) == COUNT
    stamps = [(h.created_at, h.id) for h in listing.sessions]
    assert stamps == sorted(stamps, reverse=True)
    assert listing.sessions[0].name == f"tier-a sweep {COUNT - 1}"
    assert {h.id for h in listing.sessions} == set(thousand)
    first = listing.sessions[0]
    assert first.cases == 6 and len(first.models) == 3 and first.runs == 18 and first.scores
    assert sorted(e.file.split("/")[-2] for e in listing.errors) == ["broken-json", "broken-utf8"]
    assert all("corrupt session file" in str(e) and "\n" not in str(e) for e in listing.errors)


def test_cli_lists_a_thousand_and_warns_about_the_broken(thousand: list[str], capsys) -> None:
    from tui.cli.main import main

    assert main(["sessions", "list", "--json"]) == 0
    out, err = capsys.readouterr()
    rows = json.loads(out)
    assert len(rows) == COUNT and rows[0]["name"] == f"tier-a sweep {COUNT - 1}"
    assert rows[0]["runs"] == 18 and rows[0]["cases"] == 6
    notice, *warnings = err.strip().splitlines()  # the first listing builds the session index, and says so
    assert "session index missing: rebuilt from 1002 session files" in notice
    assert len(warnings) == 2 and all(w.startswith("imgbench: warning: ") for w in warnings)
    assert "broken-json/session.json" in err and "broken-utf8/session.json" in err
    assert main(["sessions", "list"]) == 0
    out, _ = capsys.readouterr()
    assert len(out.splitlines()) == COUNT


async def test_home_screen_shows_a_thousand_and_names_the_broken(thousand: list[str]) -> None:
    from screens.home import PAGE, HomeScreen
    from screens.registry import build_app

    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        while not isinstance(app.screen, HomeScreen) or app.screen.query_one("#sessions").row_count < PAGE:
            await pilot.pause(0.05)
        await workers_idle(app)
        table = app.screen.query_one("#sessions")
        assert table.row_count == PAGE  # a page at a time: a table of 10,000 rows costs seconds to build
        assert "of 1,000" in str(app.screen.query_one("#sessions-title").render())
        listed = [s.id for s in Store().list().sessions]
        assert table.coordinate_to_cell_key((0, 0)).row_key.value == listed[0]
        while table.row_count < COUNT:  # the cursor at the end brings the next page
            before = table.row_count
            table.move_cursor(row=before - 1)
            await pilot.pause(0.05)
            assert table.row_count > before
        assert [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(COUNT)] == listed
        note = app.screen.query_one("#session-errors")
        assert note.display
        text = str(note.render())
        assert "broken-json" in text and "broken-utf8" in text
