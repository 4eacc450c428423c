"""Zoom's loupe, with half-blocks: at 1:1 every drawn cell carries the image's exact pixels of the region the caption
names (top pixel as the cell's foreground, bottom as its background), panning moves that region, and the
reference beside it shows the same region of itself."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from screens.registry import build_app
from screens.review import ReviewScreen
from screens.zoom import ZoomScreen
from tests.tui_support import at_home, wait_for
from tui.cli.main import main
from tui.widgets.image_view import ImageView

SIZE = (300, 200)


def _noise(seed: int) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (SIZE[1], SIZE[0], 3), dtype=np.uint8))


@pytest.fixture
def noisy_edit_session(fast_demo: Path, tmp_path: Path, data_dir: Path, capsys) -> str:
    """An edit case whose reference and outputs are random noise: any misplaced pixel shows."""
    (fast_demo / "config.toml").write_text('rater = "cy"\n[providers.demo]\nlatency_ms = 5\n')
    ref = tmp_path / "ref.png"
    _noise(1).save(ref)
    assert (
        main(["run", "--preset", "tier-a/cat5", "--ref", f"tier-a/cat5={ref}", "--quiet", "--model", "demo:mosaic"])
        == 0
    )
    session_id = capsys.readouterr().out.strip()
    folder = data_dir / "sessions" / session_id
    doc = json.loads((folder / "session.json").read_text())
    for n, run in enumerate(doc["runs"]):
        image = run["images"][0]
        _noise(100 + n).save(folder / image["path"])
        data = (folder / image["path"]).read_bytes()
        image.update(sha256=hashlib.sha256(data).hexdigest(), width=SIZE[0], height=SIZE[1], bytes=len(data))
    (folder / "session.json").write_text(json.dumps(doc))
    return session_id


def _cells(view: ImageView) -> list[list[tuple[str, object, object]]]:
    """Each drawn cell as (character, foreground, background)."""
    rows = []
    for line in view._lines:
        row = []
        for seg in line:
            for ch in seg.text:
                style = seg.style
                row.append((ch, style.color if style else None, style.bgcolor if style else None))
        rows.append(row)
    return rows


def _region(caption: str) -> tuple[int, int, int, int]:
    match = re.search(r"x (\d+)-(\d+)  y (\d+)-(\d+)", caption)
    assert match, caption
    x0, x1, y0, y1 = (int(g) for g in match.groups())
    return x0, y0, x1, y1


def _assert_exact(view: ImageView, img: Image.Image, region: tuple[int, int, int, int]) -> int:
    x0, y0, x1, y1 = region
    pixels = img.load()
    cells = _cells(view)
    width, height = x1 - x0 + 1, y1 - y0 + 1
    assert len(cells) * 2 >= height and all(len(r) >= width for r in cells[: height // 2])
    checked = 0
    for cy in range(height // 2):
        for cx in range(width):
            ch, fg, bg = cells[cy][cx]
            assert ch == "▀", (cx, cy, ch)
            top, bottom = pixels[x0 + cx, y0 + 2 * cy], pixels[x0 + cx, y0 + 2 * cy + 1]
            assert fg.triplet == top and bg.triplet == bottom, f"cell {cx},{cy}: {fg}/{bg} != {top}/{bottom}"
            checked += 1
    return checked


async def test_the_loupe_at_one_to_one_draws_the_images_own_pixels(noisy_edit_session: str, data_dir: Path) -> None:
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        app.push_screen(ReviewScreen(noisy_edit_session))
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.query(ImageView))
        await pilot.press("z")
        await wait_for(pilot, lambda: isinstance(app.screen, ZoomScreen))
        zoom = app.screen
        image = zoom.query_one("#zoom-image", ImageView)
        assert image.mode == "halfblock"
        output = Image.open(image.path).convert("RGB") if image.path else None
        assert output is not None and output.size == SIZE
        caption = zoom.query_one("#zoom-caption")

        def drawn_at(level: float) -> bool:
            key = image._drawn_for
            return bool(key and key[0][3] and key[0][3][0] == level and image._lines)

        await pilot.press("plus", "plus", "plus", "plus")  # fit → 1:8 → 1:4 → 1:2 → 1:1
        assert zoom.loupe.level == 1.0
        await wait_for(pilot, lambda: drawn_at(1.0))
        text = str(caption.render())
        assert "zoom 1:1" in text and "one image pixel per drawn pixel" in text
        region = _region(text)
        cols, rows = image._box()
        assert (region[2] - region[0] + 1, region[3] - region[1] + 1) == (cols, rows * 2)  # the box, pixel for pixel
        assert _assert_exact(image, output, region) == cols * rows

        before = region
        await pilot.press("l", "j")  # pan right and down by a quarter of the view
        await wait_for(pilot, lambda: _region(str(caption.render())) != before and drawn_at(1.0))
        await pilot.pause(0.2)
        region = _region(str(caption.render()))
        assert region[0] > before[0] and region[1] > before[1]
        _assert_exact(image, output, region)

        await pilot.press("c")  # the reference beside it: the same region of the reference
        reference = zoom.query_one("#zoom-reference", ImageView)
        await wait_for(pilot, lambda: reference.display and reference._lines and reference._drawn_for is not None)

        def settled() -> bool:  # the caption names the region of the tile as it is now laid out
            x0, _y0, x1, _y1 = _region(str(caption.render()))
            width = min(SIZE[0], image._box()[0], reference._box()[0])
            return drawn_at(1.0) and x1 - x0 + 1 == width and reference._drawn_for is not None

        await wait_for(pilot, settled)
        region = _region(str(caption.render()))
        ref_img = Image.open(reference.path).convert("RGB")
        _assert_exact(image, output, region)
        _assert_exact(reference, ref_img, region)

        await pilot.press("0")  # fit again: arrows flip outputs once more
        assert not zoom.loupe.zoomed and "fit" in str(caption.render())
