"""A real tmux client in a pseudo-terminal whose other side plays the outer terminal and records what tmux sends it.

The outer terminal answers queries the way a given terminal does (kitty 0.35, kitty 0.26.5, xterm -ti vt340, or a
silent one), keeps every Kitty graphics command (APC ``ESC _ G … ESC \\``) with the cursor cell it arrived at, and
reads the rest of the stream with pyte, so a test sees what tmux really forwards and where: the graphics commands
unwrapped from tmux's passthrough envelope, and the placeholder cells on the outer screen.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyte

from tests.graphics import pictures
from tests.graphics.xsupport import stop
from tests.pty_terminal import read_until_closed, spawn_in_pty

KITTY_035 = {"xtversion": "kitty(0.35.2)", "kitty": True, "da1": "\x1b[?62;c"}
KITTY_026 = {"xtversion": "kitty(0.26.5)", "kitty": True, "da1": "\x1b[?62;c"}
XTERM = {"xtversion": "XTerm(379)", "kitty": False, "da1": "\x1b[?63;1;2;4;6;9;15;16;22;28c"}
SILENT: dict[str, object] = {}  # answers nothing at all (a hung link)
PLACEHOLDER = "\U0010eeee"

_APC_OR_DCS = re.compile(rb"\x1b([_P])(.*?)\x1b\\", re.S)
_QUERIES = re.compile(rb"\x1b\[(?:c|0?c|>0?q|>c|5n|6n|16t)|\x1b_G[^\x1b]*\x1b\\")


_ITU_COLOUR = re.compile(rb"([34]8):2:(?::)?(\d+:\d+:\d+)")
_CSI_TAIL = re.compile(rb"\x1b(\[[0-9:;<=>?]*)?$")


def _complete_text(data: bytes) -> tuple[bytes, bytes]:
    """``data`` split before a control sequence whose end has not arrived yet (it is fed with the next read)."""
    match = _CSI_TAIL.search(data)
    return (data[: match.start()], data[match.start() :]) if match else (data, b"")


@dataclass
class GraphicsCommand:
    keys: dict[str, str]
    payload_len: int
    cursor: tuple[int, int]  # (row, column) on the outer screen when it arrived, from 0


@dataclass
class OuterTerminal:
    profile: dict[str, object]
    cols: int = 100
    rows: int = 30
    cell: tuple[int, int] = (10, 20)
    delay: float = 0.0  # seconds before each batch of answers goes back (a slow link)
    record: bytearray = field(default_factory=bytearray)
    commands: list[GraphicsCommand] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.screen = pyte.Screen(self.cols, self.rows)
        self.stream = pyte.ByteStream(self.screen)
        self.lock = threading.Lock()
        self._pending = b""
        self._scanned = 0

    # -- the emulator side ---------------------------------------------------------------------
    def feed(self, data: bytes, answer: Callable[[bytes], None]) -> None:
        with self.lock:
            self.record.extend(data)
            self._answer(answer)
            self._pending += data
            while True:
                start = min((i for i in (self._pending.find(b"\x1b_"), self._pending.find(b"\x1bP")) if i >= 0),
                            default=-1)  # fmt: skip
                if start < 0:
                    text, self._pending = _complete_text(self._pending)
                    self._screen_feed(text)
                    return
                self._screen_feed(self._pending[:start])
                match = _APC_OR_DCS.match(self._pending, start)
                if match is None:  # the rest of the command is still on its way
                    self._pending = self._pending[start:]
                    return
                if match.group(1) == b"_" and match.group(2).startswith(b"G"):
                    self._keep(match.group(2)[1:])
                self._pending = self._pending[match.end() :]

    def _screen_feed(self, text: bytes) -> None:
        # tmux writes kitty's truecolour as its terminfo says, ITU style (38:2:R:G:B); pyte reads only 38;2;R;G;B.
        self.stream.feed(_ITU_COLOUR.sub(lambda m: m.group(1) + b";2;" + m.group(2).replace(b":", b";"), text))

    def _keep(self, body: bytes) -> None:
        keys_part, _, payload = body.partition(b";")
        keys = dict(kv.split("=", 1) for kv in keys_part.decode("ascii", "replace").split(",") if "=" in kv)
        cursor = (self.screen.cursor.y, self.screen.cursor.x)
        self.commands.append(GraphicsCommand(keys, len(payload), cursor))

    def _answer(self, answer: Callable[[bytes], None]) -> None:
        if self.delay:
            batch: list[bytes] = []
            self._answer_now(batch.append)
            if batch:
                threading.Timer(self.delay, answer, (b"".join(batch),)).start()
        else:
            self._answer_now(answer)

    def _answer_now(self, answer: Callable[[bytes], None]) -> None:
        p = self.profile
        for match in _QUERIES.finditer(bytes(self.record), max(0, self._scanned - 64)):
            if match.end() <= self._scanned:
                continue
            self._scanned = match.end()
            q = match.group(0)
            if not p:
                continue
            if q == b"\x1b[c" or q == b"\x1b[0c":
                answer(str(p["da1"]).encode())
            elif q in (b"\x1b[>q", b"\x1b[>0q"):
                answer(f"\x1bP>|{p['xtversion']}\x1b\\".encode())
            elif q == b"\x1b[>c":
                answer(b"\x1b[>1;4000;19c")
            elif q == b"\x1b[5n":
                answer(b"\x1b[0n")
            elif q == b"\x1b[6n":
                answer(f"\x1b[{self.screen.cursor.y + 1};{self.screen.cursor.x + 1}R".encode())
            elif q == b"\x1b[16t":
                answer(f"\x1b[6;{self.cell[1]};{self.cell[0]}t".encode())
            elif q.startswith(b"\x1b_G") and b"a=q" in q and p.get("kitty"):
                image_id = re.search(rb"i=(\d+)", q)
                answer(b"\x1b_Gi=" + (image_id.group(1) if image_id else b"0") + b";OK\x1b\\")

    # -- what a test reads -----------------------------------------------------------------------
    def text(self) -> str:
        with self.lock:
            return "\n".join(self.screen.display)

    def placeholders(self) -> dict[tuple[int, int], tuple[int, int, int]]:
        """Every Kitty placeholder cell: (screen row, column) → (image id, image row, image column)."""
        found = {}
        with self.lock:
            for y in range(self.rows):
                line = self.screen.buffer[y]
                for x in range(self.cols):
                    decoded = decode_cell(line[x].data, line[x].fg)
                    if decoded is not None:
                        found[(y, x)] = decoded
        return found


def decode_cell(data: str, fg: str) -> tuple[int, int, int] | None:
    """A Kitty placeholder cell (U+10EEEE, a row and a column diacritic, the id's high byte as a third one; the
    id's low 24 bits in the foreground colour) as (image id, image row, image column); None for any other cell."""
    if not data.startswith(PLACEHOLDER) or len(data) < 3 or not re.fullmatch(r"[0-9a-fA-F]{6}", fg or ""):
        return None
    from textual_image.renderable.tgp import _NUMBER_TO_DIACRITIC  # the table of the Kitty protocol's spec

    index = {chr(code): n for n, code in enumerate(_NUMBER_TO_DIACRITIC)}
    marks = [index.get(ch) for ch in data[1:4]]
    if None in marks[:2]:
        return None
    high = marks[2] if len(marks) > 2 and marks[2] is not None else 0
    return (high << 24) | int(fg, 16), int(marks[0]), int(marks[1])  # type: ignore[arg-type]


def remove_socket(name: str) -> None:
    """tmux 3.3a leaves its socket file behind after kill-server; the tests' private sockets go with them."""
    folder = Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
    (folder / name).unlink(missing_ok=True)


def passthrough_tmux(tmp_path: Path, name: str) -> tuple[Path, str, Path]:
    """For a preview through a private tmux: a four-colour picture, a socket name of the test's own and a tmux
    config with passthrough on and no status line."""
    path = tmp_path / "picture.png"
    pictures.picture().save(path)
    conf = tmp_path / "tmux.conf"
    conf.write_text("set -g allow-passthrough on\nset -g status off\n")
    return path, f"imgbench-{name}-{os.getpid()}", conf


class PtyClient:
    """``argv`` (tmux's client, ssh -tt, …) in a pty that ``OuterTerminal`` plays."""

    def __init__(self, outer: OuterTerminal, argv: list[str], env: dict[str, str]) -> None:
        self.outer = outer
        pixels = (outer.cols * outer.cell[0], outer.rows * outer.cell[1])
        self.master, self.proc = spawn_in_pty(argv, cols=outer.cols, rows=outer.rows, env=env, pixels=pixels)
        self._stop_reading = read_until_closed(self.master, lambda data: self.outer.feed(data, self.type))

    def type(self, data: bytes) -> None:
        """Bytes from the outer terminal: answers, and keys as a terminal sends them."""
        try:
            os.write(self.master, data)
        except OSError:
            pass

    def wait_for(self, check: Callable[[], str | None], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while (complaint := check()) is not None:
            if time.monotonic() > deadline:
                raise AssertionError(f"{complaint}\n--- outer screen ---\n{self.outer.text()}")
            time.sleep(0.1)

    def close(self) -> None:
        stop(self.proc, grace=10)
        self._stop_reading()
        os.close(self.master)


class TmuxClient(PtyClient):
    """``tmux -L SOCKET new-session COMMAND`` attached in a pty that ``OuterTerminal`` plays."""

    def __init__(self, outer: OuterTerminal, command: str, *, socket: str, passthrough: str, env: dict[str, str],
                 tmp: Path) -> None:  # fmt: skip
        self.socket = socket
        conf = tmp / f"tmux-{socket}.conf"
        conf.write_text(f"set -g allow-passthrough {passthrough}\nset -g status off\n")
        full_env = {**env, "TERM": "xterm-kitty", "COLORTERM": "truecolor"}  # what kitty sets for its shell
        full_env.pop("TMUX", None)
        full_env.pop("TMUX_PANE", None)
        super().__init__(outer, ["tmux", "-L", socket, "-f", str(conf), "new-session", command], full_env)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, check=False, timeout=10)
        remove_socket(self.socket)
        super().close()
