"""``imgbench preview FILE`` outside the data dir: the short path draws the same cells as the Rich renderer
(checked in pyte, a terminal emulator), writes no thumbnail, hashes nothing and does not import Rich."""

from __future__ import annotations

import io
import random
import subprocess
import sys
from pathlib import Path

import pyte
import pytest

from tests.robustness.support import ROOT, child_env
from tui.imaging import halfblock
from tui.imaging.ansi_blocks import ansi_lines


def cells(text: str, cols: int, rows: int) -> list[list[tuple[str, str, str]]]:
    """(character, foreground, background) of every cell after a terminal has drawn ``text``."""
    screen = pyte.Screen(cols, rows)
    stream = pyte.Stream(screen)
    stream.feed(text.replace("\n", "\r\n"))
    return [[(c.data, c.fg, c.bg) for c in (screen.buffer[y][x] for x in range(cols))] for y in range(rows)]


def noisy(width: int, height: int, seed: int):
    from PIL import Image

    rng = random.Random(seed)
    img = Image.new("RGB", (width, height))
    img.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(width * height)])
    return img


def rich_text(img, cols: int, rows: int, system: str) -> str:
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system=system, width=cols, soft_wrap=False)
    console.print(halfblock.HalfBlock(halfblock.render_image(img, cols, rows, color_system=system, pad=False)))
    return buffer.getvalue()


@pytest.mark.parametrize("system", ["truecolor", "256"])
@pytest.mark.parametrize(("size", "box"), [((37, 23), (37, 12)), ((64, 64), (40, 20)), ((90, 31), (30, 10))])
def test_the_short_path_draws_the_cells_rich_draws(system: str, size: tuple[int, int], box: tuple[int, int]) -> None:
    img = noisy(*size, seed=size[0])
    cols, rows = box
    ours = "".join(line + "\n" for line in ansi_lines(img, cols, rows, color_system=system))
    assert cells(ours, cols, rows + 2) == cells(rich_text(img, cols, rows, system), cols, rows + 2)


PROBE = """
import sys
from tui.cli.main import main
code = main(sys.argv[1:])
heavy = sorted(m for m in ("rich", "msgspec", "hashlib", "tui.imaging.halfblock", "textual") if m in sys.modules)
print("MODULES", ",".join(heavy), file=sys.stderr)
sys.exit(code)
"""


def test_a_file_outside_the_data_dir_is_neither_hashed_nor_cached(tmp_path: Path, make_image) -> None:
    photo = make_image("photo.png", (300, 200), (10, 200, 90))
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "preview", str(photo), "--cols", "40", "--rows", "20"],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "▀" in done.stdout and "38;" in done.stdout
    assert "MODULES \n" in done.stderr, done.stderr  # none of the heavy modules
    assert not (tmp_path / "cache").exists() and not (tmp_path / "data").exists()
    cached = subprocess.run(
        [sys.executable, "-c", PROBE, "preview", str(photo), "--cols", "40", "--rows", "20", "--cache"],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert cached.returncode == 0, cached.stderr
    assert list((tmp_path / "cache").rglob("*.jpg")), "--cache keeps the thumbnail"


def test_the_short_path_keeps_the_one_line_errors(tmp_path: Path, capsys) -> None:
    from tui.cli.main import main

    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    assert main(["preview", str(bad), "--cols", "20", "--rows", "10"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err


def test_a_terminal_without_graphics_takes_the_short_path_too(
    tmp_path: Path, make_image, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal, ``auto`` ends in half-blocks whenever textual-image cannot be used (Python 3.11): the short
    path then, no thumbnail written; where it can be used, the graphics detection decides as before."""
    from tui.cli.main import main
    from tui.imaging.graphics import textual_image_status

    photo = make_image("photo.png", (120, 80), (200, 40, 40))
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr(sys.__stdout__, "isatty", lambda: False)  # detection, if it runs, must not probe this pty
    assert main(["preview", str(photo), "--cols", "30", "--rows", "10", "--colors", "truecolor"]) == 0
    assert "▀" in capsys.readouterr().out
    thumbs_written = list((tmp_path / "cache").rglob("*.jpg"))
    if not textual_image_status()[0]:
        assert thumbs_written == []
