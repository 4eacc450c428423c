"""Decoding an image for a preview, cheaply and safely: header checks, JPEG draft, box-reduce, then LANCZOS.

The half of the thumbnail machinery that touches no disk but the image itself (``thumbs`` adds the cache), so a
one-off preview (``imgbench preview FILE``) imports only this and Pillow.
"""

from __future__ import annotations

import io
import sys
import warnings

TYPE_CHECKING = False  # not typing's: `imgbench preview FILE` is a short process that never needs it
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Protocol, TypeVar

    from PIL.Image import Image

    _S = TypeVar("_S", bound="Shrinkable")

    class Shrinkable(Protocol):
        """A PIL image, or core_decode's Raster (which imports this module, so it is not named here)."""

        @property
        def size(self) -> tuple[int, int]: ...
        def reduce(self: _S, factor: int) -> _S: ...
        def resize(self: _S, size: tuple[int, int], resample: int) -> _S: ...


MAX_PIXELS = 64_000_000  # the same limit as tui.core.images: 8000×8000
BACKGROUND = ((56, 56, 60), (84, 84, 90))  # neutral dark checker behind transparent pixels
# Measured against a full LANCZOS on a noisy 1024x1536 image: 1.5 stays within 39-45 dB PSNR (invisible once the
# cells are drawn) at half the time of 2.0, the bucket a burst of finishing runs waits on.
REDUCING_GAP = 1.5
LANCZOS, BICUBIC = 1, 3  # PIL.Image.Resampling's values, for code that does not import PIL.Image (core_decode)
_ORIENTATION_TAG = 0x0112


class ThumbnailError(ValueError):
    """An image that cannot be previewed; ``str()`` is one line without the file's path."""


# -- decoding -----------------------------------------------------------------------------------


def pixel_limit() -> int:
    # Pillow's own limit is honoured too, so a caller (or a test) can tighten it. Read where PIL.Image is loaded
    # (always, once open_image has run): the core decode must not import it just for this.
    pillow = getattr(sys.modules.get("PIL.Image"), "MAX_IMAGE_PIXELS", None)
    return min(MAX_PIXELS, int(pillow)) if pillow else MAX_PIXELS


def open_image(source: Path | bytes) -> Image:
    """Open (header only) with decompression-bomb and format checks turned into ThumbnailError."""
    from PIL import Image, UnidentifiedImageError

    fp = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(fp)
    except FileNotFoundError:
        raise ThumbnailError("no such file") from None
    except IsADirectoryError:
        raise ThumbnailError("is a directory, not an image") from None
    except PermissionError:
        raise ThumbnailError("permission denied") from None
    except UnidentifiedImageError:
        raise ThumbnailError("not an image Pillow can read") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ThumbnailError("too large to decode safely (decompression bomb?)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ThumbnailError(f"damaged image: {exc}") from None
    w, h = img.size
    if w < 1 or h < 1:
        img.close()
        raise ThumbnailError("image has no pixels")
    if w * h > pixel_limit():
        img.close()
        raise ThumbnailError(f"{w}x{h} is too large to decode safely (limit {pixel_limit():,} pixels)")
    return img


def _to_8bit(img: Image) -> Image:
    """Modes whose naive convert() clips or fails: 16-bit greys, 32-bit ints, floats."""
    if img.mode.startswith("I;16"):
        # convert("L") clips every value above 255 to white; scale 0..65535 to 0..255 instead.
        return img.convert("I").point(lambda v: v / 256).convert("L")
    if img.mode in ("I", "F"):
        low, high = img.getextrema()
        span = (high - low) or 1
        return img.point(lambda v: (v - low) * 255 / span).convert("L")
    return img


def checker(size: tuple[int, int], square: int | None = None) -> Image:
    """A neutral two-tone checkerboard, the usual sign of 'transparent here'."""
    from PIL import Image

    w, h = size
    square = square or max(2, round(max(w, h) / 16))  # proportional, so every bucket looks alike
    tile = Image.new("RGB", (square * 2, square * 2), BACKGROUND[0])
    tile.paste(BACKGROUND[1], (square, 0, square * 2, square))
    tile.paste(BACKGROUND[1], (0, square, square, square * 2))
    board = Image.new("RGB", (w, h))
    for y in range(0, h, square * 2):
        for x in range(0, w, square * 2):
            board.paste(tile, (x, y))
    return board


def flatten(img: Image) -> Image:
    """Any mode to RGB; transparency is composited on the checker."""
    img = _to_8bit(img)
    if img.mode == "RGB":
        return img
    has_alpha = img.mode in ("RGBA", "LA", "La", "RGBa", "PA") or "transparency" in img.info
    if not has_alpha:
        return img.convert("RGB")
    rgba = img.convert("RGBA")
    board = checker(rgba.size)
    board.paste(rgba, (0, 0), rgba)
    return board


_TRANSPOSE = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE", 6: "ROTATE_270",
              7: "TRANSVERSE", 8: "ROTATE_90"}  # fmt: skip


