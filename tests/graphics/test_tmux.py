"""imgbench inside a real tmux 3.3a (a private server) whose client runs in a pty that plays the outer terminal and
records what tmux sends it: kitty's graphics commands arrive unwrapped from the passthrough envelope, the Unicode
placeholder cells land where the preview and the Review/Zoom tiles are, kitty 0.26.5 gets a direct placement at the
pane's cursor (imgbench preview) or half-blocks (the TUI), and with allow-passthrough off or a silent outer terminal
imgbench falls back at once or within the stated bound, and says why."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.graphics import outer_terminal as ot
from tests.graphics import pictures
from tests.graphics.sessions import imgbench_env, session_with_pictures

GRAPHICS = sys.version_info >= (3, 12)
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 1.0  # IMGBENCH_PROBE_TIMEOUT in the panes


def _client(tmp_path: Path, profile: dict, command: str, passthrough: str = "on") -> ot.TmuxClient:
    env = {**os.environ, **imgbench_env(tmp_path), "IMGBENCH_PROBE_TIMEOUT": str(TIMEOUT)}
    socket = f"imgbench-tmux-{os.getpid()}-{time.monotonic_ns()}"
    return ot.TmuxClient(ot.OuterTerminal(profile), command, socket=socket, passthrough=passthrough, env=env,
                         tmp=tmp_path)  # fmt: skip


def _tui_at_home(tmp_path: Path, closing: list, profile: dict) -> ot.TmuxClient:
    """The TUI in tmux in an outer terminal of ``profile``, on Home with a session of four-quadrant pictures."""
    session_with_pictures(tmp_path)
    client = _client(tmp_path, profile, "imgbench; sleep 60")
    closing.append(client)
    client.wait_for(lambda: None if "four quadrants" in client.outer.text() else "Home never showed the session", 40)
    return client


def _images(outer: ot.OuterTerminal) -> dict[int, tuple[int, int, int, int]]:
    """Each image's placeholder cells as (top, left, rows, cols); fails unless they form its grid exactly."""
    boxes, problem = _grids(outer)
    assert problem is None, problem
    return boxes


def _grids(outer: ot.OuterTerminal) -> tuple[dict[int, tuple[int, int, int, int]], str | None]:
    cells: dict[int, dict[tuple[int, int], tuple[int, int]]] = {}
    for (y, x), (image_id, row, col) in outer.placeholders().items():
        cells.setdefault(image_id, {})[(y, x)] = (row, col)
    boxes = {}
    for image_id, grid in cells.items():
        top, left = min(y for y, _ in grid), min(x for _, x in grid)
        rows, cols = max(y for y, _ in grid) - top + 1, max(x for _, x in grid) - left + 1
        expected = {(top + r, left + c): (r, c) for r in range(rows) for c in range(cols)}
        boxes[image_id] = (top, left, rows, cols)
        if grid != expected:
            missing = sorted(set(expected) - set(grid))[:5]
            wrong = sorted(k for k in grid if grid[k] != expected.get(k))[:5]
            return boxes, f"image {image_id}: not its {rows}x{cols} grid (missing {missing}, misplaced {wrong})"
    return boxes, None


def _sent_ids(outer: ot.OuterTerminal, action: str) -> set[int]:
    return {int(c.keys["i"]) for c in outer.commands if c.keys.get("a", "t") == action and "i" in c.keys}


@pytest.fixture
def picture(tmp_path: Path) -> Path:
    path = tmp_path / "p.png"
    pictures.picture().save(path)
    return path


@pytest.fixture
def closing() -> Iterator[list[ot.TmuxClient]]:
    clients: list[ot.TmuxClient] = []
    yield clients
    for client in clients:
        client.close()


def _preview(tmp_path: Path, picture: Path, profile: dict, closing: list, passthrough: str = "on") -> ot.TmuxClient:
    command = f"echo hello; imgbench preview {picture} --cols 20 --rows 10 2> {tmp_path}/err; echo after; sleep 60"
    client = _client(tmp_path, profile, command, passthrough)
    closing.append(client)
    client.wait_for(lambda: None if "after" in client.outer.text() else "the preview did not end", 30)
    return client


def test_cli_preview_through_tmux_reaches_kitty_as_placeholders(tmp_path, picture, closing) -> None:
    client = _preview(tmp_path, picture, ot.KITTY_035, closing)
    outer = client.outer
    assert b"\x1bPtmux;" not in outer.record  # tmux unwrapped every command it forwarded
    if not GRAPHICS:
        assert outer.text().splitlines()[1].startswith("▀") and not outer.commands
        return
    assert any(c.keys.get("a") == "q" for c in outer.commands)  # the probe asked the outer terminal
    boxes = _images(outer)
    assert list(boxes.values()) == [(1, 0, 10, 20)]  # under "hello", 20x10 cells, at the left
    (image_id,) = boxes
    placed = [c for c in outer.commands if c.keys.get("a") == "p"]
    assert [(int(c.keys["i"]), c.keys.get("U"), c.keys["c"], c.keys["r"]) for c in placed] == [
        (image_id, "1", "20", "10")
    ]
    assert image_id in _sent_ids(outer, "t")  # its pixels went out too
    assert outer.text().splitlines()[11].startswith("after")
    assert (tmp_path / "err").read_text() == ""


