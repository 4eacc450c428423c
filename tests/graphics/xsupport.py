"""Real terminal emulators under Xvfb for the graphics tests: start a display, a terminal in it, screenshot it.

Screenshots come from ``xwd -root`` (x11-apps), read here (Pillow has no XWD reader: the format is a
big-endian header, a colour map, then the pixels). Keys go in as X key events through ``xdotool`` (XTEST),
so the terminal turns them into the bytes it really sends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from PIL import Image

SCREEN = (1000, 640)
NEEDED = {"Xvfb": "xvfb", "xterm": "xterm", "kitty": "kitty", "xwd": "x11-apps", "xdotool": "xdotool"}


def missing_tools() -> list[str]:
    return [f"{tool} (Debian package {pkg})" for tool, pkg in NEEDED.items() if shutil.which(tool) is None]


def read_xwd(data: bytes) -> Image.Image:
    """A 24/32-bit TrueColor XWD file as an RGB image."""
    fields = struct.unpack(">25I", data[:100])
    header_size, width, height = fields[0], fields[4], fields[5]
    byte_order, bits_per_pixel, bytes_per_line, ncolors = fields[7], fields[11], fields[12], fields[19]
    red_mask = fields[15]
    if bits_per_pixel != 32:
        raise ValueError(f"xwd: {bits_per_pixel} bits per pixel is not handled")
    offset = header_size + 12 * ncolors
    raw = "RGBX" if (byte_order == 0) == (red_mask == 0xFF0000) else "BGRX"
    return Image.frombuffer("RGB", (width, height), data[offset:], "raw", raw, bytes_per_line, 1).convert("RGB")


class Display:
    def __init__(self, number: int) -> None:
        self.name = f":{number}"
        self.env = {**os.environ, "DISPLAY": self.name}

    def screenshot(self) -> Image.Image:
        out = subprocess.run(["xwd", "-root", "-silent"], env=self.env, capture_output=True, timeout=10, check=True)
        return read_xwd(out.stdout)

    def keys(self, *names: str) -> None:
        subprocess.run(["xdotool", "key", "--delay", "60", *names], env=self.env, check=True, timeout=10)

    def wait_drawn(self, timeout: float = 20.0) -> None:
        """Until the screen shows a UI (more than a few colours) and holds still for a moment."""
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            shot = self.screenshot()
            colours = shot.getcolors(4096)
            if (colours is None or len(colours) > 6) and last is not None and shot.tobytes() == last:
                return
            last = shot.tobytes()
            time.sleep(0.4)
        raise AssertionError("the terminal never settled on a drawn screen")

    def wait_for(self, check: Callable[[Image.Image], str | None], timeout: float = 20.0) -> Image.Image:
        """Screenshot until ``check`` returns None (all good); else fail with its last complaint and keep the shot."""
        deadline = time.monotonic() + timeout
        while True:
            shot = self.screenshot()
            complaint = check(shot)
            if complaint is None:
                return shot
            if time.monotonic() > deadline:
                path = Path(os.environ.get("IMGBENCH_SHOTS", "/tmp")) / f"imgbench-fail-{int(time.time())}.png"
                shot.save(path)
                raise AssertionError(f"{complaint} (screenshot: {path})")
            time.sleep(0.3)


def stop(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """Ask a helper process to end, then make it: a terminal or a server must not outlive its test."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@contextlib.contextmanager
def xvfb() -> Iterator[Display]:
    number = 90 + os.getpid() % 400  # one display per test process
    while Path(f"/tmp/.X{number}-lock").exists():
        number += 1
    proc = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    display = Display(number)
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            assert proc.poll() is None, "Xvfb exited"
            assert time.monotonic() < deadline, "Xvfb did not start"
            time.sleep(0.05)
        yield display
    finally:
        stop(proc, grace=10)


def terminal_command(kind: str, command: list[str]) -> list[str]:
    if kind == "xterm":  # Sixel needs the VT340 terminal id; a TrueType font has a known cell size
        return ["xterm", "-ti", "vt340", "-fa", "DejaVu Sans Mono", "-fs", "10", "-geometry", "110x34+0+0",
                "-xrm", "XTerm*sixelScrolling: true", "-xrm", "XTerm*directColor: true", "-e", *command]  # fmt: skip
    if kind == "kitty":  # software GL: Xvfb has no GPU
        return ["kitty", "--config", "NONE", "-o", "font_family=DejaVu Sans Mono", "-o", "font_size=10",
                "-o", "linux_display_server=x11", "-o", "remember_window_size=no",
                "-o", "initial_window_width=1000", "-o", "initial_window_height=640", *command]  # fmt: skip
    raise ValueError(kind)


@contextlib.contextmanager
def terminal(display: Display, kind: str, command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen]:
    full_env = {**display.env, **env, "LIBGL_ALWAYS_SOFTWARE": "1", "GALLIUM_DRIVER": "llvmpipe"}
    log = os.environ.get("IMGBENCH_TERM_LOG", os.devnull)  # the terminal's own complaints (kitty's parse errors)
    with open(log, "ab") as stderr:
        proc = subprocess.Popen(terminal_command(kind, command), env=full_env, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        # No window manager: give the terminal's window the keyboard focus ourselves, once it is mapped.
        subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--class", kind, "windowfocus", "--sync"],
                       env=display.env, check=False, timeout=20, capture_output=True)  # fmt: skip
        yield proc
    finally:
        stop(proc)
