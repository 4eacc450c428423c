"""The strict preset loader: every malformed user file is refused with its file, line and key."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from presets import (
    MAX_FILE_BYTES,
    Preset,
    PresetError,
    load_preset_file,
)
from tests.presets_support import GOOD, SLOT, error_for, write


def test_good_user_file_loads(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    p = load_preset_file(path)
    assert isinstance(p, Preset)
    assert (p.id, p.mode, p.prompt, p.builtin, p.path) == ("mine/test", "t2i", "a red cube", False, str(path))
    assert [(it.id, it.parent) for it in p.checklist] == [("c1", None), ("c2", "c1")]
    assert p.checklist[1].check == ""
    assert p.group == "mine"


def test_error_str_format() -> None:
    assert str(PresetError("a.toml", "bad", key="k", line=3)) == "a.toml:3: k: bad"
    assert str(PresetError("a.toml", "bad", key="k")) == "a.toml: k: bad"
    assert str(PresetError("a.toml", "bad\nthing", line=2)) == "a.toml:2: bad thing"
    err = pickle.loads(pickle.dumps(PresetError("a.toml", "bad", key="k", line=3)))
    assert (err.file, err.key, err.line, err.reason) == ("a.toml", "k", 3, "bad")


def test_toml_syntax_error_has_line(tmp_path: Path) -> None:
    err = error_for(tmp_path, GOOD.replace('title = "Test"', 'title = "Test'))
    assert err.line == 3
    assert err.key is None
    assert "invalid TOML" in err.reason
    assert str(err).startswith(f"{tmp_path / 'my.toml'}:3: invalid TOML")


def test_unknown_top_level_key(tmp_path: Path) -> None:
    err = error_for(tmp_path, GOOD.replace('title = "Test"', 'titel = "Test"'))
    assert err.key == "titel"
    assert err.line == 3
    assert "unknown key 'titel'" in err.reason and "did you mean 'title'" in err.reason


def test_unknown_item_key(tmp_path: Path) -> None:
    err = error_for(tmp_path, GOOD.replace('criterion = "Shadow"', 'critrion = "Shadow"'))
    assert (
        str(err)
        == f"{tmp_path / 'my.toml'}:15: checklist[1].critrion: unknown key 'critrion' (did you mean 'criterion'?)"
    )


def test_top_level_key_after_table_is_explained(tmp_path: Path) -> None:
    err = error_for(tmp_path, GOOD + 'notes = "late"\n')
    assert err.key == "checklist[1].notes"
    assert err.line == 17
    assert "top-level keys must come before" in err.reason


@pytest.mark.parametrize("key", ["id", "title", "category", "mode", "prompt"])
def test_missing_required_key(tmp_path: Path, key: str) -> None:
    lines = [ln for ln in GOOD.splitlines() if not ln.startswith(f"{key} =")]
    err = error_for(tmp_path, "\n".join(lines) + "\n")
    assert err.key == key
    assert f"missing required key {key!r}" in err.reason


def test_missing_checklist(tmp_path: Path) -> None:
    err = error_for(tmp_path, GOOD.split("[[checklist]]")[0])
    assert err.key == "checklist"
    assert "missing required key 'checklist'" in err.reason


def test_missing_item_criterion_points_at_item(tmp_path: Path) -> None:
    err = error_for(tmp_path, GOOD.replace('criterion = "Shadow"\n', ""))
    assert err.key == "checklist[1].criterion"
    assert err.line == 13  # the [[checklist]] header of that item
    assert "missing required key 'criterion'" in err.reason


@pytest.mark.parametrize(
    ("old", "new", "key", "line", "reason"),
    [
        ('title = "Test"', "title = 3", "title", 3, "expected a string, got an integer"),
        ('prompt = "a red cube"', "prompt = ['a']", "prompt", 6, "expected a string, got an array"),
        ('prompt = "a red cube"', 'prompt = "   "', "prompt", 6, "must not be empty"),
        ('check = "The cube is red"', "check = true", "checklist[0].check", 11, "expected a string"),
        ('parent = "c1"', 'completed = "yes"', "checklist[1].completed", 16, "expected a boolean"),
        ("schema_version = 1", 'schema_version = "1"', "schema_version", 1, "expected an integer"),
        ("schema_version = 1", "schema_version = 2", "schema_version", 1, "newer than this imgbench"),
        ('title = "Test"', 'title = """a\nb"""', "title", 3, "single line"),
    ],
)
def test_wrong_types(tmp_path: Path, old: str, new: str, key: str, line: int, reason: str) -> None:
    assert old in GOOD
    err = error_for(tmp_path, GOOD.replace(old, new))
    assert (err.key, err.line) == (key, line)
    assert reason in err.reason


@pytest.mark.parametrize("mode", ["txt2img", "I2I", "", "both"])
def test_bad_mode(tmp_path: Path, mode: str) -> None:
    err = error_for(tmp_path, GOOD.replace('mode = "t2i"', f'mode = "{mode}"'))
    assert (err.key, err.line) == ("mode", 5)
    assert str(err).startswith(f"{tmp_path / 'my.toml'}:5: mode: ")


def test_mode_case_suggestion(tmp_path: Path) -> None:
    err = error_for(tmp_path, GOOD.replace('mode = "t2i"', 'mode = "I2I"'))
    assert "did you mean 'i2i'" in err.reason


def test_i2i_without_reference_slots(tmp_path: Path) -> None:
    err = error_for(tmp_path, GOOD.replace('mode = "t2i"', 'mode = "i2i"'))
    assert err.key == "reference_slots"
    assert err.line == 5  # points at the mode line
    assert "needs at least one [[reference_slots]]" in err.reason


def test_i2i_with_slots_loads(tmp_path: Path) -> None:
    p = load_preset_file(write(tmp_path, GOOD.replace('mode = "t2i"', 'mode = "i2i"') + SLOT))
    assert p.mode == "i2i"
    assert [(s.id, s.description) for s in p.reference_slots] == [("ref", "Any photo")]


def test_t2i_with_reference_slots(tmp_path: Path) -> None:
    err = error_for(tmp_path, GOOD + SLOT)
    assert (err.key, err.line) == ("reference_slots", 18)
    assert "t2i preset takes no reference images" in err.reason


def test_slot_errors(tmp_path: Path) -> None:
    i2i = GOOD.replace('mode = "t2i"', 'mode = "i2i"')
    err = error_for(tmp_path, i2i + SLOT + SLOT)
    assert (err.key, err.line) == ("reference_slots[1].id", 23)
    assert "duplicate slot id 'ref'" in err.reason
    err = error_for(tmp_path, i2i + SLOT.replace("description", "descripton"))
    assert err.key == "reference_slots[0].descripton"
    assert "did you mean 'description'" in err.reason
    err = error_for(tmp_path, i2i + '\n[reference_slots]\nid = "x"\n')
    assert err.key == "reference_slots"
    assert "array of tables ([[reference_slots]])" in err.reason


def test_empty_checklist(tmp_path: Path) -> None:
    err = error_for(tmp_path, GOOD.split("[[checklist]]")[0] + "checklist = []\n")
    assert (err.key, err.line) == ("checklist", 8)
    assert "checklist is empty" in err.reason


def test_checklist_as_table(tmp_path: Path) -> None:
    err = error_for(tmp_path, GOOD.split("[[checklist]]")[0] + '[checklist]\nid = "c1"\n')
    assert err.key == "checklist"
    assert err.line == 8


def test_duplicate_item_ids(tmp_path: Path) -> None:
    err = error_for(tmp_path, GOOD.replace('id = "c2"', 'id = "c1"'))
    assert (err.key, err.line) == ("checklist[1].id", 14)
    assert "duplicate item id 'c1'" in err.reason and "checklist[0]" in err.reason


def test_parent_unknown_item(tmp_path: Path) -> None:
    err = error_for(tmp_path, GOOD.replace('parent = "c1"', 'parent = "c9"'))
    assert str(err) == f"{tmp_path / 'my.toml'}:16: checklist[1].parent: unknown item 'c9' (known items: c1, c2)"


def test_parent_self(tmp_path: Path) -> None:
    err = error_for(tmp_path, GOOD.replace('parent = "c1"', 'parent = "c2"'))
    assert (err.key, err.line) == ("checklist[1].parent", 16)
    assert "own parent" in err.reason


def test_parent_cycle(tmp_path: Path) -> None:
    text = GOOD.replace('check = "The cube is red"', 'check = "The cube is red"\nparent = "c3"') + (
        '\n[[checklist]]\nid = "c3"\ncriterion = "Edge"\nparent = "c2"\n'
    )
    err = error_for(tmp_path, text)
    assert (err.key, err.line) == ("checklist[0].parent", 12)
    assert "parent cycle: c1 -> c3 -> c2 -> c1" in err.reason


@pytest.mark.parametrize(
    ("params", "key", "reason"),
    [
        ('size = "1024*1024"', "params.size", "expected WxH with positive integers"),
        ('size = "0x512"', "params.size", "expected WxH with positive integers"),
        ('size = "-5x5"', "params.size", "expected WxH"),
        ('size = "99999x10"', "params.size", "at most"),
        ("size = 1024", "params.size", "expected a string like '1024x1536', got an integer"),
        ('aspect = "9-16"', "params.aspect", "expected W:H with positive integers"),
        ('aspect = "0:1"', "params.aspect", "expected W:H with positive integers"),
        ('aspect = "1.5:1"', "params.aspect", "expected W:H"),
        ('resolution = "3K"', "params.resolution", "expected one of 1K, 2K, 4K"),
        ('resolution = "2k"', "params.resolution", "did you mean '2K'"),
        ('quality = "hgh"', "params.quality", "did you mean 'high'"),
        ('aspct = "9:16"', "params.aspct", "did you mean 'aspect'"),
        ('size = "1024x1024"\naspect = "9:16"', "params.aspect", "contradicts size"),
    ],
)
def test_bad_params(tmp_path: Path, params: str, key: str, reason: str) -> None:
    text = GOOD.replace("\n[[checklist]]", f"\n[params]\n{params}\n\n[[checklist]]", 1)
    err = error_for(tmp_path, text)
    assert err.key == key
    name = key.split(".")[1]
    expected = next(n for n, ln in enumerate(text.splitlines(), 1) if ln.startswith(f"{name} ="))
    assert err.line == expected >= 9  # the offending line inside [params] (header is line 8)
    assert reason in err.reason


def test_good_params(tmp_path: Path) -> None:
    text = GOOD.replace(
        "\n[[checklist]]",
        '\n[params]\nsize = "1080x1920"\naspect = "9:16"\nresolution = "2K"\nquality = "high"\n\n[[checklist]]',
        1,
    )
    p = load_preset_file(write(tmp_path, text))
    assert p.params == {"size": "1080x1920", "aspect": "9:16", "resolution": "2K", "quality": "high"}


@pytest.mark.parametrize("bad_id", ["Mine/Test", "mine//test", "/mine", "mine/", "../x", "my preset", "mine/é", ""])
def test_bad_id_format(tmp_path: Path, bad_id: str) -> None:
    err = error_for(tmp_path, GOOD.replace('id = "mine/test"', f'id = "{bad_id}"'))
    assert (err.key, err.line) == ("id", 2)


def test_bad_id_suggests_lowercase(tmp_path: Path) -> None:
    err = error_for(tmp_path, GOOD.replace('id = "mine/test"', 'id = "Mine/Test"'))
    assert "did you mean 'mine/test'" in err.reason


@pytest.mark.parametrize("good_id", ["a", "tier-b/cat_1", "x.y/z-9/0"])
def test_good_id_format(tmp_path: Path, good_id: str) -> None:
    p = load_preset_file(write(tmp_path, GOOD.replace('id = "mine/test"', f'id = "{good_id}"')))
    assert p.id == good_id


def test_bad_item_id(tmp_path: Path) -> None:
    err = error_for(tmp_path, GOOD.replace('id = "c1"', 'id = "c 1"'))
    assert (err.key, err.line) == ("checklist[0].id", 9)


def test_non_utf8_file(tmp_path: Path) -> None:
    data = GOOD.replace('title = "Test"', 'title = "Caf\xe9"').encode("latin-1")
    err = error_for(tmp_path, data)
    assert err.line == 3
    assert "not UTF-8" in err.reason


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    p = load_preset_file(write(tmp_path, b"\xef\xbb\xbf" + GOOD.encode()))
    assert p.id == "mine/test"


def test_file_over_one_mib(tmp_path: Path) -> None:
    text = GOOD + "# " + "x" * MAX_FILE_BYTES + "\n"
    err = error_for(tmp_path, text)
    assert "larger than 1 MiB" in err.reason
    assert err.line is None and err.key is None


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PresetError) as exc:
        load_preset_file(tmp_path / "nope.toml")
    assert "cannot read file" in str(exc.value)


def test_multiline_strings_do_not_confuse_line_finding(tmp_path: Path) -> None:
    text = GOOD.replace('prompt = "a red cube"', 'prompt = """\nmode = "looks like a key"\n[[checklist]]\n"""').replace(
        'parent = "c1"', 'parent = "zz"'
    )
    err = error_for(tmp_path, text)
    assert (err.key, err.line) == ("checklist[1].parent", 19)
