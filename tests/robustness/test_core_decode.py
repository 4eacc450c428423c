"""``tui.imaging.core_decode`` against Pillow's public path (``decode.decode_small``) as the oracle.

For every file, generated or mangled: either the core path declines (None) or it gives exactly the pixels
``decode_small`` gives. It must not decline the files it exists for, and where Pillow refuses a file the core path
declines it, so the error is still Pillow's words.
"""

from __future__ import annotations

import io
import random
import struct
import types
import zlib
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from PIL import Image

from tests.robustness.fuzz_support import FUZZ, mutate_bytes
from tui.imaging import core_decode
from tui.imaging.ansi_blocks import ansi_lines
from tui.imaging.core_decode import decode_small_core
from tui.imaging.decode import ThumbnailError, decode_small


def picture(mode: str, size: tuple[int, int], seed: int) -> Image.Image:
    """Noise over a gradient: every filter type and every DCT coefficient gets used."""
    rng = random.Random(seed)
    w, h = size
    base = Image.linear_gradient("L").resize(size).convert("RGB")
    noise = Image.frombytes("RGB", size, rng.randbytes(w * h * 3))
    img = Image.blend(base, noise, rng.choice((0.1, 0.5, 1.0)))
    return img.convert(mode)


def png_bytes(img: Image.Image, **params) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", **params)
    return buf.getvalue()


def jpeg_bytes(img: Image.Image, **params) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", **params)
    return buf.getvalue()


def with_chunk(png: bytes, cid: bytes, body: bytes, *, after_image: bool = False, crc: int | None = None) -> bytes:
    """``png`` with one more chunk, right after IHDR or right before IEND."""
    good = zlib.crc32(body, zlib.crc32(cid))
    chunk = struct.pack(">I", len(body)) + cid + body + struct.pack(">I", good if crc is None else crc)
    at = len(png) - 12 if after_image else 8 + 25
    return png[:at] + chunk + png[at:]


def agrees(tmp_path: Path, raw: bytes, max_side: int) -> bool:
    """True when the core path decoded the file (and then, the same pixels as Pillow's path); False when it
    declined. Fails when it decoded a file Pillow refuses, or decoded it differently."""
    path = tmp_path / "image"
    path.write_bytes(raw)
    ours = decode_small_core(str(path), max_side)
    try:
        oracle = decode_small(path, max_side)
    except ThumbnailError as exc:
        assert ours is None, f"Pillow refuses this file ({exc}); the core path must leave it to Pillow"
        return False
    if ours is None:
        return False
    assert oracle.mode == "RGB" and ours.mode == "RGB"
    assert ours.size == oracle.size
    assert ours.tobytes() == oracle.tobytes()
    return True


# -- the files this path exists for come through it, pixel for pixel ------------------------------------------


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("RGB PNG", lambda img: png_bytes(img)),
        ("RGB PNG, fastest compression", lambda img: png_bytes(img, compress_level=1)),
        ("greyscale PNG", lambda img: png_bytes(img.convert("L"))),
        ("PNG with dpi and gamma", lambda img: with_chunk(png_bytes(img, dpi=(72, 72)), b"gAMA", b"\0\0\xb1\x8f")),
        ("PNG with text", lambda img: with_chunk(png_bytes(img), b"tEXt", b"Software\0imgbench")),
        ("PNG, private chunk after the data", lambda img: with_chunk(png_bytes(img), b"caBX", b"c2", after_image=True)),
        ("baseline JPEG", lambda img: jpeg_bytes(img, quality=90)),
        ("progressive JPEG", lambda img: jpeg_bytes(img, quality=75, progressive=True)),
        ("JPEG, 4:4:4", lambda img: jpeg_bytes(img, subsampling=0)),
        ("greyscale JPEG", lambda img: jpeg_bytes(img.convert("L"))),
        ("JPEG with a comment", lambda img: jpeg_bytes(img, comment=b"made here")),
        ("JPEG with restart markers", lambda img: jpeg_bytes(img, restart_marker_blocks=4)),
    ],
)  # fmt: skip
@pytest.mark.parametrize("max_side", [80, 300, 1000])
def test_common_files_come_through_the_core_path(tmp_path: Path, name: str, raw, max_side: int) -> None:
    data = raw(picture("RGB", (701, 463), seed=len(name)))
    assert agrees(tmp_path, data, max_side), f"{name}: declined"


