"""Ask the terminal what it can draw: one batched probe with a hard deadline, before any UI owns the terminal.

The queries go out together and Primary Device Attributes (DA1) goes last: every terminal answers DA1,
and answers in order, so its reply means every other answer that is coming has come. A terminal that
answers nothing (a dumb pty, a serial line, a hung SSH link) costs at most ``timeout`` seconds; then the
probe gives up and the caller falls back to half-blocks. Asked:

- the Kitty graphics query action (``a=q``): ``OK`` means the Kitty protocol is there;
- XTVERSION (``CSI > 0 q``): the terminal's name and version (kitty added Unicode placeholders in 0.28);
- ``CSI 16 t``: the cell size in pixels (when the pty's winsize has no pixel fields);
- DA1 (``CSI c``): attribute 4 means Sixel.

Inside tmux (3.3, seen with a recorded outer terminal) DA1 and XTVERSION are answered or swallowed by tmux
itself, and what travels in its passthrough envelope reaches the outer terminal only with
``allow-passthrough on``. So there the Kitty query goes wrapped, followed by a wrapped Device Status Report
(``CSI 5 n``, which every terminal answers with ``CSI 0 n`` and tmux hands back to the pane): its answer is
the outer terminal's sentinel, as DA1 is tmux's. The probe waits for both. The outer terminal's name and
version come from tmux (``tmux_state``). With passthrough off nothing is wrapped, so nothing is awaited.
No Textual, no textual-image here: plain file descriptors.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

KITTY_QUERY_ID = 7311
_KITTY_QUERY = f"\x1b_Gi={KITTY_QUERY_ID},s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
_XTVERSION = "\x1b[>0q"
_CELL_SIZE = "\x1b[16t"
_DA1 = "\x1b[c"
_DSR = "\x1b[5n"

_DA1_RE = re.compile(rb"\x1b\[\?([0-9;]*)c")
_KITTY_RE = re.compile(rb"\x1b_Gi=" + str(KITTY_QUERY_ID).encode() + rb"[^;\x1b]*;([^\x1b]*)\x1b\\")
_XTVERSION_RE = re.compile(rb"\x1bP>\|([^\x1b]*)\x1b\\")
_CELL_RE = re.compile(rb"\x1b\[6;(\d+);(\d+)t")
_DSR_RE = re.compile(rb"\x1b\[0n")
_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


def tmux_wrap(sequence: str) -> str:
    """tmux's passthrough envelope: the outer terminal gets ``sequence`` (with allow-passthrough on)."""
    return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"


def queries(in_tmux: bool, *, passthrough: bool = True) -> str:
    """The probe, in the order the replies are awaited (DA1, the sentinel, last; in tmux the outer's DSR too)."""
    if not in_tmux:
        return _KITTY_QUERY + _XTVERSION + _CELL_SIZE + _DA1
    return (tmux_wrap(_KITTY_QUERY + _DSR) if passthrough else "") + _CELL_SIZE + _DA1


@dataclass(frozen=True)
class Answers:
    """What the terminal said. ``answered`` is False when even DA1 did not come back in time."""

    answered: bool = False
    sixel: bool = False
    kitty: bool = False
    version: str = ""  # XTVERSION's text, e.g. "kitty(0.26.5)", "XTerm(379)", "tmux 3.3a"
    cell_size: tuple[int, int] | None = None  # (width, height) in pixels
    seconds: float = 0.0  # how long the probe took
    stray: bytes = b""  # bytes that were no reply (keys typed meanwhile); never shown to the user
    outer: bool = False  # inside tmux: the outer terminal answered through passthrough (its DSR came back)

    @property
    def terminal(self) -> str:
        """The name in XTVERSION ('kitty', 'xterm', 'wezterm', 'tmux', …), lower case; '' if unknown."""
        name = re.split(r"[\s(]", self.version.strip(), maxsplit=1)[0] if self.version.strip() else ""
        return name.lower()

    @property
    def terminal_version(self) -> tuple[int, ...]:
        match = _VERSION_RE.search(self.version)
        return tuple(int(g) for g in match.groups() if g is not None) if match else ()


