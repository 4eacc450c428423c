"""Half-block previews: two pixels per cell, ``▀`` with the top pixel as foreground, the bottom as background.

Works in every terminal with UTF-8 and colour, over plain SSH and in tmux. Output is a list of lines,
each a list of Rich ``Segment``s exactly ``cols`` cells wide, so a Textual ``Strip`` and a Rich
renderable (the CLI) share it. No Textual here.

Why it is fast (reference/terminal-images.md §5.3: rich-pixels spends 50–130 ms on 3,200 cells in
``Style.parse``): pixels come out of Pillow in one ``tobytes()``; one ``Style`` per colour pair is built
once and reused across images (Rich also caches the ANSI codes on the Style instance); equal
neighbours merge into one segment; and finished previews are kept in a bounded LRU.
"""

from __future__ import annotations

import gc
import sys
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING

from rich.color import Color, ColorType
from rich.color_triplet import ColorTriplet
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style

from tui.imaging.ansi_blocks import fit_size, quantize_256

if TYPE_CHECKING:
    from PIL.Image import Image

Lines = list[list[Segment]]
BLOCK = "▀"
TRUECOLOR, EIGHT_BIT = "truecolor", "256"
CACHE_ENTRIES = 96  # a 6×6 session grid, a zoom and a diff; ~1.5 MB per full-screen entry at most
_STYLE_CACHE_MAX = 200_000


def normalise_color_system(system: object) -> str:
    """'truecolor' or '256'. 16-colour terminals get truecolor styles that Rich/Textual downgrade at output."""
    name = getattr(system, "name", system)
    name = str(name or "").lower()
    if name in ("256", "eight_bit", "8bit", "8-bit"):
        return EIGHT_BIT
    return TRUECOLOR


# -- colours and styles -------------------------------------------------------------------------

# One Style per (top, bottom) colour pair, shared by every image: Rich caches its ANSI codes on the instance.
_styles_tc: dict[tuple[int, int], Style] = {}
_styles_256: dict[tuple[int, int], Style] = {}


_colors: dict[int, Color] = {}
_new = tuple.__new__


def _add_colours(pixels: Iterable[int]) -> None:
    """Make the Color of every pixel value not seen before (values: 0xRRGGBBXX).

    A new image brings thousands of new colours, and this is the cold path's largest cost, so the Colors are
    built in C-level iteration, no Python bytecode per colour: the names sliced out of one hex string of the
    big-endian values, the channels out of their bytes, and ``tuple.__new__`` for the NamedTuples (their
    Python-level ``__new__`` costs 2.5x), with the same fields in the same order as ``Color(name, type, number,
    triplet)`` and ``ColorTriplet(r, g, b)``. About half the time of a comprehension formatting each name.
    """
    missing = set(pixels)
    missing.difference_update(_colors)
    if not missing:
        return
    if len(_colors) + len(missing) > _STYLE_CACHE_MAX:
        _colors.clear()
        _styles_tc.clear()  # styles hold colours: drop both, so neither outgrows its bound
    values = array("I", missing)
    raw = array("I", values)
    if sys.byteorder == "little":
        raw.byteswap()  # the bytes of 0xRRGGBBXX in that order
    data = raw.tobytes()
    hexed = data.hex()
    names = ["#" + hexed[i : i + 6] for i in range(0, len(hexed), 8)]
    triplets = map(_new, repeat(ColorTriplet), zip(data[0::4], data[1::4], data[2::4], strict=True))
    colours = map(_new, repeat(Color), zip(names, repeat(ColorType.TRUECOLOR), repeat(None), triplets))
    _colors.update(zip(values, colours, strict=True))


def _rgbx_ints(img: Image) -> array:
    """One int per pixel straight from Pillow's buffer, so the Python loop touches each pixel once."""
    ints = array("I", img.convert("RGBX").tobytes())
    if sys.byteorder == "little":
        ints.byteswap()  # -> 0xRRGGBBXX on every platform
    return ints


