"""Issue 11, finding 5: ESC, OSC 52 (clipboard), OSC 0 (window title) and C1 controls in a session name, a preset
title, a note, a provider's message or an imported field reach no terminal raw: checked on a real pty, byte by
byte, and through a terminal emulator (pyte) for what the user sees."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.robustness.hostile_support import real_session
from tests.robustness.pty_support import raw_controls, run_in_pty
from tests.robustness.support import child_env
from tui.core.model import RunError, Score
from tui.core.safe_text import visible
from tui.core.store import Store

OSC52 = "\x1b]52;c;UExBTlRFRA==\x1b\\"  # an ST-terminated clipboard write: Rich keeps it, a terminal obeys it
OSC0 = "\x1b]0;owned\x07"
CSI_C1 = "\x9b2J"  # an 8-bit CSI: clear the screen
HOSTILE = f"evil{OSC52}{OSC0}{CSI_C1}\x1b[2J\x08end"


@pytest.fixture
def hostile_session(data_dir: Path, config_dir: Path) -> str:
    store = Store(data_dir)
    session = real_session(store)

    def plant(s) -> None:
        s.name = HOSTILE
        s.cases[0].title = HOSTILE
        s.models = [*s.models]
        s.runs[2].error = RunError("server", f"upstream said {HOSTILE}", 500)
        s.set_score(Score("r-0000", HOSTILE, {"c1": "pass"}, f"note {HOSTILE}", False, "2026-01-01T00:09:00Z"))

    store.mutate(session.id, plant)
    presets = config_dir / "presets"
    presets.mkdir(parents=True)
    (presets / "evil.toml").write_text(
        "schema_version = 1\n"
        f'id = "mine/evil"\ntitle = {json.dumps(HOSTILE)}\ncategory = "x"\nmode = "t2i"\n'
        'prompt = "a cube"\n\n[[checklist]]\nid = "c1"\ncriterion = "Cube"\ncheck = "a cube"\n'
    )
    return session.id


@pytest.mark.parametrize(
    "argv",
    [
        ["sessions", "list"],
        ["presets"],
        ["report", "{id}"],
        ["report", "{id}", "--format", "json"],
        ["sessions", "export", "{id}"],
        ["leaderboard"],
        ["sessions", "resume", "{id}", "--bogus{osc}"],
    ],
    ids=["list", "presets", "report-md", "report-json", "export", "leaderboard", "usage-error"],
)
def test_cli_output_shows_controls_and_never_sends_them(hostile_session: str, argv: list[str]) -> None:
    argv = [a.format(id=hostile_session, osc=OSC52) for a in argv]
    term = run_in_pty(argv, env=child_env())
    assert not raw_controls(term.raw), term.raw[:2000]  # these commands style nothing: any ESC came from the data
    assert "Traceback" not in term.text
    if argv[0] in ("sessions", "presets", "report") and argv[-1] != "json" and "export" not in argv:
        assert "␛" in term.raw.decode("utf-8", "replace"), term.text  # shown: the user sees something odd is there


def test_preview_labels_show_controls(hostile_session: str, data_dir: Path) -> None:
    store = Store(data_dir)
    store.mutate(hostile_session, lambda s: setattr(s.cases[0], "title", HOSTILE))
    term = run_in_pty(["preview", hostile_session, "--mode", "halfblock", "--cols", "100"], env=child_env(), rows=300)
    assert not raw_controls(term.raw, allow_colours=True), term.raw[:2000]
    assert "␛" in term.text and term.screen.title in ("", None)


def test_the_tui_home_and_run_screens_show_controls(hostile_session: str) -> None:
    term = run_in_pty(
        [],
        env=child_env(),
        cols=100,
        rows=30,
        until=lambda screen: any("evil" in line for line in screen.display),
        keys=b"\x11",  # ctrl+q
    )
    assert b"\x1b]52" not in term.raw and b"owned\x07" not in term.raw
    assert not re.search("[\x80-\x9f]", term.raw.decode("utf-8", "replace"))  # no C1 as a character
    assert term.screen.title != "owned"
    assert any("evil␛" in line for line in term.screen.display), term.text


def test_one_sanitizer_marks_every_control_character() -> None:
    for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]:
        if chr(code) in "\n\t":
            continue
        shown = visible(f"a{chr(code)}b")
        assert chr(code) not in shown and shown.startswith("a") and shown.endswith("b") and len(shown) > 2
    assert visible("line one\n\tline two") == "line one\n\tline two"
    assert "\n" not in visible("line one\nline two", one_line=True)
    assert visible("café 猫 🐱") == "café 猫 🐱"
    assert visible("caf\udce9") == "caf<U+DCE9>"  # a byte that was not UTF-8 (an odd file name)
