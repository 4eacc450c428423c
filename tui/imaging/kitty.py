"""The Kitty graphics protocol's direct placement: for terminals without Unicode placeholders.

kitty before 0.28 (Debian 12 ships 0.26.5), WezTerm and Konsole speak the Kitty protocol but not its
placeholders (``U=1``, which kitty 0.26 rejects as "Malformed GraphicsCommand control block"). Direct
placement is the protocol's original form: transmit the pixels once under an id (``a=t``), then place
them at the cursor (``a=p``) over ``c`` columns and ``r`` rows. Placing again with the same image and
placement id moves the image instead of adding one; ``a=d,d=i`` takes its placements off the screen
(never ``d=I``, which frees the pixels: kitty 0.26.5 then lost every other image's placements too).

The image is sent as PNG (``f=100``), base64 in 4096-byte chunks (``m=1`` … ``m=0``), quietly (``q=2``: no
replies that could turn into keystrokes). ``C=1`` keeps the cursor where it was, so the caller decides
where text continues. No Textual here: these are strings, written by the CLI or by a widget.
"""

from __future__ import annotations

import base64
import io
from itertools import count

from PIL.Image import Image

from tui.imaging.term_probe import tmux_wrap

_CHUNK = 4096
_START, _END = "\x1b_G", "\x1b\\"
_ids = count(0x5A0000)  # distinct from textual-image's random ids in practice; one per transmitted image


def next_image_id() -> int:
    return next(_ids)


def _command(keys: str, payload: str = "", *, tmux: bool = False) -> str:
    text = f"{_START}{keys}{';' + payload if payload else ''}{_END}"
    return tmux_wrap(text) if tmux else text


def png_base64(img: Image) -> str:
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)  # speed over size: it travels once per image
    return base64.standard_b64encode(buf.getvalue()).decode("ascii")


def transmit(img: Image, image_id: int, *, tmux: bool = False) -> str:
    """The escape codes that hand ``img`` to the terminal under ``image_id`` (nothing is shown yet)."""
    data = png_base64(img)
    chunks = [data[i : i + _CHUNK] for i in range(0, len(data), _CHUNK)] or [""]
    out = []
    for n, chunk in enumerate(chunks):
        more = 1 if n < len(chunks) - 1 else 0
        keys = f"a=t,f=100,t=d,i={image_id},q=2,m={more}" if n == 0 else f"m={more},q=2"
        out.append(_command(keys, chunk, tmux=tmux))
    return "".join(out)


def place(image_id: int, cols: int, rows: int, *, placement: int = 1, z: int = 0) -> str:
    """Show a transmitted image at the cursor over ``cols`` × ``rows`` cells; the cursor stays."""
    return _command(f"a=p,i={image_id},p={placement},c={cols},r={rows},C=1,z={z},q=2")


def delete_placements(image_id: int) -> str:
    """Take every placement of ``image_id`` off the screen (the pixels stay in the terminal for re-placing)."""
    return _command(f"a=d,d=i,i={image_id},q=2")


def direct(img: Image, cols: int, rows: int) -> str:
    """One image for a terminal or a file: transmit, place at the cursor, move below it (for ``imgbench preview``)."""
    image_id = next_image_id()
    return transmit(img, image_id) + place(image_id, cols, rows) + "\n" * rows
