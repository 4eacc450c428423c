"""Home's first frame is the whole screen, sessions included, as a terminal receives it.

Textual renders a screen pushed inside the App's mount (a batch update), throws that frame away, then paints
only what changed since: the first frame had the pane titles but no borders, no table and no footer, and the whole
screen came ~40 ms later. (The footer's keys come a frame later, as in any Textual app: they follow the
bindings.) The frames are split where Textual ends each synchronised update, so each check sees the
screen exactly as one frame left it."""

from __future__ import annotations

from pathlib import Path

from tests.pty_terminal import PtyApp, app_env, imgbench_argv
from tui.cli.main import main

SYNC_QUERY = b"\x1b[?2026$p"  # does the terminal support synchronised output (DECRQM)?
SYNC_YES = b"\x1b[?2026;2$y"  # it does (reset for now), as kitty, foot, WezTerm and recent xterm answer
END_OF_FRAME = b"\x1b[?2026l"  # synchronised output ends: the terminal shows the frame now


class _Frames(PtyApp):
    """A terminal with synchronised output (pyte answers no queries): keeps the screen's text at the end of each
    frame, in order."""

    def __init__(self, *args, **kwargs) -> None:
        self.frames: list[str] = []
        self._pending = b""
        super().__init__(*args, **kwargs)

    def received(self, data: bytes) -> None:
        super().received(data)
        if SYNC_QUERY in data:
            self.send(SYNC_YES)
        self._pending += data
        while END_OF_FRAME in self._pending:
            _, self._pending = self._pending.split(END_OF_FRAME, 1)
            self.frames.append(self.text())


def test_the_first_frame_with_home_on_it_has_the_table_borders_and_newest_session(
    fast_demo: Path, data_dir: Path, tmp_path: Path, capsys
) -> None:
    for name in ("older sweep", "newest sweep"):
        assert main(["run", "--prompt", "a red cube", "--model", "demo:mosaic", "--name", name, "-q"]) == 0
    capsys.readouterr()
    app = _Frames(imgbench_argv(), cols=100, rows=30, env=app_env(tmp_path, tmp_path / "actions.log"))
    try:
        app.wait_until(lambda: any("newest sweep" in f for f in app.frames), 30, "the newest session in a frame")
        first = next(f for f in app.frames if "Sessions" in f)
        for part in ("╭", "Created", "newest sweep", "older sweep", "Presets"):
            assert part in first, f"{part!r} missing from Home's first frame:\n{first}"
        # The footer and the preset list are mounted after that frame, into the room it kept for them: when the
        # keys and the presets show, nothing above them has moved.
        app.wait_until(lambda: "New" in app.frames[-1] and "tier-a/cat1" in app.frames[-1], 30, "keys and presets")
        last = app.frames[-1]
        assert _rows_of("╰", first) == _rows_of("╰", last), f"the panes moved:\n{first}\n---\n{last}"
        assert last.splitlines()[:2] == first.splitlines()[:2]  # the title line and the panes' tops
        assert "New" in last.splitlines()[-1]  # the footer's keys on the bottom line, where its room was
    finally:
        app.close()


def _rows_of(mark: str, screen: str) -> list[int]:
    return [i for i, line in enumerate(screen.splitlines()) if mark in line]
