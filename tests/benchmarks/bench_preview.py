"""Preview benchmarks: ``.venv/bin/python tests/benchmarks/bench_preview.py [--quick]``.

(a) stored 2048² PNG output -> its first 80×40-cell preview (thumbnail + render)      target ≤ 150 ms
(b) cached thumbnail -> 80×40 half-block preview, median                              target ≤ 10 ms
    a grid of six previews                                                            target ≤ 60 ms
    against rich-pixels' Pixels.from_image_path(resize=...) on the same images        target ≥ 5× faster
(c) resident memory while preparing previews for a session of 36 outputs of 2048²    target ≤ 300 MB

Rich memoises colours and styles; a viewer meets new colours with every image, so "cold" clears
those caches (ours and Rich's) before every repetition, as reference/terminal-images.md §1 does.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def photo_like(size: int, seed: int):
    """Gradient + blurred blobs + sharp lines + noise: compresses and decodes like a real output."""
    from PIL import Image, ImageDraw, ImageFilter

    rnd = random.Random(seed)
    img = Image.linear_gradient("L").resize((size, size)).convert("RGB")
    tint = Image.new("RGB", (size, size), tuple(rnd.randrange(256) for _ in range(3)))
    img = Image.blend(img, tint, 0.5)
    draw = ImageDraw.Draw(img)
    for _ in range(40):
        x, y, r = rnd.randrange(size), rnd.randrange(size), rnd.randrange(size // 40, size // 6)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rnd.randrange(256) for _ in range(3)))
    img = img.filter(ImageFilter.GaussianBlur(size / 200))
    draw = ImageDraw.Draw(img)
    for _ in range(60):
        pts = [(rnd.randrange(size), rnd.randrange(size)) for _ in range(2)]
        draw.line(pts, fill=tuple(rnd.randrange(256) for _ in range(3)), width=max(1, size // 400))
    noise = Image.effect_noise((size, size), 24).convert("RGB")
    return Image.blend(img, noise, 0.08)


def clear_cold() -> None:
    from rich.color import Color
    from rich.style import Style

    from tui.imaging import halfblock

    halfblock.cache_clear(styles=True)
    for fn in (Style.parse, Color.parse, Color.downgrade, Style.normalize):
        if hasattr(fn, "cache_clear"):
            fn.cache_clear()


def median_ms(fn, reps: int, setup=None) -> float:
    times = []
    for _ in range(reps):
        if setup:
            setup()
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def store_outputs(n: int, size: int, session: str = "bench") -> list[tuple[Path, str]]:
    import io

    from tui.core.store import Store

    store = Store()
    out = []
    for i in range(n):
        buf = io.BytesIO()
        photo_like(size, seed=i).save(buf, "PNG", compress_level=6)
        image = store.write_output(session, f"r-{i:04d}", 0, buf.getvalue())
        out.append((store.abspath(session, image.path), image.sha256))
    return out


def bench_a(outputs: list[tuple[Path, str]], reps: int) -> dict[str, float]:
    from tui.imaging import halfblock, thumbs

    path, sha = outputs[0]

    def fresh() -> None:
        shutil.rmtree(thumbs.thumbs_dir(), ignore_errors=True)
        thumbs._failures.clear()
        clear_cold()

    first = median_ms(lambda: halfblock.render_file(path, 80, 40, sha256=sha), reps, fresh)
    save_time = median_ms(lambda: thumbs.make_thumbnails(path, sha), reps, fresh)
    return {"first_preview": first, "save_time_thumbs": save_time}


def bench_b(outputs: list[tuple[Path, str]], reps: int) -> dict[str, float]:
    from rich_pixels import Pixels

    from tui.imaging import halfblock, thumbs

    for path, sha in outputs[:6]:
        thumbs.make_thumbnails(path, sha)
    path, sha = outputs[0]
    one_cold = median_ms(lambda: halfblock.render_file(path, 80, 40, sha256=sha), reps, clear_cold)
    one_warm = median_ms(lambda: halfblock.render_file(path, 80, 40, sha256=sha), reps, halfblock.cache_clear)
    lru_hit = median_ms(lambda: halfblock.render_file(path, 80, 40, sha256=sha), reps)

    def grid() -> None:
        for p, s in outputs[:6]:
            halfblock.render_file(p, 40, 20, sha256=s)  # six tiles of a 120×40 screen

    grid_cold = median_ms(grid, max(5, reps // 3), clear_cold)
    rp_reps = max(3, reps // 4)
    rp_stored = median_ms(lambda: Pixels.from_image_path(path, resize=(80, 80)), rp_reps, clear_cold)
    thumb = thumbs.thumbnail_for(path, sha, 80)
    rp_thumb = median_ms(lambda: Pixels.from_image_path(thumb, resize=(80, 80)), rp_reps, clear_cold)
    return {
        "one_cold": one_cold,
        "one_warm_styles": one_warm,
        "lru_hit": lru_hit,
        "grid6_cold": grid_cold,
        "richpixels_from_stored_png": rp_stored,
        "richpixels_from_same_thumb": rp_thumb,
    }


def bench_c(n: int, size: int) -> dict[str, float]:
    import psutil

    from tui.imaging import halfblock, thumbs

    outputs = store_outputs(n, size, session="mem")
    proc = psutil.Process()
    import gc

    gc.collect()
    baseline = proc.memory_info().rss
    peak = baseline
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, proc.memory_info().rss)
            time.sleep(0.002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t = time.perf_counter()

    def prepare(item: tuple[Path, str]) -> None:
        p, s = item
        thumbs.make_thumbnails(p, s)  # what the runner does after storing an output
        halfblock.render_file(p, 26, 13, sha256=s)  # a grid tile of the Review screen

    with ThreadPoolExecutor(max_workers=2) as pool:  # the decode pool the TUI should use: 1–2 workers
        list(pool.map(prepare, outputs))
    elapsed = time.perf_counter() - t
    stop.set()
    sampler.join()
    return {"peak_rss_mb": peak / 2**20, "baseline_mb": baseline / 2**20, "seconds": elapsed}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, 12 outputs for (c)")
    opts = parser.parse_args()
    reps = 7 if opts.quick else 21
    tmp = Path(tempfile.mkdtemp(prefix="imgbench-bench-"))
    os.environ.update(IMGBENCH_DATA_DIR=str(tmp / "data"), IMGBENCH_CACHE_DIR=str(tmp / "cache"))
    os.environ["IMGBENCH_CONFIG_DIR"] = str(tmp / "config")
    try:
        print("making 2048² PNG outputs…", file=sys.stderr)
        outputs = store_outputs(6, 2048)
        a = bench_a(outputs, max(5, reps // 3))
        b = bench_b(outputs, reps)
        c = bench_c(12 if opts.quick else 36, 2048)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def row(label: str, value: float, target: str, ok: bool) -> None:
        print(f"  {label:<58} {value:9.1f}  {target:<14} {'ok' if ok else 'MISSED'}")

    print("(a) stored 2048² PNG -> first 80×40 preview")
    row("first preview (128 px thumbnail + render), ms", a["first_preview"], "≤ 150 ms", a["first_preview"] <= 150)
    row("save-time thumbnails (128 + 512 buckets), ms", a["save_time_thumbs"], "(runner, bg)", True)
    print("(b) cached thumbnail -> 80×40 half-block preview (cold Rich/style caches)")
    row("one preview, median ms", b["one_cold"], "≤ 10 ms", b["one_cold"] <= 10)
    row("one preview, styles already seen, ms", b["one_warm_styles"], "", True)
    row("one preview, in-memory LRU hit, ms", b["lru_hit"], "", True)
    row("grid of six 40×20 previews, ms", b["grid6_cold"], "≤ 60 ms", b["grid6_cold"] <= 60)
    row("rich-pixels from_image_path(stored PNG, resize), ms", b["richpixels_from_stored_png"], "", True)
    row("rich-pixels from_image_path(same thumbnail, resize), ms", b["richpixels_from_same_thumb"], "", True)
    ratio_stored = b["richpixels_from_stored_png"] / b["one_cold"]
    ratio_thumb = b["richpixels_from_same_thumb"] / b["one_cold"]
    row("speed-up vs rich-pixels on the stored images, ×", ratio_stored, "≥ 5×", ratio_stored >= 5)
    row("speed-up vs rich-pixels on the same thumbnail, ×", ratio_thumb, "(like for like)", True)
    n = 12 if opts.quick else 36
    print(f"(c) memory: preparing previews for {n} outputs of 2048² (2 workers)")
    row("peak resident memory, MB", c["peak_rss_mb"], "≤ 300 MB", c["peak_rss_mb"] <= 300)
    row("resident memory before, MB", c["baseline_mb"], "", True)
    row("wall time, s", c["seconds"], "", True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