def parse(reply: bytes, *, seconds: float = 0.0) -> Answers:
    """Read a probe's replies (any order, interleaved with typed keys); hostile bytes only ever fail to match."""
    da1 = _DA1_RE.search(reply)
    sixel = bool(da1) and "4" in da1.group(1).decode("ascii", "replace").split(";")  # type: ignore[union-attr]
    kitty_match = _KITTY_RE.search(reply)
    kitty = bool(kitty_match) and kitty_match.group(1) == b"OK"  # type: ignore[union-attr]
    version_match = _XTVERSION_RE.search(reply)
    version = ""
    if version_match:
        text = version_match.group(1).decode("utf-8", "replace")
        version = "".join(ch for ch in text if ch.isprintable())[:80]  # it is shown in help: no control codes
    cell = None
    cell_match = _CELL_RE.search(reply)
    if cell_match:
        height, width = int(cell_match.group(1)), int(cell_match.group(2))
        if 2 <= width <= 512 and 2 <= height <= 1024:
            cell = (width, height)
    stray = reply
    for pattern in (_DA1_RE, _KITTY_RE, _XTVERSION_RE, _CELL_RE, _DSR_RE):
        stray = pattern.sub(b"", stray)
    return Answers(bool(da1), sixel, kitty, version, cell, seconds, stray, bool(_DSR_RE.search(reply)))


def winsize_cell(fd: int) -> tuple[int, int] | None:
    """The cell size from the pty's winsize pixel fields, when the terminal fills them in."""
    try:
        rows, cols, xpixels, ypixels = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
    except OSError:
        return None
    if rows and cols and xpixels and ypixels:
        return xpixels // cols, ypixels // rows
    return None


def _complete(reply: bytes, outer: bool) -> bool:
    """Every answer that is coming has come: DA1, and through tmux the outer terminal's DSR as well."""
    return bool(_DA1_RE.search(reply)) and (not outer or bool(_DSR_RE.search(reply)))


def exchange(fd_in: int, fd_out: int, query: str, done: Callable[[bytes], bool], *, timeout: float) -> bytes:
    """Write ``query`` and read the replies until ``done(replies)`` or ``timeout`` seconds have passed.

    The terminal is put in non-canonical, no-echo mode for the duration (so the replies are neither
    echoed nor held for a newline) and restored afterwards, whatever happens.
    """
    deadline = time.monotonic() + timeout
    saved = termios.tcgetattr(fd_in)
    raw = termios.tcgetattr(fd_in)
    raw[3] &= ~(termios.ICANON | termios.ECHO)
    raw[6][termios.VMIN], raw[6][termios.VTIME] = 0, 0
    reply = b""
    try:
        termios.tcsetattr(fd_in, termios.TCSANOW, raw)
        os.write(fd_out, query.encode())
        while not done(reply):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([fd_in], [], [], left)
            if not ready:
                break
            chunk = os.read(fd_in, 4096)
            if not chunk:
                break
            reply += chunk
    finally:
        if not done(reply):
            # A late answer must not turn into keystrokes: drop what is queued now.
            termios.tcflush(fd_in, termios.TCIFLUSH)
        termios.tcsetattr(fd_in, termios.TCSANOW, saved)
    return reply


def probe(fd_in: int, fd_out: int, *, timeout: float, in_tmux: bool = False, passthrough: bool = True) -> Answers:
    """Send the probe and read the replies until the sentinels arrive or ``timeout`` seconds have passed."""
    start = time.monotonic()
    outer = in_tmux and passthrough
    reply = exchange(fd_in, fd_out, queries(in_tmux, passthrough=passthrough), lambda r: _complete(r, outer),
                     timeout=timeout)  # fmt: skip
    answers = parse(reply, seconds=time.monotonic() - start)
    if answers.cell_size is None:
        cell = winsize_cell(fd_out)
        if cell is not None:
            answers = replace(answers, cell_size=cell)
    return answers


_CPR_RE = re.compile(rb"\x1b\[(\d+);(\d+)R")


def cursor_position(fd_in: int, fd_out: int, *, timeout: float) -> tuple[int, int] | None:
    """Where the cursor is (row, column, from 0), by asking (``CSI 6 n``); None if no answer came in time."""
    reply = exchange(fd_in, fd_out, "\x1b[6n", lambda r: bool(_CPR_RE.search(r)), timeout=timeout)
    match = _CPR_RE.search(reply)
    return (int(match.group(1)) - 1, int(match.group(2)) - 1) if match else None


def placeholders_supported(answers: Answers) -> bool:
    """Whether Kitty's Unicode placeholders (``U=1``) work: kitty ≥ 0.28 and Ghostty; not WezTerm or Konsole."""
    name, version = answers.terminal, answers.terminal_version
    if name == "kitty":
        return version >= (0, 28)
    return name == "ghostty"
