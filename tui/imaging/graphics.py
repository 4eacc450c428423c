"""Which way images are drawn: half-blocks everywhere, or a terminal graphics protocol.

``detect()`` runs once, before ``App.run()`` (a probe cannot read replies once Textual owns stdin), asks
the terminal with one batched probe (``term_probe``: the Kitty query action, XTVERSION, the cell size,
DA1 as the sentinel) under a hard deadline, and keeps the result. textual-image's own probe never runs:
its cache is filled from ours before it is imported, so there is one probe and one deadline.

Policy: an explicit ``--mode``/``--preview``/config mode wins (and is honoured when stdout is a file:
``preview x.png --mode sixel > x.six``); ``auto`` picks, from the answers:
- Kitty with Unicode placeholders where they exist (kitty ≥ 0.28, Ghostty): they are text, so Textual
  lays them out, clips them, and they survive tmux (with ``allow-passthrough on``);
- else Sixel if DA1 lists it (xterm -ti vt340, foot, WezTerm, Konsole: the last two speak Kitty too,
  but without placeholders);
- else Kitty by direct placement (kitty before 0.28): drawn at a cell position, see ``kitty.py``;
- else half-blocks. A terminal that does not answer within the deadline gets half-blocks too.
Over SSH the probe is the same (Kitty and Sixel are in-band escape codes) with a longer deadline.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from tui.imaging import term_probe, tmux_state
from tui.imaging.term_probe import Answers
from tui.imaging.tmux_state import TmuxState

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
    cell_size: tuple[int, int] | None = None  # pixels per cell, when the terminal said
    probed: bool = False  # the terminal probe ran
    kitty_placement: str = ""  # kitty mode: "unicode" (placeholders) or "direct" (placed at a cell)
    terminal: str = ""  # XTVERSION's answer, e.g. "kitty(0.26.5)"
    probe_seconds: float = 0.0
    tmux: TmuxState | None = None  # inside tmux: what its server said (a direct placement goes through it)
    fixable: str = ""  # a fallback the user can undo, said even when nothing was asked for: how

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


# The probe's deadline. A terminal answers DA1 in milliseconds, so the deadline only costs anything when
# nothing answers; over SSH a reply needs a round trip (and a slow link several), so it is longer there.
PROBE_TIMEOUT_LOCAL = 0.5
PROBE_TIMEOUT_REMOTE = 2.0
DEFAULT_CELL = (10, 20)  # VT340's, what textual-image assumes too, when the terminal does not say


def probe_timeout(env: Mapping[str, str]) -> float:
    """``IMGBENCH_PROBE_TIMEOUT`` (seconds, 0.05-10), else 2 s over SSH and 0.5 s locally."""
    raw = env.get("IMGBENCH_PROBE_TIMEOUT", "").strip()
    if raw:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"IMGBENCH_PROBE_TIMEOUT={raw!r} is not a number of seconds") from None
        if not 0.05 <= value <= 10:
            raise ValueError(f"IMGBENCH_PROBE_TIMEOUT={raw!r} must be between 0.05 and 10 seconds")
        return value
    return PROBE_TIMEOUT_REMOTE if _over_ssh(env) else PROBE_TIMEOUT_LOCAL


def _over_ssh(env: Mapping[str, str]) -> bool:
    return bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY") or env.get("SSH_CLIENT"))


def _ask_terminal(env: Mapping[str, str], state: TmuxState | None) -> Answers:
    """The real probe, on the process's own terminal (stdin for replies, stdout for queries)."""
    assert sys.__stdin__ is not None and sys.__stdout__ is not None
    sys.__stdout__.flush()
    return term_probe.probe(sys.__stdin__.fileno(), sys.__stdout__.fileno(), timeout=probe_timeout(env),
                            in_tmux=state is not None, passthrough=state is None or state.passthrough_on)  # fmt: skip


def _share_with_textual_image(sixel: bool, kitty: bool, cell: tuple[int, int]) -> None:
    """Fill textual-image's probe cache with our answers, so importing it never probes (nor waits 2 s)."""
    from textual_image import _terminal

    caps = _terminal.TerminalCapabilities(_terminal.CellSize(*cell), sixel=sixel, tgp=kitty)
    _terminal.probe_terminal._result = caps  # type: ignore[attr-defined]


def _terminal_name(env: Mapping[str, str], answers: Answers | None = None) -> str:
    if answers is not None and answers.version:
        return answers.version
    for key in ("TERM_PROGRAM", "LC_TERMINAL"):
        if env.get(key):
            return f"{key}={env[key]}"
    return f"TERM={env.get('TERM') or 'unset'}"


def _is_iterm(env: Mapping[str, str]) -> bool:
    return env.get("TERM_PROGRAM") == "iTerm.app" or env.get("LC_TERMINAL") == "iTerm2"


def _stdio_is_tty() -> bool:
    return all(s is not None and s.isatty() for s in (sys.__stdin__, sys.__stdout__))


