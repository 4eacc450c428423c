"""Running imgbench on a real pseudo-terminal: every byte it writes, and what a terminal (pyte) shows of them."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import pyte

from tests.robustness.support import ROOT

# No control character from the data may come out raw: C0 but CR, LF and tab; DEL; C1; and no byte that is not
# UTF-8 (a lone 0x9B is an 8-bit CSI to some terminals).
DANGER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\udc80-\udcff]")
SGR = re.compile("\x1b\\[[0-9;]*m")  # colours: the only escape sequences a preview writes itself


def raw_controls(raw: bytes, *, allow_colours: bool = False) -> list[str]:
    """The control characters in what a program wrote (its own colours aside, when allowed)."""
    text = raw.decode("utf-8", "surrogateescape")
    if allow_colours:
        text = SGR.sub("", text)
    return [repr(m.group()) for m in DANGER.finditer(text)]


@dataclass
class Terminal:
    raw: bytes
    screen: pyte.Screen

    @property
    def text(self) -> str:
        return "\n".join(self.screen.display)


def run_in_pty(
    argv: list[str],
    *,
    env: dict[str, str],
    cols: int = 120,
    rows: int = 40,
    until: Callable[[pyte.Screen], bool] | None = None,
    keys: bytes = b"",
    timeout: float = 30.0,
) -> Terminal:
    """``imgbench ARGV`` on a pty of ``cols`` x ``rows``; with ``until``, the program is ended (keys, then SIGTERM)
    once the screen satisfies it, else it runs to its end."""
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.launch", *argv],
        cwd=ROOT,
        env={**env, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)},
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    screen = pyte.Screen(cols, rows)
    stream = pyte.ByteStream(screen)
    raw = bytearray()
    deadline = time.monotonic() + timeout
    sent = False
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed its side
                    break
                if not chunk:
                    break
                raw += chunk
                stream.feed(chunk)
            elif proc.poll() is not None:
                break
            if until is not None and not sent and until(screen):
                sent = True
                if keys:
                    os.write(master, keys)
                    deadline = min(deadline, time.monotonic() + 5)
                else:
                    break
        else:
            raise AssertionError(f"imgbench {argv} did not finish in {timeout} s:\n" + "\n".join(screen.display))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
        os.close(master)
    return Terminal(bytes(raw), screen)
