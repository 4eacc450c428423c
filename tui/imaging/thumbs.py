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
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core import paths
from tui.core.atomic import atomic_write
from tui.imaging.decode import (  # noqa: F401  (the decoding half used to live here; callers import it from here)
    BACKGROUND,
    MAX_PIXELS,
    REDUCING_GAP,
    ThumbnailError,
    checker,
    decode_small,
    flatten,
    open_image,
)

if TYPE_CHECKING:
    from PIL.Image import Image

# Size buckets (longest side, pixels). 128 covers an 80×40-cell half-block preview (80×80 px),
# 512 a full-screen zoom in half-blocks, 1024/2048 the graphics protocols (cells × cell pixels).
SIDES: tuple[int, ...] = (128, 512, 1024, 2048)
SAVE_TIME_SIDES: tuple[int, ...] = (128, 512)
CACHE_VERSION = "v1"  # bump when the thumbnail recipe changes; old files are then ignored


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
        try:
            thumb = thumbnail_for(path, sha256, max_side)
        except OSError:
            # The cache cannot be written (a full disk, a read-only or broken cache dir): the preview is still
            # owed, from the original, only not kept.
            return decode_small(path, bucket_for(max_side))
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