@pytest.mark.parametrize("cores", [1, 2])
def test_the_inflating_thread_changes_no_pixel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cores: int) -> None:
    monkeypatch.setattr(core_decode, "_cores", lambda: cores)
    seen: list[str] = []
    for name in ("_run", "_run_beside_inflate"):
        real = getattr(core_decode, name)
        monkeypatch.setattr(core_decode, name, lambda *a, _real=real, _name=name: seen.append(_name) or _real(*a))
    raw = png_bytes(picture("RGB", (2048, 37), seed=3), compress_level=9)  # many steps of the inflating thread
    assert agrees(tmp_path, raw, 120)
    assert seen == ["_run" if cores == 1 else "_run_beside_inflate"]


# -- what it leaves to Pillow -----------------------------------------------------------------------------------


XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description tiff:Orientation="6"/></x:xmpmeta>'


def _exif_rotated(img: Image.Image) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6
    return jpeg_bytes(img, exif=exif)


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("RGBA PNG", lambda img: png_bytes(img.convert("RGBA"))),
        ("palette PNG", lambda img: png_bytes(img.convert("P"))),
        ("16-bit PNG", lambda img: png_bytes(img.convert("I;16"))),
        ("PNG with a transparent colour", lambda img: png_bytes(img, transparency=(0, 0, 0))),
        ("PNG with an ICC profile", lambda img: png_bytes(img, icc_profile=b"\0" * 200)),
        ("PNG with EXIF", lambda img: png_bytes(img, exif=Image.Exif().tobytes())),
        ("animated PNG", lambda img: _animated(img)),
        ("PNG with a bad checksum", lambda img: with_chunk(png_bytes(img), b"tEXt", b"a\0b", crc=1)),
        ("PNG with a short gAMA", lambda img: with_chunk(png_bytes(img), b"gAMA", b"\0")),
        ("PNG text read back as interlacing", lambda img: with_chunk(png_bytes(img), b"tEXt", b"interlace\x001")),
        ("PNG text read back as transparency", lambda img: with_chunk(png_bytes(img), b"tEXt", b"transparency\x000")),
        ("PNG text read back as a frame's box", lambda img: with_chunk(png_bytes(img), b"tEXt", b"bbox\x001")),
        ("PNG turned by XMP in text", lambda img: with_chunk(png_bytes(img), b"tEXt", b"XML:com.adobe.xmp\0" + XMP)),
        ("JPEG turned by EXIF", _exif_rotated),
        ("JPEG turned by XMP", lambda img: jpeg_bytes(img, xmp=XMP)),
        ("CMYK JPEG", lambda img: jpeg_bytes(img.convert("CMYK"))),
        ("JPEG with an ICC profile", lambda img: jpeg_bytes(img, icc_profile=b"\0" * 200)),
    ],
)  # fmt: skip
def test_what_it_leaves_to_pillow(tmp_path: Path, name: str, raw) -> None:
    data = raw(picture("RGB", (120, 90), seed=7))
    assert not agrees(tmp_path, data, 60), f"{name}: decoded by the core path"


