"""The preset catalog with user presets: bad files are collected, the rest load."""

from __future__ import annotations

from pathlib import Path

import pytest

from presets import (
    load_catalog,
)
from tests.presets_support import GOOD, TIER_A, write


def test_catalog_collects_user_errors_and_loads_the_rest(tmp_path: Path) -> None:
    user = tmp_path / "presets"
    (user / "team" / "nested").mkdir(parents=True)
    write(user, GOOD, "good.toml")
    write(user / "team" / "nested", GOOD.replace("mine/test", "team/deep"), "deep.toml")
    bad = write(user, GOOD.replace('parent = "c1"', 'parent = "c9"'), "bad.toml")
    clash = write(user, GOOD.replace('id = "mine/test"', 'id = "tier-a/cat1"'), "clash.toml")
    dup = write(user / "team", GOOD, "zz-dup.toml")
    write(user, "this is not toml", ".hidden.toml")
    write(user, "ignored", "readme.txt")

    cat = load_catalog(user)
    assert list(cat.presets) == [*TIER_A, "mine/test", "team/deep"]
    assert cat.get("mine/test").builtin is False
    assert cat.get("tier-a/cat1").builtin is True  # the clash did not replace the shipped one
    by_file = {e.file: e for e in cat.errors}
    assert set(by_file) == {str(bad), str(clash), str(dup)}
    assert str(by_file[str(bad)]).startswith(f"{bad}:16: checklist[1].parent: unknown item 'c9'")
    assert (by_file[str(clash)].key, by_file[str(clash)].line) == ("id", 2)
    assert "shipped preset" in by_file[str(clash)].reason
    assert "already used" in by_file[str(dup)].reason and str(user / "good.toml") in by_file[str(dup)].reason
    assert [p.id for p in cat.expand("team")] == ["team/deep"]
    with pytest.raises(KeyError):
        cat.expand("team/nested")  # groups come from ids, not from directories


def test_catalog_without_or_with_missing_user_dir(tmp_path: Path) -> None:
    assert list(load_catalog(None).presets) == TIER_A
    cat = load_catalog(tmp_path / "does-not-exist")
    assert list(cat.presets) == TIER_A and cat.errors == []
    afile = write(tmp_path, "x", "plain.toml")
    cat = load_catalog(afile)
    assert list(cat.presets) == TIER_A
    assert [e.file for e in cat.errors] == [str(afile)]


def test_catalog_syntax_error_is_collected(tmp_path: Path) -> None:
    path = write(tmp_path, "id = \n", "broken.toml")
    cat = load_catalog(tmp_path)
    assert len(cat.presets) == 6
    assert len(cat.errors) == 1
    assert str(cat.errors[0]).startswith(f"{path}:1: invalid TOML")
