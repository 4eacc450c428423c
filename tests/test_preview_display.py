"""Previews: graphics detection, `imgbench preview`, ImageView and DiffView."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.color import ColorType

from tests.preview_support import _edited, _near
from tui.imaging import diff, graphics

pytestmark = pytest.mark.usefixtures("fresh_preview_caches")


# -- graphics detection -------------------------------------------------------------------------


def test_importing_graphics_does_not_import_textual_image() -> None:
    code = "import sys, tui.imaging.graphics; print('textual_image' in sys.modules, 'textual' in sys.modules)"
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the 3.11 fallback")
def test_detect_falls_back_to_halfblock_on_311() -> None:
    result = graphics.detect("auto", env={"TERM": "xterm-kitty"}, isatty=True)
    assert result.mode == "halfblock" and "Python 3.12+" in result.explanation
    assert graphics.current() is result
    forced = graphics.detect("kitty", env={"TERM": "xterm-kitty"}, isatty=True)
    assert forced.mode == "halfblock" and forced.explanation.endswith("for kitty")
    assert "textual_image" not in sys.modules


def test_detect_override_and_non_tty() -> None:
    chosen = graphics.detect("halfblock", env={"COLORTERM": "truecolor"})
    assert chosen.explanation == "halfblock: chosen by --preview or config"
    assert "256 colours" in graphics.detect("halfblock", env={"TERM": "screen-256color"}).explanation
    result = graphics.detect("auto", env={"TERM": "xterm-256color"}, isatty=False)
    assert result.mode == "halfblock"
    with pytest.raises(ValueError, match="preview mode"):
        graphics.detect("ascii")


def test_colour_system_heuristics() -> None:
    assert graphics.color_system({"COLORTERM": "truecolor"})[0] == "truecolor"
    assert graphics.color_system({"TERM": "xterm-kitty"})[0] == "truecolor"  # SSH drops COLORTERM
    system, why = graphics.color_system({"TERM": "xterm-256color"})
    assert system == "256" and "COLORTERM" in why


# -- imgbench preview ---------------------------------------------------------------------------


def test_cli_preview_a_file(make_image, capsys) -> None:
    from tui.cli.main import main

    path = make_image("p.png", (120, 60), (250, 10, 10))
    assert main(["preview", str(path), "--cols", "30", "--rows", "10", "--colors", "truecolor"]) == 0
    out = capsys.readouterr().out
    assert "▀" in out and "38;2;250;10;1" in out  # via a JPEG thumbnail: within a unit or two
    assert len(out.strip("\n").split("\n")) == 8  # 30×15 px: 8 rows, no vertical padding


def test_cli_preview_bad_file_is_one_line_and_exit_2(tmp_path: Path, capsys) -> None:
    from tui.cli.main import main

    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    assert main(["preview", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err
    assert main(["preview", str(tmp_path / "missing.png")]) == 2
    assert "no such file or session" in capsys.readouterr().err


def test_cli_preview_a_session_grid(fast_demo, capsys) -> None:
    from tui.cli.main import main

    code = main(["run", "--prompt", "a red kite", "--model", "demo:mosaic", "--model", "demo:aurora", "-q"])
    assert code == 0
    session_id = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["preview", session_id, "--cols", "60", "--rows", "20", "--colors", "256"]) == 0
    out = capsys.readouterr().out
    assert "a red kite" in out and "demo:mosaic" in out and "demo:aurora" in out
    assert "38;5;" in out  # 256-colour cells
    assert main(["preview", session_id, "--cols", "60", "--blind"]) == 0
    blind = capsys.readouterr().out
    assert "demo:mosaic" not in blind and " A " in blind and " B " in blind


# -- widgets ------------------------------------------------------------------------------------


def _image_view_app() -> Any:
    """An app holding one ImageView (#img)."""
    from textual.app import App, ComposeResult

    from tui.widgets.image_view import ImageView

    class Demo(App[None]):
        def compose(self) -> ComposeResult:
            yield ImageView(id="img")

    return Demo()


async def _show(app: Any, pilot: Any, path: Path, ready: Callable[[Any], bool]) -> Any:
    """Show ``path`` in the app's ImageView and wait (up to a second) until ``ready(view)``."""
    view = app.query_one("#img")
    view.show(path)
    for _ in range(50):
        await pilot.pause(0.02)
        if ready(view):
            break
    return view


async def test_image_view_shows_an_image_in_truecolor(make_image) -> None:
    path = make_image("w.png", (200, 100), (30, 160, 220))
    app = _image_view_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await _show(app, pilot, path, lambda v: bool(v._lines))
        strips = [view.render_line(y) for y in range(view.size.height)]
        styles = [seg.style for strip in strips for seg in strip if seg.style and seg.style.color]
        assert styles and all(s.color.type == ColorType.TRUECOLOR for s in styles)
        assert any(s.color.triplet and _near(tuple(s.color.triplet), (30, 160, 220), 8) for s in styles)
        view.show(None, "failed: rate_limit")
        await pilot.pause(0.05)
        assert any("failed: rate_limit" in seg.text for y in range(24) for seg in view.render_line(y))


async def test_diff_view_reports_figures(tmp_path: Path) -> None:
    from textual.app import App, ComposeResult

    from tui.widgets.diff_view import DiffView

    out, ref = _edited()
    out.save(tmp_path / "o.png")
    ref.save(tmp_path / "r.png")
    seen: list[diff.DiffResult] = []

    class Demo(App[None]):
        def compose(self) -> ComposeResult:
            yield DiffView(tmp_path / "o.png", tmp_path / "r.png", region=(0.2, 0.2, 0.4, 0.6))

        def on_diff_view_computed(self, event: DiffView.Computed) -> None:
            seen.append(event.result)

    app = Demo()
    async with app.run_test(size=(60, 20)) as pilot:
        for _ in range(50):
            await pilot.pause(0.02)
            if seen:
                break
        assert seen and seen[0].changed_outside == pytest.approx(0.0)
        view = app.query_one(DiffView)
        assert "changed 8.0%" in (view.caption or "")


@pytest.mark.graphics
@pytest.mark.parametrize(("version", "widget"), [("kitty(0.35.2)", "TGPImage"), ("kitty(0.26.5)", "KittyDirectImage")])
async def test_image_view_uses_textual_image_in_a_graphics_mode(make_image, monkeypatch, version, widget) -> None:
    pytest.importorskip("textual_image", reason="textual-image needs Python 3.12+")
    monkeypatch.setattr(sys.__stdout__, "write", lambda data: len(data))  # the Kitty payload goes straight out
    from tui.imaging.term_probe import Answers
    from tui.widgets.graphics_widgets import load_graphics_widgets

    answers = Answers(answered=True, kitty=True, version=version, cell_size=(10, 20))
    result = graphics.detect("kitty", env={"TERM": "xterm-kitty"}, isatty=True, widgets=load_graphics_widgets,
                             ask=lambda: answers)  # fmt: skip
    assert result.mode == "kitty" and "textual_image.widget" in sys.modules
    path = make_image("g.png", (300, 150), (200, 30, 30))
    app = _image_view_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await _show(app, pilot, path, lambda v: v._graphic is not None)
        assert type(view._graphic).__name__ == widget
        assert view._graphic.styles.width.value <= 80 and view._graphic.styles.height.value <= 24
        view.show(None, "gone")
        await pilot.pause(0.05)
        assert view._graphic is None
