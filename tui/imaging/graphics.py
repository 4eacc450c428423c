"""Which way images are drawn: half-blocks everywhere, or a terminal graphics protocol through textual-image.

textual-image probes the terminal *when it is imported* and cannot once Textual owns stdin (importing
it later froze the UI for 2.2 s in reference/terminal-images.md §5.7), so ``detect()`` runs once,
before ``App.run()``, and its result is kept. Importing this module imports nothing heavy; only
``detect()`` may import textual-image, and only when the answer can be a graphics protocol.

Policy (reference/terminal-images.md §6.2): an explicit ``--preview``/config mode wins; ``auto`` means
Sixel if the terminal's DA1 reply lists it, else Kitty graphics if the terminal answers its query
(textual-image uses Unicode placeholders, which survive tmux when ``allow-passthrough`` is on), else
half-blocks; over SSH ``auto`` stays on half-blocks (a Kitty image is ~1 MB against ~127 kB).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

MODES = ("auto", "halfblock", "kitty", "sixel", "iterm")
GRAPHICS = ("kitty", "sixel", "iterm")
_TRUECOLOR_TERMS = ("xterm-kitty", "xterm-ghostty", "wezterm", "alacritty", "foot", "foot-extra", "contour")


@dataclass(frozen=True)
class Detection:
    """The preview mode in force and, in one line, why."""

    mode: str  # halfblock | kitty | sixel | iterm
    requested: str  # what the user asked for: auto | halfblock | kitty | sixel | iterm
    explanation: str  # e.g. "kitty: TERM=xterm-kitty answered the Kitty graphics query"
    color_system: str = "truecolor"  # truecolor | 256 | standard
    cell_size: tuple[int, int] | None = None  # pixels per cell, when textual-image measured it
    probed: bool = False  # textual-image's terminal probe ran

    @property
    def graphics(self) -> bool:
        return self.mode in GRAPHICS

    def __str__(self) -> str:
        return self.explanation


_current: Detection | None = None


def current() -> Detection:
    """The last ``detect()`` result, or half-blocks if detection never ran (never probes)."""
    if _current is not None:
        return _current
    system, _why = color_system()
    return Detection("halfblock", "auto", "halfblock: no detection ran", color_system=system)


def reset() -> None:
    """Forget the last detection (tests). textual-image's own probe result stays cached in it."""
    global _current
    _current = None


def textual_image_status() -> tuple[bool, str]:
    """Whether textual-image can be used here, and if not, why; without importing it."""
    if sys.version_info < (3, 12):
        return False, f"textual-image needs Python 3.12+ (this is {sys.version_info[0]}.{sys.version_info[1]})"
    if importlib.util.find_spec("textual_image") is None:
        return False, "textual-image is not installed"
    return True, "textual-image available"


