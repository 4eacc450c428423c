"""Every binding of every screen fires from the bytes a terminal sends.

The real app runs in a pseudo-terminal (tests/pty_terminal.py); each key of each binding goes in as bytes, and the
app's action log (IMGBENCH_ACTION_LOG) shows which action ran on which screen. The walk below must press every key
of every binding id in the registry (the last test fails on any binding it does not reach), at 100x30 and 80x24.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from screens.registry import SCREENS
from tests.pty_terminal import PtyApp, app_env, imgbench_argv, key_bytes
from tui.app import ImgbenchApp
from tui.cli.main import main
from tui.widgets.bindings import KeyedBinding, keyed_bindings

TITLES = {cls.HELP_TITLE: cls for cls in SCREENS.values()}


def all_bindings() -> dict[str, KeyedBinding]:
    found = {b.id: b for b in keyed_bindings(ImgbenchApp, {})}
    for cls in SCREENS.values():
        found.update({b.id: b for b in keyed_bindings(cls, {})})
    return found


BINDINGS = all_bindings()


class Walk:
    """Sends keys and reads the action log; remembers which (binding id, key) pairs fired."""

    def __init__(self, app: PtyApp, log: Path) -> None:
        self.app = app
        self.log = log
        self.seen = 0
        self.covered: set[tuple[str, str]] = set()
        self.screen = ""

    def _lines(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [line.split("\t") for line in self.log.read_text().splitlines()]

    def _screens(self) -> list[str]:
        return [f[1] for f in self._lines() if f[0] == "screen"]

    def on(self, title: str, timeout: float = 30.0) -> None:
        """Until ``title`` is the screen on show."""
        self.app.wait_until(lambda: (self._screens() or [""])[-1] == title, timeout, f"screen {title}")
        self.screen = title
        time.sleep(0.05)

    def press(self, binding_id: str, key: str | None = None, then: str | None = None) -> None:
        """Send ``key`` (each of the binding's keys when None) and wait for the binding's action in the log."""
        binding = BINDINGS[binding_id]
        for k in [key] if key else binding.keys:
            assert k in binding.keys, (binding_id, k)
            where = "imgbench" if binding_id.startswith("app.") else self.screen
            start = len(self._lines())
            self.app.send(key_bytes(k))

            def fired(start: int = start, where: str = where) -> bool:
                return any(
                    f[0] == "action" and f[1] == where and f[2] == binding.action and f[3] == "True"
                    for f in self._lines()[start:]
                )

            self.app.wait_until(fired, 30, f"{binding_id} ({k!r}) on {where}")
            self.covered.add((binding_id, k))
            if then:
                self.on(then)
            if k == "escape":
                time.sleep(0.05)  # a lone ESC: let Textual's escape delay pass before the next byte


@pytest.fixture
def prepared(tmp_path: Path, capsys, monkeypatch) -> Path:
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    (config / "config.toml").write_text('preview = "halfblock"\n[providers.demo]\nlatency_ms = 5\n')
    (config / "credentials.toml").write_text('[keys]\nopenai = "PLANTED-KEY-aaaa1111"\nxai = "PLANTED-KEY-bbbb2222"\n')
    (config / "credentials.toml").chmod(0o600)
    config.chmod(0o700)
    monkeypatch.setenv("IMGBENCH_CONFIG_DIR", str(config))
    monkeypatch.setenv("IMGBENCH_DATA_DIR", str(tmp_path / "data"))
    # A blind edit session first (so the oldest: Home lists it last), for the edit region and the blind report prompt.
    from PIL import Image

    Image.new("RGB", (64, 64), (30, 120, 60)).save(tmp_path / "ref.png")
    blind = ["run", "--prompt", "a green cone", "--ref", str(tmp_path / "ref.png"), "--check", "Is it a cone?"]
    assert main([*blind, "--blind", "--model", "demo:mosaic", "--model", "demo:aurora", "-q"]) == 0
    args = ["run", "--prompt", "a red cube", "--prompt", "a blue ball", "--check", "Is there one object?"]
    assert main([*args, "--check", "Is it the colour asked?", "--model", "demo:mosaic", "--model", "demo:aurora"]) == 0
    capsys.readouterr()
    return tmp_path


def walk_every_key(tmp: Path, cols: int, rows: int) -> Walk:
    log = tmp / f"actions-{cols}x{rows}.log"
    app = PtyApp(imgbench_argv(), cols=cols, rows=rows, env=app_env(tmp, log))
    w = Walk(app, log)
    try:
        w.on("Home")
        app.wait_until(lambda: "Sessions" in app.text(), what="Home drawn")
        w.press("home.refresh")
        w.press("home.export")
        w.press("app.help", "f1", then="Help")
        w.press("help.close", "escape", then="Home")
        w.press("app.help", "question_mark", then="Help")
        w.press("help.close", "q", then="Home")
        w.press("app.help", "f1", then="Help")
        w.press("help.close", "f1", then="Home")
        w.press("app.screenshot")
        app.wait_until(lambda: "Screenshot saved" in app.text(), what="the screenshot notification")
        # Keys, the key dialog and the confirmation
        w.press("home.keys", then="Keys")
        w.press("keys.back", then="Home")
        w.press("app.keys", then="Keys")
        w.press("keys.set", "s", then="Key input")
        w.press("keyinput.cancel", then="Keys")
        w.press("keys.set", "enter", then="Key input")
        w.press("keyinput.cancel", then="Keys")
        w.press("keys.fix")
        w.press("keys.remove", "d", then="Confirm")
        w.press("confirm.no", "n", then="Keys")
        w.press("keys.remove", "delete", then="Confirm")
        w.press("confirm.no", "escape", then="Keys")
        w.press("keys.remove", "d", then="Confirm")
        w.press("confirm.yes", "y", then="Keys")
        app.send(key_bytes("down"))  # the next provider with a stored key
        app.wait_until(lambda: "PLANTED" not in app.text(), what="keys masked")
        time.sleep(0.2)
        w.press("keys.remove", "d", then="Confirm")
        w.press("confirm.yes", "enter", then="Keys")
        w.press("keys.back", then="Home")
        # Compose, the file picker, a new session's Run screen
        w.press("home.new", then="Compose")
        w.press("compose.back", then="Home")
        w.press("home.new", then="Compose")
        w.press("compose.run", "ctrl+r")  # nothing chosen yet: an error, the screen stays
        w.press("compose.attach", then="Pick a file")
        w.press("picker.up")  # backspace with the path empty: the parent folder
        w.press("picker.cancel", then="Compose")
        app.send(key_bytes("space"))  # the first preset
        # Compose's run key is a priority binding: it must not overtake the space still on its way to the list.
        app.wait_until(lambda: "☑ tier-a/cat1" in app.text(), what="the first preset ticked")
        w.press("compose.run", "ctrl+j")
        w.on("Run", timeout=60)  # the session is made in a thread: slow on a busy machine
        app.wait_until(lambda: "3/3 finished" in app.text(), what="the runs to finish")
        for binding_id in ("run.cancel", "run.cancel_all", "run.retry"):
            w.press(binding_id)
        w.press("run.results", then="Results")
        w.press("results.back", then="Run")
        w.press("run.review", then="Rater name")  # no rater name yet: asked on the first Review
        w.press("rater.skip", then="Review")
        w.press("review.back", then="Run")
        w.press("run.back", then="Home")
        # Review of the two-case session, and everything it opens
        app.send(key_bytes("down"))  # Home lists the newest first: the prepared session is second
        time.sleep(0.3)
        w.press("home.open", then="Rater name")
        app.send(key_bytes("enter"))  # keep the suggested name this time
        w.on("Review")
        for binding_id in ("review.next_output", "review.prev_output", "review.next_item", "review.prev_item"):
            w.press(binding_id)
        for binding_id in ("review.pass", "review.fail", "review.partial", "review.na", "review.clear"):
            w.press(binding_id)
        w.press("review.next_case")
        w.press("review.prev_case")
        w.press("review.reveal")
        w.press("review.note", then="Note / text")
        w.press("note.cancel", then="Review")
        w.press("review.prefer", then="Preference")
        for binding_id in ("prefer.up", "prefer.down"):
            w.press(binding_id)
        for binding_id in ("prefer.a", "prefer.b"):
            for key in BINDINGS[binding_id].keys:
                w.press(binding_id, key)
                w.press("prefer.up", "up")  # back to the first pair, so every choice has a pair to go to
        w.press("prefer.tie")
        w.press("prefer.both_bad")
        w.press("prefer.close", "escape", then="Review")
        w.press("review.prefer", then="Preference")
        app.wait_for("Which is better?")  # drawn, so its keys are bound: a q sent before that went nowhere once
        time.sleep(0.3)
        w.press("prefer.close", "q", then="Review")
        w.press("review.zoom", "enter", then="Zoom")
        w.press("zoom.back", "escape", then="Review")
        w.press("review.zoom", "z", then="Zoom")
        w.press("zoom.back", "z", then="Review")
        w.press("review.zoom", "z", then="Zoom")
        for binding_id in ("zoom.next", "zoom.prev", "zoom.prev_output", "zoom.next_output", "zoom.loupe_in"):
            w.press(binding_id)
        for binding_id in ("zoom.pan_up", "zoom.pan_down", "zoom.loupe_out", "zoom.loupe_fit"):
            w.press(binding_id)
        for binding_id in ("zoom.compare", "zoom.diff", "zoom.region", "zoom.open"):
            w.press(binding_id)
        for binding_id in ("zoom.loupe_in", "zoom.pan_up", "zoom.pan_down", "zoom.loupe_out", "zoom.loupe_fit",
                           "zoom.prev_output", "zoom.next_output"):  # fmt: skip
            w.press(binding_id)
        w.press("zoom.back", "q", then="Review")
        w.press("review.results", then="Results")
        for binding_id in ("results.export", "results.report_md", "results.report_html", "results.sheet"):
            w.press(binding_id)
        w.press("results.packet", then="Note / text")
        w.press("note.cancel", then="Results")
        w.press("results.import", then="Pick a file")
        w.press("picker.cancel", then="Results")
        w.press("results.judge", then="Note / text")  # judge with an AI model…: asks which judge
        w.press("note.cancel", then="Results")
        w.press("results.review", then="Review")
        w.press("app.home", then="Home")
        w.press("home.results", then="Results")
        w.press("results.back", then="Home")
        w.press("home.packet", then="Note / text")  # export for a rater…: asks the name
        w.press("note.cancel", then="Home")
        w.press("home.import", then="Pick a file")  # import…: the file picker
        w.press("picker.cancel", then="Home")
        # The blind edit session, listed last: its edit region dialog and the report prompt of a blind session
        for key in ["up"] * 4 + ["down"] * 2:  # to the top, then two down: wherever the cursor was kept
            app.send(key_bytes(key))
            time.sleep(0.1)
        time.sleep(0.2)
        w.press("home.open", then="Review")
        app.wait_until(lambda: "Checklist for A" in app.text(), what="the blind session's Review (slot A)")
        w.press("review.zoom", "z", then="Zoom")
        w.press("zoom.region", then="Edit region")
        w.press("region.cancel", then="Zoom")
        w.press("zoom.back", "escape", then="Review")
        w.press("review.results", then="Results")
        for report, answer in (("results.report_md", "s"), ("results.report_html", "enter"), ("results.sheet", "r")):
            w.press(report, then="Blind: report by slot or with names")
            w.press("reveal_prompt.names" if answer == "r" else "reveal_prompt.slots", answer, then="Results")
        w.press("results.report_md", then="Blind: report by slot or with names")
        w.press("reveal_prompt.cancel", then="Results")
        w.press("app.home", then="Home")
        w.press("app.quit")
        app.proc.wait(20)
        assert app.proc.returncode == 0, app.text()
        assert "Traceback" not in app.text()
    finally:
        app.close()
    return w


def missing(w: Walk) -> list[str]:
    wanted = {(b.id, k) for b in BINDINGS.values() for k in b.keys}
    return sorted(f"{i} {k}" for i, k in wanted - w.covered)


@pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])
def test_every_key_of_every_binding_fires_from_terminal_bytes(prepared: Path, size: tuple[int, int]) -> None:
    w = walk_every_key(prepared, *size)
    assert missing(w) == []


def test_every_bound_key_is_one_a_terminal_can_send() -> None:
    for binding in BINDINGS.values():
        for key in binding.keys:
            key_bytes(key)  # raises for a key with no bytes
    with pytest.raises(KeyError):
        key_bytes("bracketright")
    assert key_bytes("ctrl+g") == b"\x07" and key_bytes("ctrl+h") == b"\x08"
    assert not any("ctrl+h" in b.keys for b in BINDINGS.values()), "ctrl+h arrives as backspace"