def _animated(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", save_all=True, append_images=[img.rotate(90)])
    return buf.getvalue()


# -- generated and mangled files ---------------------------------------------------------------------------------


# Keys Image.info holds for PNGs or other formats (a tEXt chunk can name any): each is either left to Pillow or
# has to read the same both ways.
INFO_KEYS = [k.encode() for k in ("Software", "parameters", "interlace", "transparency", "bbox", "gamma", "dpi",
             "aspect", "duration", "loop", "disposal", "blend", "srgb", "chromaticity", "exif", "xmp",
             "XML:com.adobe.xmp", "Raw profile type exif", "icc_profile", "default_image", "progressive")]  # fmt: skip


@FUZZ
@given(
    data=st.data(),
    mode=st.sampled_from(["RGB", "L", "RGBA", "P", "LA", "I;16", "1", "CMYK"]),
    size=st.tuples(st.integers(1, 300), st.integers(1, 300)),
    max_side=st.integers(1, 400),
    seed=st.integers(0, 2**16),
)
def test_generated_images_decode_as_pillow_decodes_them(tmp_path_factory, data, mode, size, max_side, seed) -> None:
    img = picture("RGB", size, seed).convert(mode)
    if mode == "CMYK":
        kind = "JPEG"
    elif mode in ("RGBA", "P", "LA", "I;16", "1"):
        kind = "PNG"
    else:
        kind = data.draw(st.sampled_from(["PNG", "JPEG"]))
    if kind == "PNG":
        raw = png_bytes(img, compress_level=data.draw(st.integers(0, 9)))
        if data.draw(st.booleans(), label="a text chunk"):
            key = data.draw(st.sampled_from(INFO_KEYS) | st.binary(min_size=1, max_size=12), label="key")
            value = data.draw(st.sampled_from([b"0", b"1", b"6", XMP]) | st.binary(max_size=12), label="value")
            raw = with_chunk(raw, b"tEXt", key + b"\0" + value, after_image=data.draw(st.booleans()))
    else:
        raw = jpeg_bytes(img, quality=data.draw(st.integers(5, 100)), progressive=data.draw(st.booleans()))
    event("core path" if agrees(tmp_path_factory.mktemp("gen"), raw, max_side) else "left to Pillow")


SEEDS = {
    "png": png_bytes(picture("RGB", (97, 61), 1), dpi=(96, 96)),
    "grey png": png_bytes(picture("L", (64, 80), 2)),
    "jpeg": jpeg_bytes(picture("RGB", (97, 61), 3), comment=b"x"),
    "progressive jpeg": jpeg_bytes(picture("RGB", (160, 90), 4), progressive=True),
}


@FUZZ
@given(data=st.data(), seed=st.sampled_from(sorted(SEEDS)), max_side=st.sampled_from([16, 40, 97]))
def test_mangled_files_are_decoded_as_pillow_decodes_them_or_left_to_it(tmp_path_factory, data, seed, max_side) -> None:
    raw = SEEDS[seed]
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        raw = mutate_bytes(data, raw)
    event("core path" if agrees(tmp_path_factory.mktemp("mangled"), raw, max_side) else "left to Pillow")


def test_every_seed_comes_through_unmangled(tmp_path: Path) -> None:
    """The mangling test proves something only if its seeds take the core path when whole."""
    assert all(agrees(tmp_path, raw, 40) for raw in SEEDS.values())


# -- the command --------------------------------------------------------------------------------------------
# (that its process imports neither PIL.Image nor typing: tests/architecture/test_import_budget.py)


@pytest.mark.parametrize("kind", ["png", "jpeg"])
def test_preview_prints_what_the_public_path_draws(tmp_path: Path, kind: str, capsys) -> None:
    from tui.cli.main import main

    img = picture("RGB", (640, 480), seed=5)
    photo = tmp_path / f"photo.{kind}"
    photo.write_bytes(png_bytes(img) if kind == "png" else jpeg_bytes(img))
    assert decode_small_core(str(photo), 40) is not None  # the core path draws it
    assert main(["preview", str(photo), "--cols", "40", "--rows", "20", "--colors", "truecolor"]) == 0
    expected = ansi_lines(decode_small(photo, 40), 40, 20)
    assert capsys.readouterr().out == "".join(line + "\n" for line in expected)


def test_a_device_or_a_fifo_is_left_to_pillow_unread(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)  # opening it to read would wait for a writer forever
    assert decode_small_core(str(fifo), 40) is None
    assert decode_small_core("/dev/zero", 40) is None  # read whole, it would never end


def test_a_changed_pillow_core_falls_back_to_the_public_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.cli.main import main

    def moved(*args):
        raise TypeError("zip_decoder() takes 3 arguments")  # what a Pillow release changing its C API would raise

    photo = tmp_path / "photo.png"
    photo.write_bytes(png_bytes(picture("RGB", (90, 60), seed=9)))
    assert agrees(tmp_path, photo.read_bytes(), 30)
    real = core_decode.core  # PIL._imaging itself stays whole: the public path uses it
    changed = types.SimpleNamespace(**{name: getattr(real, name) for name in dir(real) if not name.startswith("__")})
    changed.zip_decoder = moved
    monkeypatch.setattr(core_decode, "core", changed)
    assert decode_small_core(str(photo), 30) is None
    assert main(["preview", str(photo), "--cols", "30", "--rows", "10", "--colors", "truecolor"]) == 0


def test_a_core_decoded_picture_draws_as_pillow_s_in_256_colours(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_bytes(picture("RGB", (300, 200), seed=11)))
    raster = decode_small_core(str(photo), 60)
    assert raster is not None
    expected = ansi_lines(decode_small(photo, 60), 60, 20, color_system="256")
    assert ansi_lines(raster, 60, 20, color_system="256") == expected


def test_a_text_chunk_named_transparency_is_a_one_line_error(tmp_path: Path, capsys) -> None:
    """Pillow's own path used to raise a TypeError here (the chunk reaches convert() as a string)."""
    from tui.cli.main import main

    bad = tmp_path / "bad.png"
    bad.write_bytes(with_chunk(png_bytes(picture("RGB", (40, 30), seed=2)), b"tEXt", b"transparency\x000"))
    assert main(["preview", str(bad), "--cols", "20", "--rows", "10"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot decode image" in err