def color_system(env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The colour system previews should use, and why (SSH does not forward COLORTERM)."""
    env = os.environ if env is None else env
    forced = env.get("TEXTUAL_COLOR_SYSTEM", "").lower()
    if forced in ("truecolor", "256", "standard"):
        return forced, f"TEXTUAL_COLOR_SYSTEM={forced}"
    colorterm = env.get("COLORTERM", "").lower()
    if colorterm in ("truecolor", "24bit"):
        return "truecolor", f"COLORTERM={colorterm}"
    term = env.get("TERM", "")
    if term in _TRUECOLOR_TERMS or term.endswith("-direct") or term.startswith("foot"):
        return "truecolor", f"TERM={term}"
    if term.endswith("256color"):
        return "256", f"TERM={term} without COLORTERM=truecolor"
    return "standard", f"TERM={term or 'unset'}"


def _tmux_passthrough() -> str | None:
    """tmux's allow-passthrough option ('on', 'all', 'off'), or None if it cannot be asked."""
    try:
        out = subprocess.run(
            ["tmux", "show", "-Av", "allow-passthrough"], capture_output=True, text=True, timeout=0.5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def _terminal_name(env: Mapping[str, str]) -> str:
    for key in ("TERM_PROGRAM", "LC_TERMINAL"):
        if env.get(key):
            return f"{key}={env[key]}"
    return f"TERM={env.get('TERM') or 'unset'}"


def _is_iterm(env: Mapping[str, str]) -> bool:
    return env.get("TERM_PROGRAM") == "iTerm.app" or env.get("LC_TERMINAL") == "iTerm2"


def _probe(widgets: Callable[[], object] | None) -> tuple[bool, bool, tuple[int, int]]:
    """Import textual-image (which runs its terminal probe) and read the answer: sixel, kitty, cell size."""
    from textual_image._terminal import probe_terminal

    if widgets is not None:
        widgets()  # textual-image's widget module reads the cell size when imported: it must happen now, too
    caps = probe_terminal()
    return bool(caps.sixel), bool(caps.tgp), (int(caps.cell_size.width), int(caps.cell_size.height))


def detect(
    requested: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    isatty: bool | None = None,
    widgets: Callable[[], object] | None = None,
) -> Detection:
    """Decide the preview mode once, before the App starts; the result is also kept for ``current()``.

    ``requested``: auto|halfblock|kitty|sixel|iterm (None = auto). ``widgets``: what imports
    textual-image's Textual widgets, for the TUI (``tui.widgets.image_view.load_graphics_widgets``).
    """
    env = os.environ if env is None else env
    requested = (requested or "auto").lower()
    if requested not in MODES:
        raise ValueError(f"preview mode {requested!r} is not one of {', '.join(MODES)}")
    system, system_why = color_system(env)
    colours = "" if system == "truecolor" else f"; {system} colours ({system_why})"

    def done(mode: str, why: str, **extra: object) -> Detection:
        global _current
        _current = Detection(mode, requested, f"{mode}: {why}{colours}", color_system=system, **extra)  # type: ignore[arg-type]
        return _current

    if requested == "halfblock":
        return done("halfblock", "chosen by --preview or config")
    usable, why_not = textual_image_status()
    if not usable:
        return done("halfblock", why_not + (f" for {requested}" if requested != "auto" else ""))
    tty = sys.__stdout__ is not None and sys.__stdout__.isatty() if isatty is None else isatty
    if not tty:
        return done("halfblock", "output is not a terminal")
    term = env.get("TERM", "")
    if term in ("dumb", "linux", ""):
        return done("halfblock", f"TERM={term or 'unset'} has no graphics")
    in_tmux, over_ssh = bool(env.get("TMUX")), bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY"))
    try:
        sixel, kitty, cell = _probe(widgets)
    except Exception as exc:  # a probe that fails must never stop the app from starting
        return done("halfblock", f"terminal probe failed ({type(exc).__name__}: {exc})")

    if requested in GRAPHICS:
        confirmed = {"kitty": kitty, "sixel": sixel, "iterm": sixel or _is_iterm(env)}[requested]
        note = "" if confirmed else " (the terminal did not confirm it)"
        how = " drawn with iTerm2's Sixel support" if requested == "iterm" else ""
        return done(requested, f"chosen by --preview or config{how}{note}", cell_size=cell, probed=True)

    name = _terminal_name(env)
    found = "sixel" if sixel else "kitty" if kitty else None
    if found and term in ("xterm-kitty", "xterm-ghostty") and kitty:
        found = "kitty"  # kitty and Ghostty implement the Unicode placeholders; prefer them there
    if found == "sixel" and _is_iterm(env):
        found = "iterm"
    if found is None:
        if in_tmux:
            passthrough = _tmux_passthrough()
            if passthrough == "off":
                return done("halfblock", "inside tmux without allow-passthrough (set -g allow-passthrough on)",
                            cell_size=cell, probed=True)  # fmt: skip
            return done("halfblock", "inside tmux and the outer terminal answered no graphics query",
                        cell_size=cell, probed=True)  # fmt: skip
        return done("halfblock", f"{name} answered no graphics query", cell_size=cell, probed=True)
    if over_ssh:
        return done("halfblock", f"over SSH ({found} available: --preview {found} to use it)",
                    cell_size=cell, probed=True)  # fmt: skip
    why = {
        "kitty": f"{name} answered the Kitty graphics query" + (" through tmux passthrough" if in_tmux else ""),
        "sixel": f"{name} reports Sixel (DA1)",
        "iterm": f"{name}, drawn with its Sixel support",
    }[found]
    return done(found, why, cell_size=cell, probed=True)
