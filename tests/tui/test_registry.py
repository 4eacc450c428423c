"""One registry of screens: every Screen under screens/ is in it, and help and the command palette show every
binding of every screen from it, with the keymap applied."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from textual.screen import Screen

import screens
from screens.help import HelpScreen
from screens.registry import SCREENS, build_app
from tests.tui_support import at_home, build_screen, open_review, wait_for
from tui.cli.main import main
from tui.core.store import Store
from tui.widgets.bindings import keyed_bindings


@pytest.fixture
def session_id(fast_demo: Path, capsys) -> str:
    (fast_demo / "config.toml").write_text('rater = "ann"\n[providers.demo]\nlatency_ms = 5\n')
    args = ["run", "--prompt", "a red cube", "--check", "Is there a cube?", "--check", "Is it red?", "-q"]
    assert main([*args, "--model", "demo:mosaic", "--model", "demo:aurora"]) == 0
    return capsys.readouterr().out.strip()


def test_every_screen_under_screens_is_registered() -> None:
    found = set()
    for info in pkgutil.iter_modules(screens.__path__):
        module = importlib.import_module(f"screens.{info.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Screen) and obj.__module__ == module.__name__:
                found.add(obj)
    assert found - set(SCREENS.values()) == set()
    assert len(found) >= 14


def test_every_binding_of_ours_has_an_id_and_a_description() -> None:
    for cls in [*SCREENS.values(), type(build_app())]:
        for binding in cls.BINDINGS:
            assert binding.id and binding.description, (cls.__name__, binding)


async def test_the_palette_offers_every_action_of_every_screen(session_id: str) -> None:
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        for name, cls in SCREENS.items():
            if name != "home":
                app.push_screen(build_screen(name, app, session_id))
                await wait_for(pilot, lambda cls=cls: isinstance(app.screen, cls))
                await pilot.pause(0.1)
            offered = {(c.title, c.help) for c in app.get_system_commands(app.screen)}
            wanted = keyed_bindings(cls, {}) + keyed_bindings(type(app), {})
            assert wanted, name
            for b in wanted:
                title = cls.HELP_TITLE if b.id.split(".")[0] != "app" else "imgbench"
                assert (f"{title}: {b.description}", f"key {b.shown_keys}") in offered, (name, b.id)
            if name != "home":
                await app.pop_screen()
                await wait_for(pilot, lambda: app.screen.HELP_TITLE == "Home")
                await pilot.pause(0.05)


async def test_a_remapped_key_shows_in_help_palette_and_footer_and_works(session_id: str, fast_demo: Path) -> None:
    config = fast_demo / "config.toml"
    config.write_text('rater = "ann"\n[keymap]\n"review.pass" = "g"\n[providers.demo]\nlatency_ms = 5\n')
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        review = await open_review(app, pilot, session_id)
        await pilot.pause(0.2)
        shown = [(k.key_display, k.description) for k in review.query("FooterKey")]
        assert ("g", "Pass") in shown
        offered = {(c.title, c.help) for c in app.get_system_commands(review)}
        assert ("Review: Pass: the item is met", "key g") in offered
        await pilot.press("p")  # the old key no longer gives a verdict
        await pilot.press("g")
        await wait_for(pilot, lambda: review.session.score_of(review.outputs()[0].id, "ann") is not None)
        score = review.session.score_of(review.outputs()[0].id, "ann")
        assert list(score.verdicts.values()) == ["pass"]
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        table = app.screen._content()
        rows = dict(zip(table.columns[3]._cells, table.columns[1]._cells, strict=True))
        assert rows["review.pass"] == "g" and rows["review.fail"] == "f"


async def test_help_lists_every_binding_of_every_screen() -> None:
    app = build_app()
    async with app.run_test(size=(140, 50)) as pilot:
        await at_home(app, pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        table = app.screen._content()
        ids = set(table.columns[3]._cells)
        for cls in [*SCREENS.values(), type(app)]:
            for b in keyed_bindings(cls, {}):
                assert b.id in ids, b.id


async def test_the_palette_runs_an_action_as_its_key_would(session_id: str, data_dir: Path) -> None:
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        review = await open_review(app, pilot, session_id)
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"Review: Fail")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: review.session.score_of(review.outputs()[0].id, "ann") is not None)
        assert list(review.session.score_of(review.outputs()[0].id, "ann").verdicts.values()) == ["fail"]
        await wait_for(pilot, lambda: Store(data_dir).load(session_id).scores != [])


# Keys a widget handles itself (not a binding of ours) that the README may still name.
WIDGET_KEYS = {"space", "delete", "enter", "ctrl+p"}


def test_the_readme_keys_table_matches_the_bindings() -> None:
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme[readme.index("| Where | Keys |") :].split("\n\n", 1)[0]
    rows = {cells[1].strip(): cells[2] for line in table.splitlines()[2:] if len(cells := line.split("|")) >= 4}
    sections = {"Everywhere": type(build_app())} | {cls.HELP_TITLE: cls for cls in SCREENS.values()}
    assert set(rows) == set(sections)
    for title, cls in sections.items():
        named = set(re.findall(r"`([^`]+)`", rows[title]))
        bound = {display for b in keyed_bindings(cls, {}) for display in b.shown_keys.split(", ")}
        assert bound - named == set(), f"README's {title} row misses {bound - named}"
        extra = {k for k in named - bound - WIDGET_KEYS if not any(c in k for c in " =/.")}
        assert extra == set(), f"README's {title} row names unbound keys {extra}"
