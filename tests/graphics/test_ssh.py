"""Detection over a real SSH connection: a loopback OpenSSH server (tests/graphics/loopback_sshd.py) and ``ssh -tt``
into it from a pty that plays the terminal (answering as xterm -ti vt340, kitty 0.35, kitty 0.26.5, late, or never),
and from a real xterm with Sixel under Xvfb. The probe's queries go out through SSH and the answers come back the
same way; the remote side knows it is remote (sshd sets SSH_CONNECTION), so its deadline is the SSH one (2 s)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.graphics import loopback_sshd, pictures, xsupport
from tests.graphics import outer_terminal as ot
from tui.imaging import graphics

pytestmark = pytest.mark.slow
GRAPHICS = sys.version_info >= (3, 12)
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# Runs on the far side: the probe itself (no textual-image: it runs on 3.11 too), then detection's verdict.
_REMOTE_PROBE = """
import json, os, sys, time
from tui.imaging import graphics, term_probe
timeout = graphics.probe_timeout(os.environ)
start = time.monotonic()
a = term_probe.probe(0, 1, timeout=timeout)
took = time.monotonic() - start
graphics.reset()
d = graphics.detect('auto', ask=lambda: a)
json.dump({'timeout': timeout, 'took': took, 'answered': a.answered, 'sixel': a.sixel, 'kitty': a.kitty,
           'version': a.version, 'mode': d.mode, 'placement': d.kitty_placement, 'why': d.explanation,
           'ssh': bool(os.environ.get('SSH_CONNECTION'))}, open(sys.argv[1], 'w'))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[loopback_sshd.Server]:
    with loopback_sshd.sshd(tmp_path_factory.mktemp("sshd")) as s:
        yield s


def _remote(tmp_path: Path, command: str) -> str:
    env = (f"IMGBENCH_CONFIG_DIR={tmp_path}/config IMGBENCH_DATA_DIR={tmp_path}/data "
           f"IMGBENCH_CACHE_DIR={tmp_path}/cache PATH={BIN}:/usr/bin:/bin")  # fmt: skip
    return f"cd {ROOT} && env {env} {command}; echo remote-done"


def _over_ssh(server, tmp_path: Path, profile: dict, command: str, delay: float = 0.0) -> ot.PtyClient:
    outer = ot.OuterTerminal(profile, delay=delay)
    client = ot.PtyClient(outer, server.command(_remote(tmp_path, command)), {**os.environ, "TERM": "xterm-256color"})
    try:
        client.wait_for(lambda: None if "remote-done" in outer.text() else "the remote command did not end", 40)
    finally:
        client.close()
    return client


@pytest.mark.parametrize(
    ("profile", "delay", "mode", "placement"),
    [
        (ot.XTERM, 0.0, "sixel", ""),
        (ot.KITTY_035, 0.0, "kitty", "unicode"),
        (ot.KITTY_026, 0.0, "kitty", "direct"),
        (ot.XTERM, 0.8, "sixel", ""),  # later than the local deadline (0.5 s), within the SSH one
        (ot.SILENT, 0.0, "halfblock", ""),
    ],
)
def test_the_probe_crosses_ssh_and_picks_the_mode(server, tmp_path, profile, delay, mode, placement) -> None:
    script = tmp_path / "probe.py"
    script.write_text(_REMOTE_PROBE)
    _over_ssh(server, tmp_path, profile, f"{sys.executable} {script} {tmp_path}/result.json", delay)
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["ssh"] and result["timeout"] == graphics.PROBE_TIMEOUT_REMOTE == 2.0
    if profile is ot.SILENT:  # nothing answers: half-blocks at the deadline, not much later
        assert not result["answered"] and 2.0 <= result["took"] < 2.3, result
        if GRAPHICS:
            assert result["why"].startswith("halfblock: the terminal did not answer the probe within 2 s")
        return
    assert result["answered"] and result["version"] == profile["xtversion"], result
    assert (result["sixel"], result["kitty"]) == ("4" in str(profile["da1"]).split(";"), profile["kitty"])
    assert delay <= result["took"] < delay + 1.0, result  # the answers' own time, never the deadline
    if not GRAPHICS:
        assert result["mode"] == "halfblock" and "Python 3.12+" in result["why"]
        return
    assert (result["mode"], result["placement"] or "") == (mode, placement or result["placement"] or ""), result


