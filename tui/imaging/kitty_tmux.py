"""One image by Kitty's direct placement from inside tmux: for ``imgbench preview`` in a tmux pane of a kitty
without Unicode placeholders (before 0.28, e.g. Debian 12's 0.26.5).

Everything travels in tmux's passthrough envelope, so the outer terminal draws it where its own cursor is:
and that is not where the pane's cursor is (tmux moves the outer cursor lazily; seen under Xvfb, the image
landed a row too high). So the rows are made first (the pane scrolls as it needs to), the pane's cursor is
asked for (tmux answers ``CSI 6 n`` for the pane), and the placement carries its own cursor move to that
cell on the outer screen (the pane's offset from tmux). tmux forgets where the outer cursor is after a
passthrough, so its next output is positioned afresh. The image is the outer terminal's, not tmux's text:
tmux's redraws do not move it (switching windows leaves it until the screen scrolls or is cleared).
"""

from __future__ import annotations

from typing import TextIO

from PIL.Image import Image

from tui.imaging import kitty, term_probe
from tui.imaging.term_probe import tmux_wrap
from tui.imaging.tmux_state import TmuxState


def print_direct(img: Image, cols: int, rows: int, out: TextIO, fd_in: int, state: TmuxState, *,
                 timeout: float) -> bool:  # fmt: skip
    """Draw ``img`` over ``cols`` × ``rows`` cells at the pane's cursor and move below it; False if the pane's
    cursor could not be asked for (nothing was drawn; the caller falls back)."""
    out.write("\r" + "\n" * rows + f"\x1b[{rows}A")  # make room first: the pane may scroll
    out.flush()
    where = term_probe.cursor_position(fd_in, out.fileno(), timeout=timeout)
    if where is None:
        return False
    row, col = where
    image_id = kitty.next_image_id()
    move = f"\x1b[{state.pane_top + row + 1};{state.pane_left + col + 1}H"
    out.write(kitty.transmit(img, image_id, tmux=True) + tmux_wrap(move + kitty.place(image_id, cols, rows)))
    out.write("\n" * rows)
    out.flush()
    return True