def _make_tc(pair: tuple[int, int]) -> Style:
    top, bottom = pair
    # from_color skips Style.__init__'s parsing and validation: ~5x cheaper per new colour pair.
    # Every colour exists already (_add_colours); dict operations are atomic under the GIL: no lock.
    try:
        fg, bg = _colors[top], _colors[bottom] if bottom >= 0 else None
    except KeyError:  # another thread just emptied the full cache
        _add_colours(v for v in pair if v >= 0)
        fg, bg = _colors[top], _colors[bottom] if bottom >= 0 else None
    style = Style.from_color(fg, bg)
    if len(_styles_tc) > _STYLE_CACHE_MAX:
        _styles_tc.clear()
    _styles_tc[pair] = style
    return style


def _make_256(pair: tuple[int, int]) -> Style:
    top, bottom = pair
    style = Style.from_color(Color.from_ansi(top), Color.from_ansi(bottom) if bottom >= 0 else None)
    _styles_256[pair] = style
    return style


# -- rendering ----------------------------------------------------------------------------------


def _row_segments(top: Iterable[int], bottom: Iterable[int], styles: dict, make) -> list[Segment]:
    """One row of cells, equal neighbours merged; the hot loop, so lookups are local and inlined."""
    segments: list[Segment] = []
    append, get = segments.append, styles.get
    prev: tuple[int, int] | None = None
    run = 0
    for pair in zip(top, bottom, strict=True):
        if pair == prev:
            run += 1
            continue
        if prev is not None:
            style = get(prev)
            if style is None:
                style = make(prev)
            append(_new(Segment, (BLOCK * run, style, None)))  # Segment(text, style, control)
        prev, run = pair, 1
    if prev is not None:
        style = get(prev)
        if style is None:
            style = make(prev)
        append(_new(Segment, (BLOCK * run, style, None)))
    return segments


def render_image(
    img: Image, cols: int, rows: int, *, color_system: object = TRUECOLOR, pad: bool = True, fit: bool = True
) -> Lines:
    """Fit ``img`` (any mode; already small, ideally) into ``cols``×``rows`` cells.

    With ``pad`` every line is exactly ``cols`` wide and there are exactly ``rows`` lines, the image
    centred; without it the lines are only as wide and as many as the image needs. ``fit=False`` draws
    the image pixel for pixel (one pixel per half cell), cut to the box: the loupe's crops.
    """
    from PIL import Image as PILImage

    from tui.imaging.thumbs import flatten

    pw, ph = fit_size(img.width, img.height, cols, rows) if fit else (min(img.width, cols), min(img.height, rows * 2))
    if pw == 0:
        return [[Segment(" " * cols)] for _ in range(rows)] if pad and cols > 0 else []
    if img.mode != "RGB":
        img = flatten(img)
    if not fit and img.size != (pw, ph):
        img = img.crop((0, 0, pw, ph))
    if img.size != (pw, ph):
        filt = PILImage.Resampling.LANCZOS if pw <= img.width else PILImage.Resampling.BICUBIC
        img = img.resize((pw, ph), filt)
    # Thousands of new objects, none in a cycle (colours, styles, segments): a collection started by their
    # count would only walk them, and the caches they join (a fifth of a cold preview). Off meanwhile, then
    # back as it was (another thread drawing at the same time leaves it on: only a collection is missed).
    collecting = gc.isenabled()
    gc.disable()
    try:
        lines = _draw(img, pw, ph, cols, color_system, pad)
    finally:
        if collecting:
            gc.enable()
    if pad:
        above = (rows - len(lines)) // 2
        blank = [Segment(" " * cols)]
        lines = [list(blank) for _ in range(above)] + lines
        lines += [list(blank) for _ in range(rows - len(lines))]
    return lines


