"""Preview benchmarks: ``.venv/bin/python tests/benchmarks/bench_preview.py [--quick]``.

(a) stored 2048² PNG output -> its first 80×40-cell preview (thumbnail + render)      target ≤ 150 ms
(b) cached thumbnail -> 80×40 half-block preview, median                              target ≤ 10 ms
    a grid of six previews                                                            target ≤ 60 ms
    against rich-pixels' Pixels.from_image_path(resize=...) on the same thumbnail      (like for like, shown)
(c) resident memory while preparing previews for a session of 36 outputs of 2048²    target ≤ 300 MB
(d) ``imgbench preview FILE`` of a 2048² photo (PNG and JPEG) outside the data dir, 80×40 cells, empty cache, as a
    whole process, beside chafa (``-f symbols --symbols vhalf --size 80x40``, the same half-block cells) and
    rich-pixels (``Pixels.from_image_path(resize=(80, 80))`` printed by Rich) from the same original, interleaved
    so all three see the same load                                          target ≤ 1.0× chafa, ≤ 0.8× rich-pixels
    beside what a viewer on Pillow's public API pays before it decodes anything: the interpreter started and
    PIL.Image with that format's plugin imported (imgbench decodes a plain PNG or JPEG through Pillow's C core)
    and in process (decode + draw, no interpreter start) beside rich-pixels in process

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


RICH_PIXELS_CLI = """
import sys
from rich.console import Console
from rich_pixels import Pixels
Console(force_terminal=True, color_system="truecolor").print(Pixels.from_image_path(sys.argv[1], resize=(80, 80)))
"""


def _wall(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, every thread) of one whole process."""
    import subprocess

    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv[:3]} failed: {proc.stderr.read().decode()[-500:] if proc.stderr else ''}")
    return elapsed, usage.ru_utime + usage.ru_stime


