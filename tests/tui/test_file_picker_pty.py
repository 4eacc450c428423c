"""The reference picker and Compose's checks as a terminal user meets them (the real app in a pseudo-terminal):
☑/☐ selection, every problem listed in the form's words, a picker titled with the slot's name that completes with
tab, opens a typed folder, previews, goes up with backspace and starts where the last reference came from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.pty_app import PtyApp

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
    app = PtyApp(["--preview", "halfblock"], size=size, cwd=pictures)
    try:
        app.wait_for("Sessions")
        app.send("n")
        app.wait_for("☐ tier-a/cat5")
        app.send(*[DOWN] * 4, " ")  # cat5: an edit that needs one reference
        app.wait_for("☑ tier-a/cat5")
        app.send(CTRL_R)
        screen = app.wait_for(lambda t: "Cannot run yet" in t and "cat5 needs an" in t)
        assert "--ref" not in screen, screen

        app.send(CTRL_O)  # attach: the first References row, cat5's slot
        # Titled with the slot's name; nothing remembered yet, so it starts in the current folder.
        app.wait_for(lambda t: "reference 1 of 1, scene" in t and "other" in t and "pics" in t)
        app.send("pi", "tab")
        app.wait_for("pics/")
        app.send("enter")  # a typed folder opens in the tree
        screen = app.wait_for(lambda t: "person.png" in t and "pose.png" in t)
        assert "notes.txt" not in screen, "only folders and images are listed"
        app.send("pe", "tab")
        app.wait_for(lambda t: "pics/person.png" in t or "person.png" in t.split("in ")[0])
        app.send("enter")
        app.wait_for(lambda t: "reference 1 of 1" not in t)  # attached: back in Compose
        assert json.loads((data_dir / "picker.json").read_text()) == {"last_dir": str((pictures / "pics").resolve())}

        app.send(CTRL_O)  # the picker again: it starts where the last reference came from
        app.wait_for(lambda t: "pose.png" in t and "reference 1 of 1" in t)
        app.send(BACKSPACE)  # an empty path field: up a folder
        screen = app.wait_for(lambda t: "other" in t and "pics" in t and "pose.png" not in t)
        app.send("nothing-here", "enter")
        app.wait_for("no such file or folder")
        app.send("escape")
        app.wait_for(lambda t: "reference 1 of 1" not in t)
        app.send(CTRL_R)  # the reference is attached: the session runs
        app.wait_for(lambda t: "3/3 finished" in t, timeout=40)
    finally:
        app.close()