def _draw(img: Image, pw: int, ph: int, cols: int, color_system: object, pad: bool) -> Lines:
    """The rows of cells of ``img`` (already ``pw``×``ph`` RGB), padded left and right to ``cols`` when ``pad``."""
    if normalise_color_system(color_system) == EIGHT_BIT:
        pixels: Iterable[int] = quantize_256(img)
        styles, make = _styles_256, _make_256
    else:
        pixels = _rgbx_ints(img)
        _add_colours(pixels)
        styles, make = _styles_tc, _make_tc
    left = (cols - pw) // 2 if pad else 0
    right = cols - pw - left if pad else 0
    lines: Lines = []
    for y in range(0, ph, 2):
        top = pixels[y * pw : (y + 1) * pw]
        bottom = pixels[(y + 1) * pw : (y + 2) * pw] if y + 1 < ph else [-1] * pw  # odd height: no bottom
        row = _row_segments(top, bottom, styles, make)
        if left:
            row.insert(0, Segment(" " * left))
        if right:
            row.append(Segment(" " * right))
        lines.append(row)
    return lines


class _LRU:
    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[tuple[object, ...], Lines] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple[object, ...]) -> Lines | None:
        with self.lock:
            lines = self.data.get(key)
            if lines is None:
                self.misses += 1
                return None
            self.hits += 1
            self.data.move_to_end(key)
            return lines

    def put(self, key: tuple[object, ...], lines: Lines) -> None:
        with self.lock:
            self.data[key] = lines
            self.data.move_to_end(key)
            while len(self.data) > self.size:
                self.data.popitem(last=False)


_cache = _LRU(CACHE_ENTRIES)


def cache_stats() -> dict[str, int]:
    return {"hits": _cache.hits, "misses": _cache.misses, "entries": len(_cache.data), "max": _cache.size}


def cache_clear(*, styles: bool = False) -> None:
    """Empty the preview LRU; with ``styles`` also the colour and style caches (benchmarks' cold runs)."""
    with _cache.lock:
        _cache.data.clear()
        _cache.hits = _cache.misses = 0
    if styles:
        _styles_tc.clear()
        _styles_256.clear()
        _colors.clear()


def render_file(
    path: Path, cols: int, rows: int, *, sha256: str | None = None, color_system: object = TRUECOLOR, pad: bool = True
) -> Lines:
    """A file's preview through the thumbnail cache and the LRU; raises ``ThumbnailError`` for a bad file.

    Call it off the UI thread: a miss in both caches decodes the original once.
    """
    from tui.imaging import thumbs

    system = normalise_color_system(color_system)
    if sha256 is None:
        st = path.stat()  # cheap identity for ad-hoc files; sessions pass their recorded sha256
        ident: object = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    else:
        ident = sha256
    key = (ident, cols, rows, system, pad)
    lines = _cache.get(key)
    if lines is None:
        img = thumbs.load_thumbnail(path, sha256, max_side=max(cols, rows * 2))
        lines = render_image(img, cols, rows, color_system=system, pad=pad)
        _cache.put(key, lines)
    return lines


def text_lines(text: str, cols: int, rows: int, style: Style | None = None) -> Lines:
    """A message centred in the box, for 'no image' / errors, same shape as a preview."""
    style = style or Style(dim=True)
    words, wrapped, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > cols:
            wrapped.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        wrapped.append(line)
    wrapped = [w[:cols] for w in wrapped[:rows]]
    top = (rows - len(wrapped)) // 2
    out: Lines = [[Segment(" " * cols)] for _ in range(rows)]
    for i, w in enumerate(wrapped):
        left = (cols - len(w)) // 2
        out[top + i] = [Segment(" " * left), Segment(w, style), Segment(" " * (cols - left - len(w)))]
    return out


class HalfBlock:
    """A Rich renderable of preview lines (for the CLI and anywhere Rich prints)."""

    def __init__(self, lines: Lines) -> None:
        self.lines = lines

    @property
    def width(self) -> int:
        return max((sum(s.cell_length for s in line) for line in self.lines), default=0)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        newline = Segment.line()
        for line in self.lines:
            yield from line
            yield newline

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(self.width, self.width)
