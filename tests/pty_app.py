"""The real imgbench TUI in a real pseudo-terminal, its screen read back through pyte (a VT100 emulator).

Unlike Pilot's ``press("name")``, keys go in as the bytes a terminal sends, and what a test reads is what a
person would see: the characters on the emulated screen.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence

import pyte

KEYS = {"enter": b"\r", "escape": b"\x1b", "tab": b"\t", "pagedown": b"\x1b[6~", "pageup": b"\x1b[5~"}


class PtyApp:
    def __init__(
        self,
        args: Sequence[str] = (),
        *,
        size: tuple[int, int] = (100, 30),
        env: dict | None = None,
        cwd: str | os.PathLike | None = None,
    ):
        self.columns, self.lines = size
        self.screen = pyte.Screen(self.columns, self.lines)
        self.stream = pyte.ByteStream(self.screen)
        self._lock = threading.Lock()
        master, slave = pty.openpty()
        os.set_blocking(master, True)
        import fcntl
        import struct
        import termios

        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.lines, self.columns, 0, 0))
        environment = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor", **(env or {})}
        environment.pop("TMUX", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; from tui.launch import main; sys.exit(main())", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=environment,
            start_new_session=True,
            close_fds=True,
            cwd=cwd,
        )
        os.close(slave)
        self.master = master
        self._reader = threading.Thread(target=self._read, daemon=True, name="pty-reader")
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.2)
                if not ready:
                    if self.proc.poll() is not None:
                        return
                    continue
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self.stream.feed(data)

    # -- reading --------------------------------------------------------------------------------
    def text(self) -> str:
        with self._lock:
            return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, predicate: Callable[[str], bool] | str, timeout: float = 20.0, settle: float = 0.3) -> str:
        """Wait until the screen shows ``predicate`` (a text or a test on the screen's text), then let it settle."""
        test = (lambda t: predicate in t) if isinstance(predicate, str) else predicate
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if test(self.text()):
                time.sleep(settle)
                return self.text()
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"screen never showed {predicate!r}; it shows:\n{self.text()}")

    # -- typing ---------------------------------------------------------------------------------
    def send(self, *keys: str | bytes, gap: float = 0.05) -> None:
        for key in keys:
            data = key if isinstance(key, bytes) else KEYS.get(key, key.encode())
            os.write(self.master, data)
            time.sleep(gap)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        try:
            os.close(self.master)
        except OSError:
            pass
