"""Previews: the half-block renderer and the diff."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from rich.color import ColorType

from tests.preview_support import BLACK, BLUE, GREEN, RED, WHITE, _edited
from tui.imaging import diff, halfblock

pytestmark = pytest.mark.usefixtures("fresh_preview_caches")


def _cells(lines: halfblock.Lines) -> list[list[tuple[object, object]]]:
    """Per line, one (fg triplet, bg triplet) per cell, run-length segments expanded."""
    out = []
    for line in lines:
        row = []
        for seg in line:
            for _ in range(seg.cell_length):
                style = seg.style
                fg = style.color.triplet if style and style.color else None
                bg = style.bgcolor.triplet if style and style.bgcolor else None
                row.append((tuple(fg) if fg else None, tuple(bg) if bg else None))
        out.append(row)
    return out


# -- the half-block renderer --------------------------------------------------------------------


def _stripes() -> Image.Image:
    img = Image.new("RGB", (4, 4))
    for y, colour in enumerate((RED, BLUE, GREEN, WHITE)):
        for x in range(4):
            img.putpixel((x, y), colour)
    img.putpixel((3, 0), BLACK)
    return img


def test_halfblock_pins_exact_cells_and_merges_runs() -> None:
    lines = halfblock.render_image(_stripes(), 4, 2)
    assert len(lines) == 2
    cells = _cells(lines)
    assert cells[0] == [(RED, BLUE)] * 3 + [(BLACK, BLUE)]
    assert cells[1] == [(GREEN, WHITE)] * 4
    # equal neighbours are one segment; every cell is the upper half block
    assert [seg.text for seg in lines[0]] == ["▀▀▀", "▀"]
    assert [seg.text for seg in lines[1]] == ["▀▀▀▀"]
    assert lines[0][0].style.color.type == ColorType.TRUECOLOR


def test_style_objects_are_shared_between_renders() -> None:
    first = halfblock.render_image(_stripes(), 4, 2)
    second = halfblock.render_image(_stripes(), 4, 2)
    assert first[0][0].style is second[0][0].style


def test_fit_keeps_aspect_in_any_box_and_centres() -> None:
    assert halfblock.fit_size(200, 100, 80, 40) == (80, 40)  # wide: full width, 20 rows
    assert halfblock.fit_size(100, 400, 80, 40) == (20, 80)  # tall: full height
    wide = halfblock.render_image(Image.new("RGB", (200, 100), RED), 80, 40)
    assert len(wide) == 40 and all(sum(s.cell_length for s in line) == 80 for line in wide)
    drawn = [i for i, line in enumerate(wide) if any(s.style for s in line)]
    assert len(drawn) == 20 and drawn[0] == 10  # centred vertically
    tall = halfblock.render_image(Image.new("RGB", (100, 400), RED), 80, 40)
    assert tall[0][0].text == " " * 30 and tall[0][1].cell_length == 20  # centred horizontally
    unpadded = halfblock.render_image(Image.new("RGB", (200, 100), RED), 80, 40, pad=False)
    assert len(unpadded) == 20


def test_odd_pixel_height_leaves_the_last_bottom_half_empty() -> None:
    lines = halfblock.render_image(Image.new("RGB", (3, 3), GREEN), 3, 2)
    cells = _cells(lines)
    assert cells[0] == [(GREEN, GREEN)] * 3
    assert cells[1] == [(GREEN, None)] * 3


def test_256_colour_fallback_uses_xterm_cube_not_theme_colours() -> None:
    lines = halfblock.render_image(_stripes(), 4, 2, color_system="256")
    styles = [seg.style for line in lines for seg in line]
    assert all(s.color.type == ColorType.EIGHT_BIT and s.color.number >= 16 for s in styles)
    assert styles[0].color.number == 196 and styles[0].bgcolor.number == 21  # pure red over pure blue
    assert halfblock.normalise_color_system("EIGHT_BIT") == "256"
    assert halfblock.normalise_color_system("standard") == "truecolor"  # Rich downgrades those at output


def test_render_file_is_cached(make_image) -> None:
    path = make_image("a.png", (300, 200), (10, 200, 30))
    first = halfblock.render_file(path, 40, 20)
    stats = halfblock.cache_stats()
    assert (stats["hits"], stats["misses"]) == (0, 1)
    assert halfblock.render_file(path, 40, 20) is first
    assert halfblock.cache_stats()["hits"] == 1
    other = halfblock.render_file(path, 40, 20, color_system="256")  # another colour system: another entry
    assert other is not first


def test_halfblock_renderable_prints_truecolor(make_image) -> None:
    from rich.console import Console

    console = Console(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=20)
    console.print(halfblock.HalfBlock(halfblock.render_image(_stripes(), 4, 2)))
    out = console.file.getvalue()
    assert "38;2;255;0;0" in out and "48;2;0;0;255" in out and out.count("\n") == 2


# -- the diff -----------------------------------------------------------------------------------


def test_diff_shares_inside_and_outside_a_region() -> None:
    out, ref = _edited()
    exact = diff.diff_images(out, ref, region=(0.2, 0.2, 0.4, 0.6))
    assert exact.changed == pytest.approx(0.08)
    assert exact.changed_inside == pytest.approx(1.0) and exact.changed_outside == pytest.approx(0.0)
    assert exact.preserved_outside == pytest.approx(1.0)
    half = diff.diff_images(out, ref, region=(0.0, 0.0, 0.5, 0.5))
    assert half.changed_inside == pytest.approx(600 / 2500)
    assert half.changed_outside == pytest.approx(200 / 7500)
    assert half.metrics() == {
        "diff_changed": 0.08,
        "diff_changed_inside": 0.24,
        "diff_changed_outside": round(200 / 7500, 4),
    }
    assert "outside region 2.7%" in half.summary()
    heat = exact.heatmap
    assert heat is not None and heat.size == (100, 100)
    r, _g, b = heat.getpixel((30, 40))
    assert r == 255 and b == 0  # changed: hot
    assert heat.getpixel((80, 80))[0] < 60  # unchanged: dim grey


def test_diff_resizes_the_output_to_the_reference(tmp_path: Path) -> None:
    out, ref = _edited()
    out.resize((300, 300), Image.Resampling.NEAREST).save(tmp_path / "out.png")
    ref.save(tmp_path / "ref.png")
    result = diff.diff_files(tmp_path / "out.png", tmp_path / "ref.png")
    assert result.size == (100, 100)
    assert result.changed == pytest.approx(0.08, abs=0.01)


def test_diff_rejects_a_bad_region() -> None:
    out, ref = _edited()
    with pytest.raises(ValueError, match="region"):
        diff.diff_images(out, ref, region=(0.5, 0.5, 0.2, 0.9))
