"""Previews in real terminals: xterm with Sixel (``-ti vt340``) and kitty (0.26: direct placement), under Xvfb.

Each test runs imgbench inside the terminal, screenshots the X display and looks for the test picture's
quadrants where the preview should be, and at how finely its diagonal edge is drawn: with a graphics
protocol the edge moves on nearly every scan line; with half-blocks once per half cell at most.
On Python 3.11 (no textual-image) the same runs must show half-blocks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.graphics import pictures, xsupport
from tests.graphics.sessions import imgbench_env, session_with_pictures

pytestmark = pytest.mark.slow
GRAPHICS = sys.version_info >= (3, 12)  # textual-image's Sixel encoder and placeholders need 3.12
SHOTS = os.environ.get("IMGBENCH_SCREENSHOTS")  # a directory: keep the screenshots (docs/ is made this way)


@pytest.fixture(scope="module")
def display():
    missing = xsupport.missing_tools()
    assert not missing, f"the terminal tests need {', '.join(missing)}: .ci/run installs them"
    with xsupport.xvfb() as d:
        yield d


def _keep(shot, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        shot.save(Path(SHOTS) / f"{name}.png")


def _expect(count: int, *, fine: bool | list[bool], min_width: int = 0, max_width: int = 10**6, top_left: bool = False):
    """A screenshot check: ``count`` copies of the picture, drawn finely (graphics) or per cell (half-blocks);
    ``fine`` may say it per copy, top to bottom; ``top_left``: the first copy is where a preview starts."""

    def check(shot) -> str | None:
        found = sorted(pictures.find(shot), key=lambda f: (f.y, f.x))
        if len(found) != count:
            return f"expected {count} drawn pictures, found {len(found)}: {found}"
        wanted = fine if isinstance(fine, list) else [fine] * count
        for f, want_fine in zip(found, wanted, strict=True):
            band = f.height / 4  # in screen pixels; half-blocks draw it in rows of half a cell (>= 7 px here)
            if want_fine and f.steps < band / 2:
                return f"drawn coarsely (the edge has {f.steps} positions over {band:.0f} px): not graphics: {f}"
            if not want_fine and f.steps > band / 4:
                return f"drawn finer than cells (the edge has {f.steps} positions over {band:.0f} px): {f}"
            if not min_width <= f.width <= max_width:
                return f"drawn {f.width} px wide, expected {min_width}-{max_width}: {f}"
        if top_left and (found[0].x > 12 or found[0].y > 24):
            return f"not where the preview goes (the top left): {found[0]}"
        return None

    return check


@pytest.mark.parametrize(("kind", "mode"), [("xterm", "sixel"), ("kitty", "kitty")])
def test_cli_preview_in_a_real_terminal(display, tmp_path: Path, kind: str, mode: str) -> None:
    """The graphics mode, then half-blocks under it, in one terminal."""
    path = tmp_path / "picture.png"
    pictures.picture().save(path)
    preview = f"imgbench preview {path} --cols 40 --rows 12 2>> {tmp_path}/err"
    command = f"{preview} --mode {mode}; {preview} --mode halfblock; sleep 60"
    with xsupport.terminal(display, kind, ["sh", "-c", command], imgbench_env(tmp_path)):
        shot = display.wait_for(_expect(2, fine=[GRAPHICS, False], min_width=150, top_left=True))
    _keep(shot, f"preview-{kind}")
    err = (tmp_path / "err").read_text()
    assert "Traceback" not in err, err


@pytest.mark.parametrize("kind", ["xterm", "kitty"])
def test_review_and_zoom_in_a_real_terminal(display, tmp_path: Path, kind: str) -> None:
    session_with_pictures(tmp_path)
    with xsupport.terminal(display, kind, ["sh", "-c", f"imgbench; echo $? > {tmp_path}/rc"], imgbench_env(tmp_path)):
        display.wait_drawn()  # Home is up
        display.keys("Return")  # Home: open the session (every run done: Review)
        shot = display.wait_for(_expect(2, fine=GRAPHICS, min_width=150))
        _keep(shot, f"review-{kind}")
        display.keys("z")
        shot = display.wait_for(_expect(1, fine=GRAPHICS, min_width=300))
        _keep(shot, f"zoom-{kind}")
        if GRAPHICS:  # the loupe at 1:1: the 512 px picture is 512 screen pixels wide, whatever the tile
            display.keys("plus", "plus", "plus", "plus")
            shot = display.wait_for(_expect(1, fine=True, min_width=509, max_width=515))
            _keep(shot, f"loupe-{kind}")
            display.keys("0")
        display.keys("Escape")
        display.wait_for(_expect(2, fine=GRAPHICS, min_width=150))  # back in Review: both again, no Zoom leftovers
        for _ in range(3):  # in and out quickly, a new picture on its way as Zoom goes (how kitty once kept one)
            display.keys("z")
            display.wait_for(_expect(1, fine=GRAPHICS, min_width=300))
            display.keys("plus", "0", "Escape")
            display.wait_for(_expect(2, fine=GRAPHICS, min_width=150))
        display.keys("ctrl+q")
        for _ in range(50):
            if (tmp_path / "rc").exists():
                break
            time.sleep(0.1)
    assert (tmp_path / "rc").read_text().strip() == "0"  # Textual draws on stderr: the exit code says it ended well


def test_cli_preview_through_tmux_in_kitty_0_26(display, tmp_path: Path) -> None:
    """Debian's kitty (no Unicode placeholders) around a real tmux with allow-passthrough on: imgbench preview places
    the image directly, through passthrough, at the pane's cursor (the row under 'hello'), and the text goes on
    under it."""
    from tests.graphics.outer_terminal import passthrough_tmux, remove_socket

    path, socket, conf = passthrough_tmux(tmp_path, "xkitty")
    inner = f"echo hello; imgbench preview {path} --cols 40 --rows 12 2>> {tmp_path}/err; echo after; sleep 60"
    command = ["tmux", "-L", socket, "-f", str(conf), "new-session", inner]
    try:
        with xsupport.terminal(display, "kitty", command, imgbench_env(tmp_path)):
            shot = display.wait_for(_expect(1, fine=GRAPHICS, min_width=150))
            _keep(shot, "preview-kitty-tmux")
            found = pictures.find(shot)[0]
            assert found.x <= 12 and 12 <= found.y <= 40, f"not on the pane's second row: {found}"
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, check=False, timeout=10)
        remove_socket(socket)
    err = (tmp_path / "err").read_text()
    assert "Traceback" not in err and "note" not in err, err
