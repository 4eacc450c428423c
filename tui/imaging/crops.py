"""A loupe's crop of the full-size image, scaled to the drawn pixels it gets (run in a worker thread).

The thumbnails are too small for a loupe, so this decodes the original (once: panning re-crops the
decoded image from a small cache). Magnified crops use NEAREST, so an image pixel stays one flat block
and at 1:1 the drawn pixels are the image's own; reduced crops use a box filter (an average, no ringing).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from PIL.Image import Image

from tui.imaging import thumbs
from tui.imaging.loupe import View

_CACHE_SIZE = 2  # the output and its reference
_cache: OrderedDict[tuple[str, int, int], Image] = OrderedDict()
_lock = threading.Lock()


def image_size(path: Path) -> tuple[int, int]:
    """The image's size from its header (no decode)."""
    img = thumbs.open_image(path)
    try:
        return img.size
    finally:
        img.close()


def full_image(path: Path) -> Image:
    """The whole image, decoded, RGB, orientation applied as the thumbnails do; cached by path and mtime."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    img = thumbs.open_image(path)
    try:
        img.load()
        rgb = thumbs.flatten(img) if img.mode != "RGB" else img.copy()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise thumbs.ThumbnailError(f"damaged image: {exc}") from None
    finally:
        img.close()
    with _lock:
        _cache[key] = rgb
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return rgb


def crop(path: Path, view: View, box: tuple[int, int, int, int] | None = None) -> Image:
    """``view``'s region of the image at ``path`` (or ``box``, for a reference of another size), drawn size."""
    from PIL import Image as PILImage

    img = full_image(path)
    region = img.crop(box or view.box)
    size = (view.drawn_width, view.drawn_height)
    if region.size == size:
        return region
    magnify = size[0] >= region.width
    return region.resize(size, PILImage.Resampling.NEAREST if magnify else PILImage.Resampling.BOX)


def clear_cache() -> None:
    with _lock:
        _cache.clear()
