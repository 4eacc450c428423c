"""The real app in a real pseudo-terminal: keys go in as the bytes an xterm-compatible terminal sends, pyte reads
the screen back. Pilot's ``press("name")`` hands Textual a key by its name and so hides what a terminal can and
cannot send (``[`` is not "bracketleft"; ctrl+h arrives as backspace)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyte

# Where the app under test writes every thread's stack when it gets SIGUSR1 (see imgbench_argv): a timed-out
# wait then says where the app was, not only what the screen showed.
STACKS_ENV = "IMGBENCH_TEST_STACKS"

# What xterm (and tmux, kitty, gnome-terminal in their default modes) sends for a key Textual names so.
SEQUENCES: dict[str, bytes] = {
    "up": b"\x1b[A",
    "down": b"\x1b[B",
    "right": b"\x1b[C",
    "left": b"\x1b[D",
    "enter": b"\r",
    "escape": b"\x1b",
    "tab": b"\t",
    "backspace": b"\x7f",
    "delete": b"\x1b[3~",
    "pageup": b"\x1b[5~",
    "pagedown": b"\x1b[6~",
    "home": b"\x1b[H",
    "end": b"\x1b[F",
    "f1": b"\x1bOP",
    "f12": b"\x1b[24~",
    "space": b" ",
    "left_square_bracket": b"[",
    "right_square_bracket": b"]",
    "question_mark": b"?",
    "plus": b"+",
    "equals_sign": b"=",
    "minus": b"-",
    "comma": b",",
    "full_stop": b".",
}


def key_bytes(key: str) -> bytes:
    """The bytes for a Textual key name; a KeyError for a key a terminal has no bytes for."""
    if key in SEQUENCES:
        return SEQUENCES[key]
    if key.startswith("ctrl+") and len(key) == 6 and key[5].isalpha():
        return bytes([ord(key[5].lower()) & 0x1F])
    if len(key) == 1 and key.isprintable():
        return key.encode()
    from textual.keys import key_to_character

    if "+" not in key and (char := key_to_character(key)) and char.isprintable():  # "comma", "full_stop", "plus"
        return char.encode()
    raise KeyError(f"no terminal sends a key named {key!r}")


def spawn_in_pty(
    argv: list[str],
    *,
    cols: int,
    rows: int,
    env: dict[str, str],
    cwd: str | Path | None = None,
    pixels: tuple[int, int] = (0, 0),
) -> tuple[int, subprocess.Popen[bytes]]:
    """``argv`` on a new pty of that size (cells, and pixels when the terminal reports them): its master and process."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, *pixels))
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True, cwd=cwd
    )
    os.close(slave)
    return master, proc


def read_until_closed(
    master: int, sink: Callable[[bytes], None], errors: list[str] | None = None
) -> Callable[[], None]:
    """A thread handing everything written to the pty to ``sink`` until the pty closes; what it returns stops it.

    Call that before closing ``master``: a reader still running when the fd is closed would read the next pty
    opened under the same number, and steal its first frames from the next test's screen. What the sink raises
    is added to ``errors``, and reading goes on."""
    errors = errors if errors is not None else []
    stopping = threading.Event()

    def loop() -> None:
        while not stopping.is_set():
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            try:
                sink(data)
            except Exception as exc:  # keep reading: a reader that stops leaves the app blocked on a full pty
                errors.append(f"the pty reader's sink failed: {exc!r}")

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()

    def stop() -> None:
        stopping.set()
        thread.join(5)
        assert not thread.is_alive(), "the pty reader did not stop"

    return stop


class PtyApp:
    def __init__(
        self, argv: list[str], *, cols: int, rows: int, env: dict[str, str], cwd: str | Path | None = None
    ) -> None:
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self._lock = threading.Lock()
        self.reader_errors: list[str] = []
        self._stacks = Path(tempfile.mkstemp(prefix="pty-stacks-", suffix=".txt")[1])
        env = {**env, STACKS_ENV: str(self._stacks)}
        self.master, self.proc = spawn_in_pty(argv, cols=cols, rows=rows, env=env, cwd=cwd)
        self._stop_reading = read_until_closed(self.master, self.received, self.reader_errors)

    def received(self, data: bytes) -> None:
        """Output from the app, as it arrives (the reader thread's; a subclass may time it)."""
        with self._lock:
            self.stream.feed(data)

    def text(self) -> str:
        with self._lock:
            return "\n".join(self.screen.display)

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def press(self, *keys: str | bytes, gap: float = 0.05) -> None:
        """Each of ``keys`` as a terminal sends it: a key name ("enter", "ctrl+r"), bytes, or text typed as is."""
        for key in keys:
            if isinstance(key, str):
                try:
                    key = key_bytes(key)
                except KeyError:
                    key = key.encode()
            self.send(key)
            time.sleep(gap)

    def wait_for(self, predicate: str | Callable[[str], object], timeout: float = 20.0, settle: float = 0.3) -> str:
        """Until the screen shows ``predicate`` (a text, or a test on the screen's text); then, once it has
        settled, the screen's text."""
        test = (lambda text: predicate in text) if isinstance(predicate, str) else predicate
        self.wait_until(lambda: test(self.text()), timeout, repr(predicate))
        time.sleep(settle)
        return self.text()

    def wait_until(self, predicate: Callable[[], object], timeout: float = 20.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if self.proc.poll() is not None:
                raise AssertionError(f"the app exited ({self.proc.returncode}) waiting for {what}:\n{self.text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the screen:\n{self.text()}\n{self.diagnosis()}")
            time.sleep(0.02)

    def diagnosis(self) -> str:
        """What the reader failed on, and every thread's stack in the app now (asked for with SIGUSR1)."""
        said = [*self.reader_errors]
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGUSR1)
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline and not self._stacks.stat().st_size:
                time.sleep(0.05)
            time.sleep(0.2)  # the other threads' stacks after the first
            said.append("the app's threads:\n" + (self._stacks.read_text(errors="replace") or "(no answer to SIGUSR1)"))
        return "\n".join(said)

    def hang_up(self) -> None:
        """The terminal goes away (its window closed) with the app still running: the pty's master is closed."""
        if self.master >= 0:
            self._stop_reading()
            os.close(self.master)
            self.master = -1

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self.hang_up()
        self._stacks.unlink(missing_ok=True)


# faulthandler, set up before the app: it writes the stacks from C, so it answers even when every thread is stuck.
_LAUNCH = f"""
import faulthandler, os, signal, sys
if os.environ.get({STACKS_ENV!r}):
    faulthandler.register(signal.SIGUSR1, file=open(os.environ[{STACKS_ENV!r}], "w"), all_threads=True)
from tui.launch import main
sys.exit(main([]))
"""


def imgbench_argv() -> list[str]:
    return [sys.executable, "-c", _LAUNCH]


def app_env(tmp: Path, log: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMGBENCH_") and k != "DISPLAY"}
    env.update(
        TERM="xterm-256color",
        COLORTERM="truecolor",
        IMGBENCH_CONFIG_DIR=str(tmp / "config"),
        IMGBENCH_DATA_DIR=str(tmp / "data"),
        IMGBENCH_CACHE_DIR=str(tmp / "cache"),
        IMGBENCH_ACTION_LOG=str(log),
    )
    return env
