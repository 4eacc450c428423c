"""What tmux knows that a program in one of its panes cannot ask the outer terminal for.

Two answers never reach a pane through tmux 3.3's passthrough: XTVERSION and DA1 (tmux reads the outer
terminal's replies to those as answers to its own queries). But tmux asks the outer terminal for XTVERSION
itself when a client attaches and keeps the answer as ``client_termtype`` (e.g. ``kitty(0.26.5)``), so the
outer terminal's name and version come from tmux. Also asked: ``allow-passthrough`` (off: nothing wrapped
reaches the outer terminal, so the probe does not wait for it) and the pane's place on the outer screen
(a Kitty direct placement through passthrough is positioned in the outer terminal's coordinates).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

_FIELDS = (
    "allow-passthrough",
    "pane_top",
    "pane_left",
    "pane_height",
    "client_termtype",
    "client_termname",
    "client_utf8",
)


@dataclass(frozen=True)
class TmuxState:
    passthrough: str = ""  # "on", "all", "off", or "" when tmux could not be asked
    pane_top: int = 0  # the pane's first row and column on the outer terminal's screen, from 0
    pane_left: int = 0
    pane_height: int = 0
    client_termtype: str = ""  # the outer terminal's XTVERSION as tmux heard it, e.g. "kitty(0.26.5)"
    client_termname: str = ""  # the outer terminal's TERM, e.g. "xterm-kitty"
    client_utf8: str = ""  # "0": tmux writes every non-ASCII character as "_" (its client had no UTF-8 locale)

    @property
    def passthrough_on(self) -> bool:
        """Unknown counts as on: then the probe asks, and a dropped query only costs the deadline."""
        return self.passthrough != "off"


def _number(text: str) -> int:
    return int(text) if text.isdigit() else 0


def parse(line: str) -> TmuxState:
    """``tmux display -p`` of the fields above, tab-separated; control characters never pass."""
    parts = [("".join(ch for ch in p if ch.isprintable()))[:80] for p in line.rstrip("\n").split("\t")]
    if len(parts) != len(_FIELDS):
        return TmuxState()
    passthrough, top, left, height, termtype, termname, utf8 = parts
    passthrough = {"0": "off", "1": "on"}.get(passthrough, passthrough)
    return TmuxState(passthrough, _number(top), _number(left), _number(height), termtype, termname, utf8)


def ask(env: Mapping[str, str] | None = None, *, timeout: float = 1.0) -> TmuxState:
    """Ask the tmux server this process runs under (``$TMUX``, ``$TMUX_PANE``); empty if it cannot be asked."""
    env = os.environ if env is None else env
    target = ["-t", env["TMUX_PANE"]] if env.get("TMUX_PANE") else []
    fmt = "\t".join("#{" + field + "}" for field in _FIELDS)
    try:
        out = subprocess.run(["tmux", "display", "-p", *target, fmt], capture_output=True, text=True,
                             timeout=timeout, check=False, env={**os.environ, **env})  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return TmuxState()
    return parse(out.stdout) if out.returncode == 0 else TmuxState()