def test_cli_preview_through_tmux_in_kitty_0_26_is_placed_directly_at_the_pane_cursor(
    tmp_path, picture, closing
) -> None:
    outer = _preview(tmp_path, picture, ot.KITTY_026, closing).outer
    if not GRAPHICS:
        assert outer.text().splitlines()[1].startswith("▀")
        return
    assert not outer.placeholders()
    placed = [c for c in outer.commands if c.keys.get("a") == "p"]
    assert len(placed) == 1 and "U" not in placed[0].keys
    assert placed[0].cursor == (1, 0), "the image must start under 'hello', where the pane's cursor was"
    assert (placed[0].keys["c"], placed[0].keys["r"]) == ("20", "10")
    assert int(placed[0].keys["i"]) in _sent_ids(outer, "t")
    lines = outer.text().splitlines()
    assert lines[11].startswith("after") and not any(line.strip() for line in lines[1:11])
    assert (tmp_path / "err").read_text() == ""


def test_cli_preview_with_passthrough_off_says_how_to_turn_it_on(tmp_path, picture, closing) -> None:
    outer = _preview(tmp_path, picture, ot.KITTY_035, closing, passthrough="off").outer
    assert outer.text().splitlines()[1].startswith("▀")  # half-blocks
    assert not outer.commands  # nothing wrapped was sent: nothing reached the outer terminal, nothing was awaited
    err = (tmp_path / "err").read_text()
    if GRAPHICS:
        assert err.startswith("imgbench: note: halfblock: inside tmux with allow-passthrough off (set -g "
                              "allow-passthrough on for Kitty graphics in kitty(0.35.2))"), err  # fmt: skip


def _verdict(tmp_path: Path, profile: dict, passthrough: str, closing: list) -> tuple[str, float]:
    out = tmp_path / "verdict"
    code = ("from tui.imaging import graphics; "
            f"r = graphics.detect('auto', app=True); open({str(out)!r}, 'w').write(r.explanation + '|' + "
            "str(r.probe_seconds))")  # fmt: skip
    client = _client(tmp_path, profile, f'cd {ROOT} && {sys.executable} -c "{code}"; sleep 60', passthrough)
    closing.append(client)
    client.wait_for(lambda: None if out.exists() and "|" in out.read_text() else "no verdict from the pane", 30)
    text, seconds = out.read_text().rsplit("|", 1)
    return text, float(seconds)


@pytest.mark.parametrize(
    ("profile", "passthrough", "verdict", "slow"),
    [
        (ot.KITTY_035, "on", "kitty: kitty(0.35.2) answered the Kitty graphics query through tmux passthrough "
         "(Unicode placeholders)", False),
        (ot.KITTY_026, "on", "halfblock: inside tmux, kitty(0.26.5) has no Unicode placeholders", False),
        (ot.XTERM, "on", "halfblock: inside tmux and the outer terminal (XTerm(379)) answered no graphics query",
         False),
        (ot.SILENT, "on", "halfblock: inside tmux the outer terminal did not answer through passthrough within 1 s",
         True),
        (ot.KITTY_035, "off", "halfblock: inside tmux with allow-passthrough off (set -g allow-passthrough on", False),
    ],
)  # fmt: skip
def test_detection_in_tmux_asks_the_outer_terminal(tmp_path, closing, profile, passthrough, verdict, slow) -> None:
    text, seconds = _verdict(tmp_path, profile, passthrough, closing)
    if not GRAPHICS:
        assert text.startswith("halfblock: textual-image needs Python 3.12+")
        return
    assert text.startswith(verdict), text
    if slow:  # nothing answered through passthrough: the deadline, and not much more
        assert TIMEOUT <= seconds < TIMEOUT + 0.5, seconds  # + scheduling on a loaded 2-core machine
    else:  # every answer came: no waiting for the deadline
        assert seconds < TIMEOUT / 2, seconds


def test_review_and_zoom_through_tmux_draw_placeholders_in_their_tiles(tmp_path, closing) -> None:
    client = _tui_at_home(tmp_path, closing, ot.KITTY_035)
    outer = client.outer
    client.type(b"\r")  # Enter, as a terminal sends it: open the session (every run done: Review)
    if not GRAPHICS:
        client.wait_for(lambda: None if outer.text().count("▀") > 200 else "no half-blocks in Review", 30)
        return

    seen: list[list[tuple[int, int, int, int]]] = []

    def tiles(count: int, min_cols: int):
        # tmux writes a placeholder cell in steps (the base character, then each diacritic, rewriting the cell),
        # so a read between two steps can see a cell half written: the check waits for a whole screen.
        def check() -> str | None:
            boxes, problem = _grids(outer)
            if problem:
                return problem
            shown = sorted(b for b in boxes.values() if b[3] >= min_cols)
            if len(shown) != count:
                return f"expected {count} images of ≥{min_cols} cols, saw {boxes}"
            seen.append(shown)
            return None

        return check

    client.wait_for(tiles(2, 10), 30)
    review = seen[-1]
    (top1, left1, rows1, cols1), (top2, left2, _r, _c) = review
    assert top1 == top2 and left1 + cols1 <= left2, f"the outputs side by side: {review}"
    assert left2 + review[1][3] <= 100 and top1 + rows1 <= 30
    client.type(b"z")
    client.wait_for(tiles(1, cols1 + 5), 30)  # Zoom: one image, wider than a tile
    assert b"\x1bPtmux;" not in outer.record


def test_tui_through_tmux_in_kitty_0_26_uses_half_blocks_and_help_says_why(tmp_path, closing) -> None:
    client = _tui_at_home(tmp_path, closing, ot.KITTY_026)
    outer = client.outer
    client.type(b"\x1bOP")  # f1: help
    client.wait_for(lambda: None if "imgbench keys" in outer.text() else "no help", 20)
    client.type(b"\x1b[F")  # End: the caption under the table says how images are drawn
    if GRAPHICS:
        words = "inside tmux, kitty(0.26.5) has no Unicode"
        client.wait_for(lambda: None if words in outer.text().replace("\n", " ") else "help does not say why", 20)
    assert not [c for c in outer.commands if c.keys.get("a") != "q"]  # nothing but the probe's query