def _orientation(img: Image) -> int:
    try:
        return int(img.getexif().get(_ORIENTATION_TAG, 1))
    except Exception:  # a broken EXIF block must not cost the preview
        return 1


def target_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """``size`` scaled to fit ``max_side`` on its longest side, never up."""
    w, h = size
    scale = min(1.0, max_side / max(w, h))
    return (max(1, round(w * scale)), max(1, round(h * scale)))


def draft_request(size: tuple[int, int], max_side: int) -> tuple[int, int] | None:
    """The size a JPEG's DCT-domain draft is asked for (twice the target), or None when it would not help."""
    if max_side / max(size) >= 0.5:
        return None
    target = target_size(size, max_side)
    return (target[0] * 2, target[1] * 2)


def shrink(img: _S, target: tuple[int, int]) -> _S:
    """Box-reduce by an integer factor, then LANCZOS the rest to ``target``.

    Within REDUCING_GAP x the target, LANCZOS does the rest (Pillow's reducing_gap); an exact integer ratio
    (1024 -> 512) is box-averaged all the way, which is the area-true result.
    """
    exact = img.size[0] // target[0]
    if exact >= 2 and img.size == (target[0] * exact, target[1] * exact):
        factor = exact
    else:
        factor = int(min(img.size[0] / target[0], img.size[1] / target[1]) / REDUCING_GAP)
    if factor >= 2:
        img = img.reduce(factor)
    if img.size != target:
        img = img.resize(target, LANCZOS)
    return img


def decode_small(source: Path | bytes | Image, max_side: int) -> Image:
    """Decode to an upright RGB image whose longest side is at most ``max_side``, cheaply.

    JPEG ``draft`` decodes at 1/2..1/8 scale in the DCT domain, ``reduce`` box-averages by an
    integer factor before any mode conversion (so no full-size RGBA copy is ever made), and a
    final LANCZOS brings it to size. Never upscales.
    """
    from PIL import Image

    img = source if isinstance(source, Image.Image) else open_image(source)
    try:
        orientation = _orientation(img)
        target = target_size(img.size, max_side)
        try:
            if img.format == "JPEG" and (request := draft_request(img.size, max_side)):
                img.draft(None, request)
            img.load()  # frame 0 of an animation
            # Palette and tRNS transparency live in img.info, which reduce()/resize() drop: expand first.
            if img.mode in ("P", "PA") or "transparency" in img.info:
                small = img.convert("RGBA")
            elif img.mode == "1":
                small = img.convert("L")
            else:
                small = _to_8bit(img)
            small = flatten(shrink(small, target))
            if small is img and img is not source:
                small = img.copy()  # the file handle closes below; keep the pixels
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ThumbnailError("too large to decode safely (decompression bomb?)") from None
        except MemoryError:
            raise ThumbnailError("not enough memory to decode this image") from None
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as exc:
            # TypeError: a PNG text chunk named "transparency" reaches convert() as a string
            text = str(exc)
            if "truncated" in text or isinstance(exc, EOFError):
                raise ThumbnailError("truncated image file (the download or write did not finish?)") from None
            raise ThumbnailError(f"cannot decode image: {text or type(exc).__name__}") from None
    finally:
        if img is not source:
            img.close()
    if orientation in _TRANSPOSE:
        small = small.transpose(getattr(Image.Transpose, _TRANSPOSE[orientation]))
    return small
