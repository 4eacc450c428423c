"""Preview thumbnails: decoded once, cached on disk by content hash and size bucket.

Decoding a 2048² PNG costs ~80 ms and a 4096² one ~350 ms (reference/terminal-images.md §5.2), so
previews never read the original twice: the runner makes the small buckets right after it stores
an output, and every later preview opens a JPEG of at most a few hundred pixels (~1 ms).

No Textual here. Every failure is a ``ThumbnailError`` with one line a person can act on; callers
show it in place of the image, they never crash on a bad file.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core import paths
from tui.core.atomic import atomic_write

if TYPE_CHECKING:
    from PIL.Image import Image

# Size buckets (longest side, pixels). 128 covers an 80×40-cell half-block preview (80×80 px),
# 512 a full-screen zoom in half-blocks, 1024/2048 the graphics protocols (cells × cell pixels).
SIDES: tuple[int, ...] = (128, 512, 1024, 2048)
SAVE_TIME_SIDES: tuple[int, ...] = (128, 512)
# Measured against a full LANCZOS on a noisy 1024x1536 image: 1.5 stays within 39-45 dB PSNR (invisible once the
# cells are drawn) at half the time of 2.0, the bucket a burst of finishing runs waits on.
REDUCING_GAP = 1.5
MAX_PIXELS = 64_000_000  # the same limit as tui.core.images: 8000×8000
CACHE_VERSION = "v1"  # bump when the thumbnail recipe changes; old files are then ignored
BACKGROUND = ((56, 56, 60), (84, 84, 90))  # neutral dark checker behind transparent pixels

_ORIENTATION_TAG = 0x0112


class ThumbnailError(ValueError):
    """An image that cannot be previewed; ``str()`` is one line without the file's path."""


def thumbs_dir() -> Path:
    return paths.cache_dir() / "thumbs" / CACHE_VERSION


def bucket_for(max_side: int) -> int:
    """The smallest bucket at least ``max_side`` wide, or the largest one."""
    for side in SIDES:
        if side >= max_side:
            return side
    return SIDES[-1]


