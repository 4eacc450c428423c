"""Previews: thumbnails, the half-block renderer, graphics detection, the diff, `imgbench preview`, ImageView."""

from __future__ import annotations

import io
import struct
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image
from rich.color import ColorType

from tui import diff, graphics, halfblock, thumbs


@pytest.fixture(autouse=True)
def _fresh_caches():
    halfblock.cache_clear()
    thumbs._failures.clear()
    graphics.reset()
    yield
    graphics.reset()


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

RED, BLUE, GREEN, WHITE, BLACK = (255, 0, 0), (0, 0, 255), (0, 160, 0), (255, 255, 255), (0, 0, 0)


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


# -- thumbnails ---------------------------------------------------------------------------------


def test_thumbnails_are_cached_by_hash_and_bucket(make_image) -> None:
    path = make_image("big.png", (1000, 600), (40, 90, 200))
    sha = thumbs.file_sha256(path)
    made = thumbs.make_thumbnails(path, sha)
    assert [p.name for p in made] == [f"{sha}-512.jpg", f"{sha}-128.jpg"]
    assert all(p.is_relative_to(thumbs.thumbs_dir()) for p in made)
    with Image.open(made[1]) as small:
        assert small.size == (128, 77)
    path.unlink()  # from now on only the cache can answer
    assert thumbs.thumbnail_for(path, sha, max_side=100) == made[1]
    img = thumbs.load_thumbnail(path, sha, max_side=300)  # the 512 bucket
    assert img.mode == "RGB" and img.size == (512, 307)


def test_decompression_bomb_is_refused(make_image, monkeypatch) -> None:
    path = make_image("bomb.png", (200, 200))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(thumbs.ThumbnailError, match="too large to decode safely"):
        thumbs.make_thumbnails(path)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_png_header_claiming_huge_dimensions_is_refused(tmp_path: Path) -> None:
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
    path = tmp_path / "huge.png"
    path.write_bytes(data)
    with pytest.raises(thumbs.ThumbnailError, match="too large"):
        thumbs.make_thumbnails(path)
    with pytest.raises(thumbs.ThumbnailError):  # remembered: not decoded again
        thumbs.make_thumbnails(path)


def test_truncated_png_gives_a_clear_message(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.effect_noise((400, 400), 64).convert("RGB").save(buf, "PNG")
    path = tmp_path / "cut.png"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(thumbs.ThumbnailError, match="truncated"):
        thumbs.make_thumbnails(path)
    with pytest.raises(thumbs.ThumbnailError):
        halfblock.render_file(path, 20, 10)


def test_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    path.write_bytes(b"hello")
    with pytest.raises(thumbs.ThumbnailError, match="not an image"):
        thumbs.make_thumbnails(path)


def _near(a: tuple[int, ...], b: tuple[int, ...], tol: int = 12) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def test_cmyk_jpeg(tmp_path: Path) -> None:
    path = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (300, 300), (0, 255, 255, 0)).save(path, "JPEG", quality=95)  # red in CMYK
    img = thumbs.load_thumbnail(path, max_side=128)
    assert img.mode == "RGB" and _near(img.getpixel((64, 64)), (255, 0, 0), 30)


def test_16_bit_png_is_scaled_not_clipped(tmp_path: Path) -> None:
    path = tmp_path / "deep.png"
    Image.new("I;16", (200, 100), 32768).save(path)  # mid grey in 16 bits
    img = thumbs.load_thumbnail(path, max_side=128)
    assert _near(img.getpixel((10, 10)), (128, 128, 128), 4)  # a naive convert("L") gives 255


