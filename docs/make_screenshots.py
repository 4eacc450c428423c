"""Regenerate the SVG screenshots in docs/ from a real session of demo models.

.venv/bin/python docs/make_screenshots.py [--size 100x30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def shoot(size: tuple[int, int], out: Path) -> None:
    from PIL import Image, ImageDraw

    from screens.compose import ComposeScreen
    from screens.registry import build_app
    from screens.results import ResultsScreen
    from screens.review import ReviewScreen
    from screens.run import RunScreen
    from tui.core.compose import CaseSpec, SessionSpec, build_session
    from tui.core.context import Context

    tmp = Path(os.environ["IMGBENCH_DATA_DIR"]).parent
    ref = tmp / "living-room.png"
    img = Image.new("RGB", (480, 320), (236, 228, 214))
    draw = ImageDraw.Draw(img)
    draw.rectangle((40, 170, 330, 280), fill=(70, 90, 120))
    draw.ellipse((120, 140, 200, 190), fill=(210, 150, 60))
    draw.rectangle((360, 40, 460, 160), fill=(150, 180, 210))
    img.save(ref)
    ctx = Context()
    spec = SessionSpec(
        cases=[CaseSpec(preset_id="tier-a/cat1"), CaseSpec(preset_id="tier-a/cat5", refs=[(1, ref)])],
        models=["demo:mosaic", "demo:aurora", "demo:sketch"],
        name="tier-a sample",
    )
    session = build_session(spec, store=ctx.store, registry=ctx.registry, catalog=ctx.catalog)

    app = build_app(preview_line="halfblock")
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.5)
        app.push_screen(RunScreen(session.id))
        await pilot.pause(0.4)
        app.save_screenshot("run.svg", str(out))
        screen = app.screen
        while screen.runner is not None:
            await pilot.pause(0.1)
        await pilot.pause(0.5)
        app.pop_screen()
        await pilot.pause(0.5)
        app.save_screenshot("home.svg", str(out))
        app.push_screen(ComposeScreen(preset_ids=["tier-a/cat1"]))
        await pilot.pause(0.5)
        app.save_screenshot("compose.svg", str(out))
        app.pop_screen()
        app.push_screen(ReviewScreen(session.id))
        await pilot.pause(0.8)
        await pilot.press("p", "p", "f", "h", "p", "n", "p")
        await pilot.pause(0.8)
        app.save_screenshot("review.svg", str(out))
        await pilot.resize_terminal(80, 24)  # the smallest size it is made for: the checklist stays in view
        await pilot.pause(0.8)
        app.save_screenshot("review-80x24.svg", str(out))
        await pilot.resize_terminal(*size)
        await pilot.pause(0.5)
        await pilot.press(*"pfpfpfpf" * 2)
        await pilot.press("s")
        await pilot.pause(0.5)
        assert isinstance(app.screen, ResultsScreen)
        app.save_screenshot("results.svg", str(out))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="100x30")
    args = parser.parse_args()
    w, h = (int(x) for x in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["IMGBENCH_CONFIG_DIR"] = f"{tmp}/config"
        os.environ["IMGBENCH_DATA_DIR"] = f"{tmp}/data"
        os.environ["IMGBENCH_CACHE_DIR"] = f"{tmp}/cache"
        Path(f"{tmp}/config").mkdir()
        Path(f"{tmp}/config/config.toml").write_text('rater = "docs"\n[providers.demo]\nlatency_ms = 800\n')
        asyncio.run(shoot((w, h), ROOT / "docs"))
    print("wrote", ", ".join(sorted(p.name for p in (ROOT / "docs").glob("*.svg"))))


if __name__ == "__main__":
    main()