def bench_d(folder: Path, reps: int) -> dict[str, float]:
    """Whole process and in process, from the same originals, best of ``reps`` (interleaved)."""
    from rich_pixels import Pixels

    from tests.benchmarks.bench_support import installed_env
    from tui.imaging.ansi_blocks import ansi_lines
    from tui.imaging.core_decode import decode_small_core
    from tui.imaging.decode import decode_small

    env = installed_env(dict(os.environ))  # compiled bytecode, as installed: the same for imgbench and rich-pixels
    # Like with like: chafa is asked for 24-bit colour (--colors full); without COLORTERM imgbench would pick
    # 256 colours from TERM=xterm-256color and map every cell to the palette, a different job.
    env["COLORTERM"] = "truecolor"
    env.pop("TEXTUAL_COLOR_SYSTEM", None)
    img = photo_like(2048, seed=99)
    out: dict[str, float] = {}
    for ext in ("png", "jpg"):
        original = folder / f"photo.{ext}"
        img.save(original, quality=90) if ext == "jpg" else img.save(original, compress_level=6)
        ours_argv = [sys.executable, "-m", "tui.launch", "preview", str(original), "--cols", "80", "--rows", "40"]
        chafa = shutil.which("chafa")
        times: dict[str, list[tuple[float, float]]] = {"ours": [], "chafa": [], "richpixels": [], "floor": []}
        plugin = "JpegImagePlugin" if ext == "jpg" else "PngImagePlugin"
        floor_argv = [sys.executable, "-c", f"from PIL import Image, {plugin}"]  # a public-API Pillow viewer's start
        for _ in range(reps):
            times["floor"].append(_wall(floor_argv, env))
            times["ours"].append(_wall(ours_argv, env))
            if chafa:
                times["chafa"].append(_wall([chafa, "-f", "symbols", "--symbols", "vhalf", "--size", "80x40",
                                             "--colors", "full", str(original)]))  # fmt: skip
            times["richpixels"].append(_wall([sys.executable, "-c", RICH_PIXELS_CLI, str(original)], env))
        for name, values in times.items():
            out[f"{ext}_{name}_process"] = min(w for w, _ in values) * 1000 if values else float("nan")
            out[f"{ext}_{name}_cpu"] = min(c for _, c in values) * 1000 if values else float("nan")
        clear_cold()
        out[f"{ext}_ours_inprocess"] = median_ms(
            # what the command does: the core decode, Pillow's public path only for a file it leaves alone
            lambda o=original: ansi_lines(decode_small_core(str(o), 80) or decode_small(o, 80), 80, 40),
            reps,
            clear_cold,
        )
        out[f"{ext}_richpixels_inprocess"] = median_ms(
            lambda o=original: Pixels.from_image_path(o, resize=(80, 80)), reps, clear_cold
        )
    return out


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
        d = bench_d(tmp, 5 if opts.quick else 11)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    missed: list[str] = []

    def row(label: str, value: float, target: str, ok: bool) -> None:
        shown = f"{value:9.2f}" if label.endswith("×") else f"{value:9.1f}"  # a ratio of 1.01 is not 1.0
        print(f"  {label:<58} {shown}  {target:<14} {'ok' if ok else 'MISSED'}")
        if not ok:
            missed.append(label)

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
    # Not like for like (our cached thumbnail against rich-pixels decoding the original): shown, not a target;
    # (d) compares both from the same original.
    row("cached thumbnail vs rich-pixels on the original, ×", ratio_stored, "(unlike)", True)
    row("speed-up vs rich-pixels on the same thumbnail, ×", ratio_thumb, "(like for like)", True)
    n = 12 if opts.quick else 36
    print(f"(c) memory: preparing previews for {n} outputs of 2048² (2 workers)")
    row("peak resident memory, MB", c["peak_rss_mb"], "≤ 300 MB", c["peak_rss_mb"] <= 300)
    row("resident memory before, MB", c["baseline_mb"], "", True)
    row("wall time, s", c["seconds"], "", True)
    print("(d) preview FILE of a 2048² photo, 80×40, empty cache: whole process (best) and in process (median)")
    for ext in ("png", "jpg"):
        ours, chafa, rp = (d[f"{ext}_{k}_process"] for k in ("ours", "chafa", "richpixels"))
        row(f"{ext}: imgbench preview, whole process, ms", ours, "", True)
        row(f"{ext}:   chafa (vhalf), whole process, ms", chafa, "peer", True)
        row(f"{ext}:   rich-pixels, whole process, ms", rp, "peer", True)
        row(f"{ext}:   Python + PIL.Image + its {ext} plugin imported, ms", d[f"{ext}_floor_process"], "", True)
        for label, ratio, limit in (("chafa", ours / chafa, 1.0), ("rich-pixels", ours / rp, 0.8)):
            ok = ratio <= limit
            row(f"{ext}: imgbench / {label}, whole process, ×", ratio, f"≤ {limit}×", ok)
        cpu = {k: d[f"{ext}_{k}_cpu"] for k in ("ours", "chafa", "richpixels")}
        row(f"{ext}: CPU time (user+sys): imgbench, ms", cpu["ours"], "", True)
        row(f"{ext}:   chafa / rich-pixels CPU, ms", cpu["chafa"], f"/ {cpu['richpixels']:.0f}", True)
        row(f"{ext}: imgbench / chafa CPU time, ×", cpu["ours"] / cpu["chafa"], "(a loaded box)", True)
        inproc, rp_in = d[f"{ext}_ours_inprocess"], d[f"{ext}_richpixels_inprocess"]
        row(f"{ext}: decode + draw in process, ms", inproc, "", True)
        row(f"{ext}:   rich-pixels in process (same original), ms", rp_in, "peer", True)
        row(f"{ext}: imgbench / rich-pixels in process, ×", inproc / rp_in, "(like for like)", True)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("\nall targets met" if not missed else f"\nMISSED: {'; '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
