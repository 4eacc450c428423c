"""Half-block previews straight to ANSI text, for ``imgbench preview FILE``: no Rich, no cache, one decode.

The same picture as ``halfblock.render_image`` (the same fit, resize and colour mapping), written as escape
sequences directly: a whole process that shows one image should not pay for importing Rich and building styles.
"""

from __future__ import annotations

import sys
from array import array

from tui.imaging.decode import BICUBIC, LANCZOS

TYPE_CHECKING = False  # not typing's: `imgbench preview FILE` is a short process that never needs it
if TYPE_CHECKING:
    from PIL.Image import Image

    from tui.imaging.core_decode import Raster

BLOCK = "▀"
TRUECOLOR, EIGHT_BIT = "truecolor", "256"


def fit_size(width: int, height: int, cols: int, rows: int) -> tuple[int, int]:
    """Pixel size (one pixel = half a cell, roughly square) that fits ``cols``×``rows`` cells, keeping aspect."""
    if width < 1 or height < 1 or cols < 1 or rows < 1:
        return (0, 0)
    scale = min(cols / width, rows * 2 / height)
    return (max(1, min(cols, round(width * scale))), max(1, min(rows * 2, round(height * scale))))


def _xterm_palette() -> list[int]:
    """Colours 16..255 of the xterm palette (0..15 are themed by the terminal, so never used)."""
    levels = (0, 95, 135, 175, 215, 255)
    palette = [c for r in levels for g in levels for b in levels for c in (r, g, b)]
    for i in range(24):
        palette += [8 + 10 * i] * 3
    return palette


_palette_image: Image | None = None


def quantize_256(img: Image | Raster) -> bytes:
    """Nearest xterm-256 colour per pixel (in C), as indices 16..255."""
    global _palette_image
    from PIL import Image

    if not isinstance(img, Image.Image):
        img = Image.frombytes("RGB", img.size, img.convert("RGB").tobytes())

    if _palette_image is None:
        pal = Image.new("P", (1, 1))
        colours = _xterm_palette()
        pal.putpalette(colours + colours[:3] * (256 - len(colours) // 3))  # pad with black (index 16)
        _palette_image = pal
    indices = img.quantize(palette=_palette_image, dither=Image.Dither.NONE).tobytes()
    # index i -> xterm colour i + 16; padding entries (>= 240) are black, colour 16.
    return indices.translate(bytes(min(i, 239) + 16 for i in range(256)))


def fit_image(img: Image | Raster, cols: int, rows: int) -> Image | Raster | None:
    """``img`` (RGB) resized to fill ``cols``×``rows`` half-block cells, or None when nothing fits."""
    pw, ph = fit_size(img.width, img.height, cols, rows)
    if pw == 0:
        return None
    if img.size != (pw, ph):
        filt = LANCZOS if pw <= img.width else BICUBIC
        img = img.resize((pw, ph), filt)
    return img


def ansi_lines(img: Image | Raster, cols: int, rows: int, *, color_system: str = TRUECOLOR) -> list[str]:
    """One string per text row: SGR colour codes and ``▀``, equal neighbours merged, reset at each line's end."""
    fitted = fit_image(img, cols, rows)
    if fitted is None:
        return []
    pw, ph = fitted.size
    if color_system == EIGHT_BIT:
        pixels: bytes | array = quantize_256(fitted)
        codes = [f"38;5;{i}" for i in range(256)]
        fg = codes.__getitem__
        bg_codes = [f"48;5;{i}" for i in range(256)]
        bg = bg_codes.__getitem__
    else:
        pixels = array("I", fitted.convert("RGBX").tobytes())
        if sys.byteorder == "little":
            pixels.byteswap()  # -> 0xRRGGBBXX

        def fg(v: int) -> str:
            return f"38;2;{v >> 24};{(v >> 16) & 255};{(v >> 8) & 255}"

        def bg(v: int) -> str:
            return f"48;2;{v >> 24};{(v >> 16) & 255};{(v >> 8) & 255}"

    out: list[str] = []
    for y in range(0, ph, 2):
        top = pixels[y * pw : (y + 1) * pw]
        bottom = pixels[(y + 1) * pw : (y + 2) * pw] if y + 1 < ph else None  # odd height: no bottom pixel
        parts: list[str] = []
        prev: tuple[int, int] | None = None
        run = 0
        for pair in zip(top, bottom if bottom is not None else [-1] * pw, strict=True):
            if pair == prev:
                run += 1
                continue
            if prev is not None:
                parts.append(BLOCK * run)
            t, b = pair
            parts.append(f"\x1b[{fg(t)};{bg(b)}m" if b >= 0 else f"\x1b[49;{fg(t)}m")
            prev, run = pair, 1
        parts.append(BLOCK * run + "\x1b[0m")
        out.append("".join(parts))
    return out
