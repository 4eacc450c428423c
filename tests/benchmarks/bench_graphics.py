"""Drawing a 1024² output in a 40×20-cell tile, per preview mode.

    .venv312/bin/python tests/benchmarks/bench_graphics.py [--reps N]

"Draw" is what the TUI and `imgbench preview` do between a stored output (its save-time thumbnail on disk)
and the bytes handed to the terminal: half-blocks (thumbnail → cells → ANSI), Kitty by direct placement
(thumbnail at the tile's pixel size → PNG → base64 chunks), Kitty with Unicode placeholders and Sixel
(textual-image's renderables, fed the same pre-scaled image). The cell size is 10×20 px (a 400×400 px
tile). Rich's colour caches are cleared before every half-block repetition (a viewer meets new colours
with every image). Figures are medians of N runs, side by side in one run; ratios are against
half-blocks. On Python 3.11 only half-blocks and Kitty direct placement run (textual-image needs 3.12).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_preview import photo_like  # noqa: E402

COLS, ROWS, CELL = 40, 20, (10, 20)


def _time(fn, reps: int) -> tuple[float, float, int]:
    fn()  # warm-up: imports, the thumbnail bucket for this size
    times, size = [], 0
    for _ in range(reps):
        start = time.perf_counter()
        size = fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1], size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="imgbench-bench-graphics-"))
    os.environ["IMGBENCH_CACHE_DIR"] = str(tmp / "cache")

    from rich.console import Console

    from tui.imaging import graphics, halfblock, kitty, thumbs

    path = tmp / "out.png"
    photo_like(1024, 7).save(path)
    sha = thumbs.file_sha256(path)
    thumbs.make_thumbnails(path, sha)  # as at save time
    px = (COLS * CELL[0], ROWS * CELL[1])

    def console() -> Console:
        return Console(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=200)

    def draw_halfblock() -> int:
        halfblock.cache_clear(styles=True)
        out = console()
        out.print(halfblock.HalfBlock(halfblock.render_file(path, COLS, ROWS, sha256=sha)), crop=False)
        return len(out.file.getvalue().encode())

    def scaled():
        return thumbs.load_thumbnail(path, sha, max_side=max(px))

    def draw_kitty_direct() -> int:  # as `imgbench preview` does: the thumbnail brought to the tile's pixels
        img = scaled()
        if img.width > px[0] or img.height > px[1]:
            img = img.resize(px)
        return len(kitty.direct(img, COLS, ROWS).encode())

    modes = {"half-blocks": draw_halfblock, "kitty direct placement": draw_kitty_direct}
    if sys.version_info >= (3, 12):
        graphics._share_with_textual_image(True, True, CELL)  # no terminal probe: the benchmark has no terminal
        from textual_image.renderable.sixel import Image as SixelImage
        from textual_image.renderable.tgp import Image as TGPImage

        def draw_textual_image(cls) -> int:
            saved, sys.__stdout__ = sys.__stdout__, io.StringIO()  # TGP writes its payload there directly
            try:
                out = console()
                out.print(cls(scaled(), width=COLS, height="auto"), crop=False)
                return len(out.file.getvalue().encode()) + len(sys.__stdout__.getvalue().encode())
            finally:
                sys.__stdout__ = saved

        modes["kitty unicode placeholders"] = lambda: draw_textual_image(TGPImage)
        modes["sixel"] = lambda: draw_textual_image(SixelImage)

    print(f"1024² PNG output → {COLS}×{ROWS}-cell tile ({px[0]}×{px[1]} px at {CELL[0]}×{CELL[1]} px cells), "
          f"Python {sys.version_info[0]}.{sys.version_info[1]}, median of {args.reps}")  # fmt: skip
    results = {name: _time(fn, args.reps) for name, fn in modes.items()}
    base = results["half-blocks"][0]
    print(f"{'mode':28} {'median ms':>10} {'p90 ms':>8} {'bytes':>10} {'× half-blocks':>14}")
    for name, (median, p90, size) in results.items():
        print(f"{name:28} {median:10.1f} {p90:8.1f} {size:10,} {median / base:14.2f}")


if __name__ == "__main__":
    main()
