"""Checking image files and bytes before they enter a session. Header reads only: no full decode."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from tui.core.validation import InputError

MAX_REFERENCE_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 64_000_000  # 8000x8000; larger is a decompression bomb or not a reference anyone means
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}


@dataclass(frozen=True)
class ImageInfo:
    format: str  # PNG, JPEG, WEBP, GIF
    width: int
    height: int

    @property
    def mime(self) -> str:
        return FORMATS[self.format]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


def inspect_bytes(data: bytes, *, what: str = "image") -> ImageInfo:
    """Format and size from the header, or ValueError saying what is wrong with it."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise ValueError(f"{what} is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                fmt, (width, height) = img.format or "", img.size
                if fmt == "JPEG":
                    # verify() does not read JPEG scans: decode at 1/8 scale (DCT scaling, ~1 ms for 1024²),
                    # which still reads every byte and raises on a cut-off file.
                    img.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                    img.load()
                else:
                    img.verify()  # a cut-off or corrupt file (PNG chunk CRCs); cheap: no pixels are decoded
    except UnidentifiedImageError:
        raise ValueError(f"{what} is not an image Pillow can read") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValueError(f"{what} is too large to decode safely (decompression bomb?)") from None
    except (OSError, SyntaxError) as exc:
        raise ValueError(f"{what} is damaged: {exc}") from None
    if fmt not in FORMATS:
        raise ValueError(f"{what} is {fmt or 'an unknown format'}; supported: {', '.join(FORMATS)}")
    if width * height > MAX_PIXELS:
        raise ValueError(f"{what} is {width}x{height}, over the {MAX_PIXELS // 1_000_000} megapixel limit")
    return ImageInfo(fmt, width, height)


def read_reference(path: Path) -> tuple[bytes, ImageInfo]:
    """A reference file's bytes and header, or an InputError naming the file."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise InputError("not a file", file=path)
        if size > MAX_REFERENCE_BYTES:
            raise InputError(
                f"{size / 1e6:.0f} MB is over the {MAX_REFERENCE_BYTES // 2**20} MiB limit for references", file=path
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", file=path) from None
    except PermissionError:
        raise InputError("permission denied", file=path) from None
    except IsADirectoryError:
        raise InputError("is a directory, not an image", file=path) from None
    try:
        return data, inspect_bytes(data, what="file")
    except ValueError as exc:
        raise InputError(str(exc).removeprefix("file "), file=path) from None


def clean_png(data: bytes, *, max_side: int | None = None) -> tuple[bytes, int, int]:
    """The pixels alone, as a PNG with no ancillary chunks (no text, exif, C2PA or ICC that could name who made
    it): what a blind packet carries, and what an AI judge is shown. ``max_side`` scales a larger image down."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        img.seek(0)
        frame = img.convert("RGBA" if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info else "RGB")
    if max_side and max(frame.size) > max_side:
        scale = max_side / max(frame.size)
        frame = frame.resize((max(1, round(frame.width * scale)), max(1, round(frame.height * scale))))
    out = io.BytesIO()
    frame.save(out, "PNG", optimize=False)  # no pnginfo, exif, icc_profile or dpi given: none is written
    return out.getvalue(), frame.width, frame.height