def test_preview_over_ssh_sends_sixel_to_the_terminal(server, tmp_path) -> None:
    path = tmp_path / "p.png"
    pictures.picture().save(path)
    client = _over_ssh(server, tmp_path, ot.XTERM, f"imgbench preview {path} --cols 20 --rows 10")
    record = bytes(client.outer.record)
    if not GRAPHICS:
        assert "▀".encode() in record
        return
    start = record.find(b"\x1bP", record.find(b"\x1b[c"))  # after the probe: the picture as one Sixel image
    assert start > 0 and b"q" in record[start : start + 16] and b"#" in record[start : start + 64], record[:400]
    assert "▀".encode() not in record


def test_preview_over_ssh_in_a_real_xterm_is_drawn_in_sixel(server, tmp_path) -> None:
    missing = xsupport.missing_tools()
    assert not missing, f"the terminal tests need {', '.join(missing)}: .ci/run installs them"
    path = tmp_path / "picture.png"
    pictures.picture().save(path)
    remote = _remote(tmp_path, f"imgbench preview {path} --cols 40 --rows 12")
    command = ["sh", "-c", " ".join(f"'{part}'" for part in server.command(remote)) + "; sleep 60"]
    from tests.graphics.test_terminals import _expect

    with xsupport.xvfb() as display, xsupport.terminal(display, "xterm", command, {}):
        display.wait_for(_expect(1, fine=GRAPHICS, min_width=150, top_left=True), timeout=30)


@pytest.mark.parametrize("lang", ["C.UTF-8", ""])
def test_preview_in_tmux_over_ssh_reaches_kitty_as_placeholders(server, tmp_path, lang) -> None:
    """The rater's usual set-up: kitty here, ssh to the GPU box, tmux there. The Kitty graphics go through tmux's
    passthrough and SSH, unwrapped, and the placeholder cells land under the line before. Without a UTF-8 locale
    on the far side (this sshd accepts no LANG) tmux writes every non-ASCII cell as '_': imgbench says so."""
    from tests.graphics.outer_terminal import remove_socket
    from tests.graphics.test_tmux import _images

    path, socket, conf = ot.passthrough_tmux(tmp_path, "sshtmux")
    pane = f"echo hello; imgbench preview {path} --cols 20 --rows 10 2> {tmp_path}/err; echo after; sleep 60"
    tmux = f"tmux -L {socket} -f {conf} new-session '{pane}'"
    outer = ot.OuterTerminal(ot.KITTY_035)
    locale = f"LANG={lang}" if lang else "-u LANG -u LC_ALL -u LC_CTYPE"
    argv = server.command(_remote(tmp_path, f"env {locale} TERM=xterm-kitty COLORTERM=truecolor {tmux}"))
    client = ot.PtyClient(outer, argv, {**os.environ, "TERM": "xterm-kitty"})
    try:
        client.wait_for(lambda: None if "after" in outer.text() else "the preview did not end", 40)
        lines = outer.text().splitlines()
        err = (tmp_path / "err").read_text()
        if not lang:
            assert lines[1].startswith("_")  # tmux's doing, whatever is drawn
            if GRAPHICS:
                assert "tmux's client has no UTF-8 locale" in err and not _images(outer), err
            return
        if not GRAPHICS:
            assert lines[1].startswith("▀")
            return
        assert list(_images(outer).values()) == [(1, 0, 10, 20)], outer.text()
        assert err == ""
        assert b"\x1bPtmux;" not in outer.record and lines[11].startswith("after")
    finally:
        import subprocess

        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, check=False, timeout=10)
        remove_socket(socket)
        client.close()
