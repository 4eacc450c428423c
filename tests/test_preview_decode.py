"""Previews: thumbnails, and decoding damaged, huge and unusual images."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from tests.preview_support import BLUE, GREEN, RED, _near
from tui.imaging import halfblock, thumbs

pytestmark = pytest.mark.usefixtures("fresh_preview_caches")


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
