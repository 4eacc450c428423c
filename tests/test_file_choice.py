"""Choosing a reference in a terminal: tab completion over folders and images, and the last folder remembered
(a broken or hostile state file is ignored, never fatal)."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core import file_choice
from tui.core.file_choice import complete_path, last_reference_dir, listing, remember_reference_dir


def _tree(root: Path) -> Path:
    for name in ("photos/portrait.png", "photos/pose.JPG", "photos/notes.txt", "photos/.hidden.png", "plans/a.webp"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"")
    (root / "photos" / "people").mkdir()
    return root


def test_listing_shows_folders_first_then_images_only(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    assert [p.name for p in listing(root / "photos")] == ["people", "portrait.png", "pose.JPG"]
    assert listing(root / "nope") == []


def test_tab_completes_as_far_as_it_is_unambiguous(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    assert complete_path("ph", root) == ("photos/", [])  # one folder: its slash, so the next tab goes in
    assert complete_path("photos/p", root) == ("photos/p", ["people/", "portrait.png", "pose.JPG"])
    assert complete_path("photos/po", root) == ("photos/po", ["portrait.png", "pose.JPG"])
    assert complete_path("photos/por", root) == ("photos/portrait.png", [])
    assert complete_path("photos/no", root) == ("photos/no", []), "a text file is not offered"
    assert complete_path(f"{root}{os.sep}pl", Path("/")) == (f"{root}{os.sep}plans/", [])
    assert complete_path("", root)[1] == ["photos/", "plans/"]


def test_tab_in_a_home_relative_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(_tree(tmp_path)))
    assert complete_path("~/pho", Path("/")) == ("~/photos/", [])


def test_the_last_folder_is_remembered_across_runs(tmp_path: Path, data_dir: Path) -> None:
    assert last_reference_dir() is None
    folder = _tree(tmp_path) / "photos"
    remember_reference_dir(folder)
    assert last_reference_dir() == folder.resolve()
    folder.joinpath("people").rmdir()
    remember_reference_dir(folder / "people")  # gone meanwhile: the next start falls back, no error
    assert last_reference_dir() is None


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_a_hostile_state_file_is_ignored(raw: bytes) -> None:
    state = file_choice._state_file()
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_bytes(raw)
    found = last_reference_dir()
    assert found is None or found.is_dir()


def test_a_relative_or_odd_remembered_folder_is_ignored(data_dir: Path) -> None:
    state = file_choice._state_file()
    state.parent.mkdir(parents=True, exist_ok=True)
    for text in ('{"last_dir": "relative/dir"}', '{"last_dir": 7}', '["/"]', '{"last_dir": "/tmp\\u0000x"}'):
        state.write_text(text)
        assert last_reference_dir() is None, text
