"""Awkward input spelled out: huge and non-Latin prompts, odd file names, damaged and unusual images."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.robustness.fuzz_support import (
    one_line,
    run_main,
)
from tui.core.store import Store


# -- awkward prompts, names and images -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "prompt",
    [
        "猫がテーブルの上の赤い立方体を見ている。" * 5_000,  # 100,000 CJK characters
        "🐱🟥🧊 a cat 👀 a red cube — ñ, ü, ß, ﬁ, Ω; 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ",
        "x" * 100_000,
        "right-to-left: مكعب أحمر على طاولة زرقاء",
        "zero\u200bwidth and combining e\u0301 and a line\nbreak and a tab\t",
    ],
    ids=["cjk-100k", "emoji", "ascii-100k", "rtl", "invisible"],
)
def test_awkward_prompts_round_trip(fast_demo: Path, prompt: str, tmp_path: Path) -> None:
    code, out, err = run_main(["run", "--prompt", prompt, "--model", "demo:mosaic", "-q"])
    assert code == 0, err
    session_id = out.strip()
    session = Store().load(session_id)
    assert session.cases[0].prompt == prompt.strip()
    assert session.runs[0].status == "succeeded"
    code, out, err = run_main(["sessions", "export", session_id])
    assert code == 0, err
    assert json.loads(out)["cases"][0]["prompt"] == prompt.strip()
    code, out, err = run_main(["sessions", "list", "--json"])
    assert code == 0 and json.loads(out)[0]["id"] == session_id


def test_a_prompt_over_the_limit_is_refused_by_name(fast_demo: Path) -> None:
    code, out, err = run_main(["run", "--prompt", "y" * 200_001, "--model", "demo:mosaic"])
    assert code == 2 and out == ""
    one_line(err.strip())
    assert "--prompt" in err and "200000" in err


@pytest.mark.parametrize(
    "name",
    ["with spaces.png", "ünïcödé 猫.png", "-odd.png", "--very-odd.png", "a=b.png", "ref#1.png", "emoji 🐱.png"],
)
def test_reference_files_with_odd_names(fast_demo: Path, make_image, name: str, monkeypatch, tmp_path) -> None:
    path = make_image(name, (50, 40))
    monkeypatch.chdir(path.parent)
    for ref in (f"--ref={name}", f"--ref={path}"):
        code, out, err = run_main(["run", "--prompt", "a cat", ref, "--model", "demo:mosaic", "-q"])
        assert code == 0, f"{ref}: {err}"
        session = Store().load(out.strip())
        (reference,) = session.cases[0].references
        assert reference.filename == name and session.runs[0].status == "succeeded"


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    import struct
    import zlib

    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_header_only(width: int, height: int) -> bytes:
    """A well-formed PNG that claims ``width`` x ``height`` and holds (almost) no pixel data."""
    import struct
    import zlib

    ihdr = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + ihdr + _png_chunk(b"IDAT", zlib.compress(b"\0" * 16)) + _png_chunk(b"IEND", b"")


def awkward_images(folder: Path) -> dict[str, Path]:
    """Every kind of image file a person might pick by mistake, or on purpose."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    made: dict[str, Path] = {}

    def save(name: str, image: Image.Image, **kwargs: Any) -> None:
        image.save(folder / name, **kwargs)
        made[name] = folder / name

    save("cmyk.jpg", Image.new("CMYK", (40, 30), (10, 200, 30, 0)))
    save("16bit.png", Image.new("I;16", (40, 30), 40_000))
    save("transparent.png", Image.new("RGBA", (40, 30), (255, 0, 0, 0)))
    save("palette.png", Image.new("P", (40, 30), 3))
    save("grey.png", Image.new("L", (40, 30), 128))
    frames = [Image.new("RGB", (40, 30), (i * 60, 0, 0)) for i in range(4)]
    save("animated.gif", frames[0], save_all=True, append_images=frames[1:], duration=50, loop=0)
    save("animated.webp", frames[0], save_all=True, append_images=frames[1:], duration=50)
    save("tiny.png", Image.new("RGB", (1, 1)))
    save("bmp-file.bmp", Image.new("RGB", (40, 30)))
    save("tiff-file.tif", Image.new("RGB", (40, 30)))
    whole = io.BytesIO()
    Image.new("RGB", (64, 64), (9, 9, 9)).save(whole, "PNG")
    for name, data in {
        "truncated.png": whole.getvalue()[: len(whole.getvalue()) // 2],
        "header-only.png": whole.getvalue()[:33],
        "zero-byte.png": b"",
        "text.png": b"this is not an image, it only has the name of one\n",
        "html.png": b"<!doctype html><title>404</title>",
        "bomb.png": png_header_only(100_000, 100_000),  # 10 gigapixels claimed in a 70-byte file
        "wide.png": png_header_only(9_000, 8_000),  # 72 MP: under Pillow's bomb limit, over imgbench's
        "jpeg-named.png": (folder / "cmyk.jpg").read_bytes(),
        "truncated.jpg": _noisy_jpeg()[:-2000],  # verify() alone would pass it: the scan data is cut
    }.items():
        (folder / name).write_bytes(data)
        made[name] = folder / name
    (folder / "a-directory.png").mkdir()
    made["a-directory.png"] = folder / "a-directory.png"
    made["missing.png"] = folder / "missing.png"
    return made


def _noisy_jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((160, 120), 60).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


# What each awkward file gets: accepted (with the format it is stored as), or refused with these words.
AWKWARD_OUTCOME = {
    "cmyk.jpg": "JPEG",
    "16bit.png": "PNG",
    "transparent.png": "PNG",
    "palette.png": "PNG",
    "grey.png": "PNG",
    "animated.gif": "GIF",
    "animated.webp": "WEBP",
    "tiny.png": "PNG",
    "jpeg-named.png": "JPEG",  # the content decides, not the name
    "bmp-file.bmp": "is BMP; supported: PNG, JPEG, WEBP, GIF",
    "tiff-file.tif": "is TIFF; supported: PNG, JPEG, WEBP, GIF",
    "truncated.png": "is damaged",
    "truncated.jpg": "is damaged: image file is truncated",
    "header-only.png": "is not an image",
    "zero-byte.png": "is empty",
    "text.png": "is not an image",
    "html.png": "is not an image",
    "bomb.png": "decompression bomb",
    "wide.png": "is 9000x8000, over the 64 megapixel limit",
    "a-directory.png": "not a file",
    "missing.png": "no such file",
}


def test_awkward_images_as_references(fast_demo: Path, tmp_path: Path) -> None:
    made = awkward_images(tmp_path / "awkward")
    assert set(made) == set(AWKWARD_OUTCOME)
    for name, path in made.items():
        code, out, err = run_main(["run", "--prompt", "restyle this", "--ref", str(path), "--model", "demo:mosaic"])
        expected = AWKWARD_OUTCOME[name]
        if expected.isupper():
            assert code == 0, f"{name}: {err}"
            session = Store().load(out.strip())
            (ref,) = session.cases[0].references
            assert ref.format == expected and ref.filename == name
            assert session.runs[0].status == "succeeded", name
        else:
            assert code == 2 and out == "", f"{name}: exit {code}: {err}"
            one_line(err.strip())
            assert err.startswith(f"imgbench: error: {path}: "), f"{name}: {err!r}"
            assert expected in err, f"{name}: {err!r}"
