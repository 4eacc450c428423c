"""The terminal probe on a real pseudo-terminal: answers as kitty 0.26, kitty 0.35, xterm -ti vt340 and tmux give
them, late, or never; detection's choice from each; and a whole `imgbench preview` on a pty that never answers."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.graphics.outer_terminal import remove_socket
from tui.imaging import graphics, term_probe

ROOT = Path(__file__).resolve().parents[2]

KITTY_OK = f"\x1b_Gi={term_probe.KITTY_QUERY_ID};OK\x1b\\"
KITTY_026 = KITTY_OK + "\x1bP>|kitty(0.26.5)\x1b\\\x1b[6;20;10t\x1b[?62;c"
KITTY_035 = KITTY_OK + "\x1bP>|kitty(0.35.2)\x1b\\\x1b[6;22;11t\x1b[?62;c"
XTERM_VT340 = "\x1bP>|XTerm(379)\x1b\\\x1b[6;17;8t\x1b[?63;1;2;4;6;9;15;16;22;28c"
WEZTERM = KITTY_OK + "\x1bP>|WezTerm 20240203\x1b\\\x1b[?65;4;6;18;22c"
TMUX_NO_PASSTHROUGH = "\x1bP>|tmux 3.3a\x1b\\\x1b[?1;2c"


def _probe_against(
    reply: str | None, *, delay: float = 0.0, timeout: float = 0.5
) -> tuple[term_probe.Answers, bytes, float]:
    """Run the probe on a pty's terminal side while the other side plays the terminal emulator."""
    master, slave = pty.openpty()
    asked = bytearray()

    def emulator() -> None:
        deadline = time.monotonic() + 3
        while b"\x1b[c" not in asked and time.monotonic() < deadline:
            asked.extend(os.read(master, 4096))
        if reply is not None:
            time.sleep(delay)
            os.write(master, reply.encode())

    thread = threading.Thread(target=emulator, daemon=True)
    thread.start()
    try:
        start = time.monotonic()
        answers = term_probe.probe(slave, slave, timeout=timeout)
        elapsed = time.monotonic() - start
        thread.join(5)
    finally:
        os.close(slave)
        os.close(master)
    return answers, bytes(asked), elapsed


@pytest.mark.parametrize(
    ("reply", "mode", "placement", "cell"),
    [
        (KITTY_026, "kitty", "direct", (10, 20)),  # Debian 12's kitty: no Unicode placeholders
        (KITTY_035, "kitty", "unicode", (11, 22)),
        (XTERM_VT340, "sixel", "", (8, 17)),
        (WEZTERM, "sixel", "", graphics.DEFAULT_CELL),  # speaks Kitty without placeholders, and Sixel: Sixel
        ("\x1b[?62;c", "halfblock", "", graphics.DEFAULT_CELL),
    ],
)
def test_terminals_answers_decide_the_mode(reply: str, mode: str, placement: str, cell: tuple[int, int]) -> None:
    answers, asked, _ = _probe_against(reply)
    assert asked == term_probe.queries(in_tmux=False).encode()  # one batch, DA1 last
    assert answers.answered and answers.seconds < 0.5
    result = graphics.detect("auto", env={"TERM": "xterm-256color", "COLORTERM": "truecolor"}, isatty=True,
                             ask=lambda: answers)  # fmt: skip
    if sys.version_info < (3, 12):  # no textual-image: half-blocks whatever the terminal says
        assert result.mode == "halfblock" and "Python 3.12+" in result.explanation
        return
    assert result.mode == mode, result.explanation
    assert result.kitty_placement == (placement or result.kitty_placement)
    assert result.cell_size == cell


@pytest.mark.parametrize(("delay", "answered"), [(None, False), (1.5, False), (0.05, True)])
def test_a_terminal_that_answers_late_or_never_costs_at_most_the_deadline(delay, answered) -> None:
    reply = None if delay is None else XTERM_VT340
    answers, _, elapsed = _probe_against(reply, delay=delay or 0.0, timeout=0.4)
    assert answers.answered is answered
    assert elapsed < 0.4 + 0.1, f"the probe took {elapsed:.2f} s with a 0.4 s deadline"
    if not answered:
        assert not answers.sixel and not answers.kitty


def test_inside_tmux_the_outer_queries_travel_in_passthrough() -> None:
    wrapped = term_probe.queries(in_tmux=True)
    assert wrapped.startswith("\x1bPtmux;\x1b\x1b_G") and wrapped.endswith("\x1b\x1b[5n\x1b\\\x1b[16t\x1b[c")
    assert term_probe.queries(in_tmux=True, passthrough=False) == "\x1b[16t\x1b[c"  # nothing tmux would drop
    answers = term_probe.parse(TMUX_NO_PASSTHROUGH.encode())
    assert answers.answered and not answers.kitty and answers.terminal == "tmux"


def test_probe_timeout_allows_for_an_ssh_round_trip() -> None:
    assert graphics.probe_timeout({}) == graphics.PROBE_TIMEOUT_LOCAL
    assert graphics.probe_timeout({"SSH_CONNECTION": "10.0.0.1 5000 10.0.0.2 22"}) == graphics.PROBE_TIMEOUT_REMOTE
    assert graphics.probe_timeout({"IMGBENCH_PROBE_TIMEOUT": "1.25"}) == 1.25
    with pytest.raises(ValueError, match="IMGBENCH_PROBE_TIMEOUT"):
        graphics.probe_timeout({"IMGBENCH_PROBE_TIMEOUT": "soon"})