def detect(
    requested: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    isatty: bool | None = None,
    widgets: Callable[[], object] | None = None,
    ask: Callable[[], Answers] | None = None,
    tmux: Callable[[], TmuxState] | None = None,
    app: bool = False,
) -> Detection:
    """Decide the preview mode once, before the App starts; the result is also kept for ``current()``.

    ``requested``: auto|halfblock|kitty|sixel|iterm (None = auto). ``widgets``: what imports
    textual-image's Textual widgets, for the TUI (``tui.widgets.graphics_widgets.load_graphics_widgets``).
    ``ask``: the terminal probe (tests give a stand-in; by default the real one on stdin/stdout); ``tmux``:
    what the tmux server says (inside tmux; by default asked). ``app``: for the TUI, which redraws (inside tmux
    it gets no Kitty direct placement), not for one printed image.
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
        if _current.graphics:
            _share_with_textual_image(mode == "sixel" or mode == "iterm", mode == "kitty",
                                      _current.cell_size or DEFAULT_CELL)  # fmt: skip
            if widgets is not None:
                widgets()  # textual-image's widget module must be imported before the App owns the terminal
        return _current

    if requested == "halfblock":
        return done("halfblock", "chosen by --preview or config")
    usable, why_not = textual_image_status()
    if not usable:
        return done("halfblock", why_not + (f" for {requested}" if requested != "auto" else ""))
    tty = _stdio_is_tty() if isatty is None else isatty
    if not tty:
        if requested in GRAPHICS:  # `preview x.png --mode sixel > x.six`: what was asked, at the default cell size
            return done(requested, "chosen by --mode, written for a terminal that is not this one",
                        cell_size=DEFAULT_CELL, kitty_placement="direct")  # fmt: skip
        return done("halfblock", "output is not a terminal")
    term = env.get("TERM", "")
    if term in ("dumb", "linux", "") and requested == "auto":
        return done("halfblock", f"TERM={term or 'unset'} has no graphics")
    in_tmux = bool(env.get("TMUX"))
    state = (tmux or (lambda: tmux_state.ask(env)))() if in_tmux else None
    try:
        answers = (ask or (lambda: _ask_terminal(env, state)))()
    except ValueError:
        raise  # a bad IMGBENCH_PROBE_TIMEOUT is the user's to fix
    except Exception as exc:  # a probe that fails must never stop the app from starting
        answers = Answers()
        probe_error = f"the terminal probe failed ({type(exc).__name__})"
    else:
        probe_error = ""
    if state is not None and state.client_termtype:  # tmux swallows the outer terminal's XTVERSION: tmux heard it
        answers = replace(answers, version=state.client_termtype)
    cell = answers.cell_size or DEFAULT_CELL
    seen = {"cell_size": cell, "probed": True, "terminal": answers.version, "probe_seconds": answers.seconds,
            "tmux": state}  # fmt: skip
    name = _terminal_name(env, answers)
    # Through tmux an unknown outer terminal gets placeholders (the one Kitty form tmux can carry).
    unicode = term_probe.placeholders_supported(answers) or (in_tmux and not answers.version)
    placement = "unicode" if unicode else "direct"
    # A direct placement through tmux is drawn at a spot on the outer screen that tmux's redraws know nothing
    # of: fine for `imgbench preview`'s one image, not for an app that redraws; there half-blocks are better.
    tmux_direct_refused = in_tmux and not unicode and app
    old_kitty = f"{name} has no Unicode placeholders (kitty ≥ 0.28), which Kitty graphics in a tmux app need"

    if requested in GRAPHICS:
        confirmed = {"kitty": answers.kitty, "sixel": answers.sixel, "iterm": answers.sixel or _is_iterm(env)}
        note = "" if confirmed[requested] else " (the terminal did not confirm it)"
        if requested == "kitty" and tmux_direct_refused:
            placement, note = "unicode", f"{note} ({old_kitty}: expect empty boxes)"
        how = " drawn with iTerm2's Sixel support" if requested == "iterm" else ""
        extra = f", {placement} placement" if requested == "kitty" else ""
        return done(requested, f"chosen by --preview or config{how}{extra}{note}", kitty_placement=placement, **seen)

    if state is not None and state.client_utf8 == "0":  # seen over SSH without LANG: placeholders came out as "_"
        fix = "tmux's client has no UTF-8 locale, so tmux draws every non-ASCII cell as '_': start tmux with -u"
        return done("halfblock", f"inside tmux, {fix} or a UTF-8 LANG", fixable=f"{fix} or a UTF-8 LANG", **seen)
    if state is not None and not state.passthrough_on:
        outer = state.client_termtype or state.client_termname
        fix = f"set -g allow-passthrough on for Kitty graphics{f' in {outer}' if outer else ''}"
        kitty_outside = re.match(r"(xterm-)?(kitty|ghostty|wezterm)", outer.lower()) is not None
        why = f"inside tmux with allow-passthrough off ({fix})"
        return done("halfblock", why, fixable=fix if kitty_outside else "", **seen)
    if not answers.answered:
        why = probe_error or f"the terminal did not answer the probe within {probe_timeout(env):g} s"
        return done("halfblock", why, **seen)
    via = " through tmux passthrough" if in_tmux else ""
    if answers.kitty and placement == "unicode":
        return done("kitty", f"{name} answered the Kitty graphics query{via} (Unicode placeholders)",
                    kitty_placement="unicode", **seen)  # fmt: skip
    if answers.sixel:
        found = "iterm" if _is_iterm(env) else "sixel"
        why = f"{name}, drawn with its Sixel support" if found == "iterm" else f"{name} reports Sixel (DA1)"
        return done(found, why, **seen)
    if answers.kitty and tmux_direct_refused:
        return done("halfblock", f"inside tmux, {old_kitty} (imgbench preview draws it by direct placement)",
                    **seen)  # fmt: skip
    if answers.kitty:
        where = ", placed on the outer screen" if in_tmux else ""
        return done("kitty", f"{name} answered the Kitty graphics query{via} (no Unicode placeholders: direct "
                    f"placement{where})", kitty_placement="direct", **seen)  # fmt: skip
    if in_tmux and not answers.outer:
        return done("halfblock", f"inside tmux the outer terminal did not answer through passthrough within "
                    f"{probe_timeout(env):g} s", **seen)  # fmt: skip
    if in_tmux:
        return done("halfblock", f"inside tmux and the outer terminal ({name}) answered no graphics query", **seen)
    return done("halfblock", f"{name} answered no graphics query", **seen)
