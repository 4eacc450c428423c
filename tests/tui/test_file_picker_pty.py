"""The reference picker and Compose's checks as a terminal user meets them (the real app in a pseudo-terminal):
☑/☐ selection, every problem listed in the form's words, a picker titled with the slot's name that completes with
tab, opens a typed folder, previews, goes up with backspace and starts where the last reference came from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.pty_terminal import PtyApp, app_env, imgbench_argv

BACKSPACE = b"\x7f"
DOWN = b"\x1b[B"
CTRL_R = b"\x12"
CTRL_O = b"\x0f"


@pytest.fixture
def pictures(tmp_path: Path, make_image) -> Path:
    root = tmp_path / "work"
    for name, colour in (("person.png", (200, 90, 60)), ("pose.png", (30, 160, 60))):
        image = make_image(name, (96, 160), colour)
        (root / "pics").mkdir(parents=True, exist_ok=True)
        image.rename(root / "pics" / name)
    (root / "pics" / "notes.txt").write_text("not an image")
    (root / "other").mkdir()
    return root


@pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])
def test_compose_and_the_picker_from_a_terminal(fast_demo: Path, data_dir: Path, pictures: Path, size) -> None:
    (fast_demo / "config.toml").write_text('preview = "halfblock"\n[providers.demo]\nlatency_ms = 20\n')
    env = app_env(fast_demo.parent, fast_demo.parent / "actions.log")
    app = PtyApp(imgbench_argv(), cols=size[0], rows=size[1], env=env, cwd=pictures)
    try:
        app.wait_for("Sessions")
        app.press("n")
        app.wait_for("☐ tier-a/cat5")
        app.press(*[DOWN] * 4, " ")  # cat5: an edit that needs one reference
        app.wait_for("☑ tier-a/cat5")
        app.press(CTRL_R)
        screen = app.wait_for(lambda t: "Cannot run yet" in t and "cat5 needs a" in t)
        assert "--ref" not in screen, screen

        app.press(CTRL_O)  # attach: the first References row, cat5's slot
        # Titled with the slot's name; nothing remembered yet, so it starts in the current folder.
        app.wait_for(lambda t: "reference 1 of 1, scene" in t and "other" in t and "pics" in t)
        app.press("pi", "tab")
        app.wait_for("pics/")
        app.press("enter")  # a typed folder opens in the tree
        screen = app.wait_for(lambda t: "person.png" in t and "pose.png" in t)
        assert "notes.txt" not in screen, "only folders and images are listed"
        app.press("pe", "tab")
        app.wait_for(lambda t: "pics/person.png" in t or "person.png" in t.split("in ")[0])
        app.press("enter")
        app.wait_for(lambda t: "reference 1 of 1" not in t)  # attached: back in Compose
        assert json.loads((data_dir / "picker.json").read_text()) == {"last_dir": str((pictures / "pics").resolve())}

        app.press(CTRL_O)  # the picker again: it starts where the last reference came from
        app.wait_for(lambda t: "pose.png" in t and "reference 1 of 1" in t)
        app.press(BACKSPACE)  # an empty path field: up a folder
        screen = app.wait_for(lambda t: "other" in t and "pics" in t and "pose.png" not in t)
        app.press("nothing-here", "enter")
        app.wait_for("no such file or folder")
        app.press("escape")
        app.wait_for(lambda t: "reference 1 of 1" not in t)
        app.press(CTRL_R)  # the reference is attached: the session runs
        app.wait_for(lambda t: "3/3 finished" in t, timeout=40)
    finally:
        app.close()