def test_hostile_replies_never_reach_the_screen() -> None:
    answers = term_probe.parse(b"\x1bP>|evil\x07\x1b]0;title\x07(1.0)\x1b\\\x1b[?4c")
    assert all(ch.isprintable() for ch in answers.version) and answers.sixel


def test_preview_on_a_pty_that_never_answers_falls_back_within_the_bound(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "p.png"
    Image.new("RGB", (64, 64), (200, 40, 40)).save(path)
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor", "IMGBENCH_PROBE_TIMEOUT": "0.5"}
    env.pop("TMUX", None)
    exe = Path(sys.executable).parent / "imgbench"
    start = time.monotonic()
    proc = subprocess.Popen([str(exe), "preview", str(path), "--cols", "20", "--rows", "8"],
                            stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=env)  # fmt: skip
    os.close(slave)
    out = bytearray()
    try:
        while proc.poll() is None or out[-1:] != b"":
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out.extend(chunk)
    finally:
        proc.wait(30)
        os.close(master)
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    assert "▀".encode() in out  # half-blocks
    assert b"\x1b[c" in out or sys.version_info < (3, 12)  # it did ask (on 3.12, where graphics can be chosen)
    assert elapsed < 0.5 + 3.0, f"{elapsed:.2f} s"  # the deadline plus the process's own start-up


def _detect_in_tmux(tmp_path: Path, passthrough: str) -> str:
    """Run detection in a pane of a private tmux server (no graphics terminal outside it) and read its verdict."""
    import shutil

    assert shutil.which("tmux"), "tmux is needed: .ci/run installs it"
    socket = f"imgbench-gfx-{os.getpid()}-{passthrough}"
    out = tmp_path / f"verdict-{passthrough}"
    code = (
        "from tui.imaging import graphics; import os; "
        f"r = graphics.detect('auto'); open({str(out)!r}, 'w').write(r.explanation + '|' + str(r.probe_seconds))"
    )
    env = {**os.environ, "TERM": "xterm-256color", "IMGBENCH_PROBE_TIMEOUT": "1.0"}
    base = ["tmux", "-L", socket, "-f", "/dev/null"]
    try:
        subprocess.run([*base, "new-session", "-d", "-s", "t", "-x", "80", "-y", "24", "sleep 30"], env=env, check=True)
        subprocess.run([*base, "set", "-g", "allow-passthrough", passthrough], env=env, check=True)
        subprocess.run([*base, "new-window", "-t", "t:", f"cd {ROOT} && {sys.executable} -c \"{code}\"; sleep 5"],
                       env=env, check=True)  # fmt: skip
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # the pane writes it while we look: wait for the whole line
            if out.exists() and "|" in (text := out.read_text()):
                return text
            time.sleep(0.1)
        raise AssertionError(f"no verdict from the tmux pane in 15 s: {out.read_text() if out.exists() else ''!r}")
    finally:
        subprocess.run([*base, "kill-server"], env=env, check=False, capture_output=True)
        remove_socket(socket)


def test_inside_tmux_without_passthrough_the_fallback_says_how_to_fix_it(tmp_path: Path) -> None:
    verdict, seconds = _detect_in_tmux(tmp_path, "off").split("|")
    if sys.version_info < (3, 12):
        assert verdict.startswith("halfblock: textual-image needs Python 3.12+")
        return
    assert verdict.startswith("halfblock: inside tmux with allow-passthrough off (set -g allow-passthrough on")
    assert float(seconds) < 1.0  # tmux answers DA1 itself: no waiting for the deadline


def test_inside_a_detached_tmux_with_passthrough_nothing_answers_outside(tmp_path: Path) -> None:
    verdict, seconds = _detect_in_tmux(tmp_path, "on").split("|")
    if sys.version_info < (3, 12):
        assert verdict.startswith("halfblock: textual-image needs Python 3.12+")
        return
    # No client, so no outer terminal: tmux answers DA1, the passthrough DSR never comes back: the deadline.
    assert verdict.startswith("halfblock: inside tmux the outer terminal did not answer through passthrough within 1 s")
    assert 1.0 <= float(seconds) < 1.2


@pytest.mark.parametrize(("mode", "start"), [("sixel", b"\x1bP"), ("kitty", b"\x1b_Ga=t,f=100")])
def test_an_explicit_mode_is_written_into_a_file(tmp_path: Path, mode: str, start: bytes) -> None:
    """`preview x.png --mode sixel > x.six`: what was asked, not half-blocks, though stdout is no terminal."""
    from PIL import Image

    path = tmp_path / "p.png"
    Image.new("RGB", (64, 64), (200, 40, 40)).save(path)
    exe = Path(sys.executable).parent / "imgbench"
    with open(tmp_path / "out", "wb") as out:
        proc = subprocess.run([str(exe), "preview", str(path), "--mode", mode, "--cols", "20", "--rows", "8"],
                              stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE, timeout=60)  # fmt: skip
    data = (tmp_path / "out").read_bytes()
    assert proc.returncode == 0, proc.stderr
    if sys.version_info < (3, 12):  # no textual-image: half-blocks, and a note saying why
        assert "▀".encode() in data and b"Python 3.12+" in proc.stderr
        return
    assert start in data[:200] and "▀".encode() not in data