def cache_path(sha256: str, side: int) -> Path:
    if len(sha256) < 8 or not all(c in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return thumbs_dir() / sha256[:2] / f"{sha256}-{side}.jpg"


_sha_memo: OrderedDict[tuple[str, int, int], str] = OrderedDict()


def file_sha256(path: Path) -> str:
    """The file's sha256, remembered per (path, mtime, size): callers that know it should pass it."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ThumbnailError("no such file") from None
    except OSError as exc:
        raise ThumbnailError(f"cannot read: {exc.strerror}") from None
    key = (os.fspath(path), st.st_mtime_ns, st.st_size)
    if (known := _sha_memo.get(key)) is not None:
        return known
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except IsADirectoryError:
        raise ThumbnailError("is a directory, not an image") from None
    except OSError as exc:
        raise ThumbnailError(f"cannot read: {exc.strerror}") from None
    _sha_memo[key] = digest.hexdigest()
    while len(_sha_memo) > 1024:
        _sha_memo.popitem(last=False)
    return _sha_memo[key]


# -- decoding -----------------------------------------------------------------------------------


def _pixel_limit() -> int:
    from PIL import Image

    # Pillow's own limit is honoured too, so a caller (or a test) can tighten it.
    pillow = Image.MAX_IMAGE_PIXELS
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
    if w * h > _pixel_limit():
        img.close()
        raise ThumbnailError(f"{w}x{h} is too large to decode safely (limit {_pixel_limit():,} pixels)")
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
        w, h = img.size
        scale = min(1.0, max_side / max(w, h))
        target = (max(1, round(w * scale)), max(1, round(h * scale)))
        try:
            if img.format == "JPEG" and scale < 0.5:
                img.draft(None, (target[0] * 2, target[1] * 2))
            img.load()  # frame 0 of an animation
            # Palette and tRNS transparency live in img.info, which reduce()/resize() drop: expand first.
            if img.mode in ("P", "PA") or "transparency" in img.info:
                small = img.convert("RGBA")
            elif img.mode == "1":
                small = img.convert("L")
            else:
                small = _to_8bit(img)
            # Box-reduce to within REDUCING_GAP x the target, LANCZOS the rest (Pillow's reducing_gap); an exact
            # integer ratio (1024 -> 512) is box-averaged all the way, which is the area-true result.
            ratio = min(small.size[0] / target[0], small.size[1] / target[1])
            exact = small.size[0] // target[0]
            if exact >= 2 and small.size == (target[0] * exact, target[1] * exact):
                factor = exact
            else:
                factor = int(ratio / REDUCING_GAP)
            if factor >= 2:
                small = small.reduce(factor)
            if small.size != target:
                small = small.resize(target, Image.Resampling.LANCZOS)
            small = flatten(small)
            if small is img and img is not source:
                small = img.copy()  # the file handle closes below; keep the pixels
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ThumbnailError("too large to decode safely (decompression bomb?)") from None
        except MemoryError:
            raise ThumbnailError("not enough memory to decode this image") from None
        except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
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


def _encode(img: Image) -> bytes:
    out = io.BytesIO()
    # 4:4:4 chroma: at 128 px a colour edge is a few pixels wide, subsampling would smear it.
    img.save(out, "JPEG", quality=90, subsampling=0, optimize=False)
    return out.getvalue()


# -- the cache ----------------------------------------------------------------------------------

_key_locks: dict[str, threading.Lock] = {}
_key_locks_guard = threading.Lock()
_failures: OrderedDict[str, str] = OrderedDict()  # sha256 -> message, so a bad 50 MB file is read once


def _lock_for(key: str) -> threading.Lock:
    with _key_locks_guard:
        if len(_key_locks) > 4096:
            _key_locks.clear()
        return _key_locks.setdefault(key, threading.Lock())


def _remember_failure(sha256: str, message: str) -> None:
    with _key_locks_guard:
        _failures[sha256] = message
        while len(_failures) > 256:
            _failures.popitem(last=False)


def make_thumbnails(path: Path, sha256: str | None = None, sides: tuple[int, ...] = SAVE_TIME_SIDES) -> list[Path]:
    """Decode ``path`` once and write every bucket in ``sides`` that is missing; the cached paths.

    Meant for the runner, in a worker thread, right after ``Store.write_output``. Raises
    ThumbnailError for an image that cannot be previewed (the run itself is still fine).
    """
    sha256 = sha256 or file_sha256(path)
    with _lock_for(sha256):
        if sha256 in _failures:
            raise ThumbnailError(_failures[sha256])
        wanted = sorted(set(sides), reverse=True)
        missing = [s for s in wanted if not cache_path(sha256, s).exists()]
        if missing:
            try:
                img = decode_small(path, missing[0])
            except ThumbnailError as exc:
                _remember_failure(sha256, str(exc))
                raise
            # Each smaller bucket from the previous one: one decode of the original in total.
            for side in missing:
                if max(img.size) > side:
                    img = decode_small(img, side)
                atomic_write(cache_path(sha256, side), _encode(img), durable=False)  # a cache: no fsync
        return [cache_path(sha256, s) for s in wanted]


def thumbnail_for(path: Path, sha256: str | None = None, max_side: int = 128) -> Path:
    """The cached thumbnail of ``path`` in the bucket for ``max_side``, made now if missing."""
    sha256 = sha256 or file_sha256(path)
    side = bucket_for(max_side)
    target = cache_path(sha256, side)
    if target.exists():
        return target
    # A larger bucket already on disk is a much cheaper source than the original.
    for larger in SIDES:
        if larger > side and (source := cache_path(sha256, larger)).exists():
            try:
                img = decode_small(source, side)
            except ThumbnailError:
                break  # a damaged cache file: fall back to the original
            atomic_write(target, _encode(img), durable=False)
            return target
    return make_thumbnails(path, sha256, (side,))[0]


def load_thumbnail(path: Path, sha256: str | None = None, max_side: int = 128) -> Image:
    """The thumbnail as a loaded RGB image (decoded from the cache file; ~1 ms at 128 px)."""
    sha256 = sha256 or file_sha256(path)
    for attempt in range(2):
        thumb = thumbnail_for(path, sha256, max_side)
        try:
            return decode_small(thumb, bucket_for(max_side))
        except ThumbnailError:
            if attempt:
                raise
            thumb.unlink(missing_ok=True)  # damaged on disk (a full disk, a crash): make it again
    raise AssertionError("unreachable")


def cache_size() -> int:
    """Bytes used by the thumbnail cache."""
    total = 0
    for root, _dirs, files in os.walk(thumbs_dir()):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def prune(max_bytes: int = 512 * 1024 * 1024) -> int:
    """Delete the least recently modified thumbnails until the cache fits; the bytes freed."""
    entries: list[tuple[float, int, str]] = []
    for root, _dirs, files in os.walk(thumbs_dir()):
        for name in files:
            full = os.path.join(root, name)
            try:
                st = os.stat(full)
            except OSError:
                continue
            entries.append((max(st.st_atime, st.st_mtime), st.st_size, full))
    total = sum(size for _, size, _ in entries)
    freed = 0
    for _, size, full in sorted(entries):
        if total - freed <= max_bytes:
            break
        try:
            os.unlink(full)
            freed += size
        except OSError:
            pass
    return freed