def test_animated_gif_shows_its_first_frame(tmp_path: Path) -> None:
    path = tmp_path / "anim.gif"
    frames = [Image.new("RGB", (64, 64), c) for c in (RED, BLUE, GREEN)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    img = thumbs.load_thumbnail(path, max_side=128)
    assert _near(img.getpixel((32, 32)), RED)


def test_animated_webp_shows_its_first_frame(tmp_path: Path) -> None:
    path = tmp_path / "anim.webp"
    frames = [Image.new("RGB", (64, 64), c) for c in (BLUE, RED)]
    frames[0].save(path, "WEBP", save_all=True, append_images=frames[1:], duration=100, lossless=True)
    with Image.open(path) as check:
        assert getattr(check, "n_frames", 1) == 2
    img = thumbs.load_thumbnail(path, max_side=128)
    assert _near(img.getpixel((32, 32)), BLUE)


def test_transparent_png_sits_on_the_checker(tmp_path: Path) -> None:
    path = tmp_path / "alpha.png"
    img = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    img.paste((255, 0, 0, 255), (64, 64, 192, 192))
    img.save(path)
    thumb = thumbs.load_thumbnail(path, max_side=128)
    assert thumb.mode == "RGB"
    assert any(_near(thumb.getpixel((4, 4)), bg, 6) for bg in thumbs.BACKGROUND)
    assert _near(thumb.getpixel((64, 64)), RED, 20)
    palette = tmp_path / "pal.png"
    img.convert("P").save(palette, transparency=0)
    assert thumbs.load_thumbnail(palette, max_side=64).mode == "RGB"


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown portrait
    Image.new("RGB", (400, 200), GREEN).save(path, "JPEG", exif=exif)
    assert thumbs.load_thumbnail(path, max_side=128).size == (64, 128)


def test_prune_keeps_the_cache_bounded(make_image) -> None:
    for i in range(3):
        thumbs.make_thumbnails(make_image(f"p{i}.png", (600, 600), (i * 80, 10, 10)))
    assert thumbs.cache_size() > 0
    thumbs.prune(max_bytes=0)
    assert thumbs.cache_size() == 0


# -- the diff -----------------------------------------------------------------------------------


def _edited(size: tuple[int, int] = (100, 100)) -> tuple[Image.Image, Image.Image]:
    ref = Image.new("RGB", size, (120, 120, 120))
    out = ref.copy()
    out.paste((200, 40, 40), (20, 20, 40, 60))  # 20×40 = 800 changed pixels
    out.paste((130, 126, 114), (60, 60, 100, 100))  # a small drift (≤ 10) everywhere else: not a change
    return out, ref


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


# -- graphics detection -------------------------------------------------------------------------


def test_importing_graphics_does_not_import_textual_image() -> None:
    code = "import sys, tui.graphics; print('textual_image' in sys.modules, 'textual' in sys.modules)"
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
    from tui.cli import main

    path = make_image("p.png", (120, 60), (250, 10, 10))
    assert main(["preview", str(path), "--cols", "30", "--rows", "10", "--colors", "truecolor"]) == 0
    out = capsys.readouterr().out
    assert "▀" in out and "38;2;250;10;1" in out  # via a JPEG thumbnail: within a unit or two
    assert len(out.strip("\n").split("\n")) == 8  # 30×15 px: 8 rows, no vertical padding


def test_cli_preview_bad_file_is_one_line_and_exit_2(tmp_path: Path, capsys) -> None:
    from tui.cli import main

    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    assert main(["preview", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err
    assert main(["preview", str(tmp_path / "missing.png")]) == 2
    assert "no such file or session" in capsys.readouterr().err


def test_cli_preview_a_session_grid(fast_demo, capsys) -> None:
    from tui.cli import main

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


async def test_image_view_shows_an_image_in_truecolor(make_image) -> None:
    from textual.app import App, ComposeResult

    from tui.widgets.image_view import ImageView

    path = make_image("w.png", (200, 100), (30, 160, 220))

    class Demo(App[None]):
        def compose(self) -> ComposeResult:
            yield ImageView(id="img")

    app = Demo()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(ImageView)
        view.show(path)
        for _ in range(50):
            await pilot.pause(0.02)
            if view._lines:
                break
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
async def test_image_view_uses_textual_image_in_a_graphics_mode(make_image, monkeypatch) -> None:
    pytest.importorskip("textual_image", reason="textual-image needs Python 3.12+")
    from textual.app import App, ComposeResult

    from tui.widgets.image_view import ImageView

    monkeypatch.setattr(sys.__stdout__, "write", lambda data: len(data))  # the Kitty payload goes straight out
    result = graphics.detect("kitty", env={"TERM": "xterm-kitty"}, isatty=True)
    assert result.mode == "kitty" and "textual_image.widget" in sys.modules
    path = make_image("g.png", (300, 150), (200, 30, 30))

    class Demo(App[None]):
        def compose(self) -> ComposeResult:
            yield ImageView(id="img")

    app = Demo()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(ImageView)
        view.show(path)
        for _ in range(50):
            await pilot.pause(0.02)
            if view._graphic is not None:
                break
        assert type(view._graphic).__name__ == "TGPImage"
        assert view._graphic.styles.width.value <= 80 and view._graphic.styles.height.value <= 24
        view.show(None, "gone")
        await pilot.pause(0.05)
        assert view._graphic is None
