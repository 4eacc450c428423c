"""The presets package: the six shipped Tier-A presets and the strict loader."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from presets import (
    MAX_FILE_BYTES,
    Preset,
    PresetCatalog,
    PresetError,
    UnknownPresetError,
    builtin_dir,
    load_catalog,
    load_preset_file,
)

TIER_A = [f"tier-a/cat{n}" for n in range(1, 7)]

CAT1_PROMPT = (
    "A flat-lay overhead photograph of a wooden dining table containing exactly seven ceramic objects: "
    "three identical white teacups arranged in an equilateral triangle in the center, two black bowls placed "
    "to the right of the teacups, one red apple sitting inside the leftmost black bowl, and one empty wooden "
    "spoon resting on top of the rightmost black bowl with its handle pointing toward the upper-left corner of "
    "the frame. No coffee cups, no metal items, no plates, no glassware. Soft diffused window light from the "
    "upper-left, mid-morning. Realistic photography, no styling props."
)

CAT3_LINES = [
    "A vintage 1960s-style travel poster for a fictional film festival, illustrated in the style of "
    'mid-century commercial design.Top of poster, large bold serif Chinese characters reading "时光电影节" '
    '(line 1), and below in smaller Chinese characters "第七届 · 上海 · 1965年5月" (line 2).',
    "Center: a stylized illustration of an old film projector casting a beam onto a slightly curved cinema screen.",
    'Lower-center: a tall champagne coupe glass with the English text "GRAND OPENING NIGHT" wrapping along '
    "the curvature of the glass bowl, following the elliptical perspective.",
    'Right edge, vertical text reading "presented by 时代影业 · TIMES PICTURES" running top-to-bottom.',
    'Bottom strip: small English credits text "music · HUANG ZHAN / cinematography · GU CHANGWEI / poster '
    'design · ZHANG GUANGYU" in a single line.',
    "Color palette: cream off-white background, deep crimson red, mustard yellow accents. Slight aged paper "
    "texture, subtle grain.",
]


@pytest.fixture(scope="module")
def catalog() -> PresetCatalog:
    return load_catalog()


# ------------------------------------------------------------------------------------------
# Shipped presets


def test_builtin_catalog_loads_cleanly(catalog: PresetCatalog) -> None:
    assert catalog.errors == []
    assert list(catalog.presets) == TIER_A
    for preset in catalog:
        assert preset.builtin is True
        assert Path(preset.path).is_file()
        assert Path(preset.path).is_relative_to(builtin_dir())
        assert "000_b88d353b34fb58d5.txt" in preset.source


def test_builtin_dir_is_the_package_dir() -> None:
    assert builtin_dir() == Path(__import__("presets").__file__).resolve().parent
    assert sorted(p.name for p in (builtin_dir() / "tier-a").glob("*.toml")) == [f"cat{n}.toml" for n in range(1, 7)]


@pytest.mark.parametrize(
    ("preset_id", "mode", "slots", "items", "category", "dimension"),
    [
        ("tier-a/cat1", "t2i", 0, 8, "Compositional Semantics", "Instruction alignment"),
        ("tier-a/cat2", "t2i", 0, 6, "Photorealistic Anatomy & Light", "Visual quality & physics"),
        ("tier-a/cat3", "t2i", 0, 6, "Multilingual Poster", "In-image text rendering"),
        ("tier-a/cat4", "i2i", 1, 10, "Geometric Transform", "Edit controllability + identity"),
        ("tier-a/cat5", "i2i", 1, 10, "Local Edit & Region Preservation", "Edit precision"),
        ("tier-a/cat6", "i2i", 3, 6, "Multi-Reference Fusion", "Cross-image consistency"),
    ],
)
def test_builtin_shape_matches_source(
    catalog: PresetCatalog, preset_id: str, mode: str, slots: int, items: int, category: str, dimension: str
) -> None:
    p = catalog.get(preset_id)
    assert p.mode == mode
    assert len(p.reference_slots) == slots
    assert len(p.checklist) == items
    assert [it.id for it in p.checklist] == [f"c{n}" for n in range(1, items + 1)]
    assert p.category == category
    assert p.dimension == dimension
    assert p.title.startswith(f"Cat {preset_id[-1]} · ")
    assert p.pass_rule.endswith("?")
    for it in p.checklist:
        assert it.criterion and it.check


def test_cat1_prompt_is_verbatim(catalog: PresetCatalog) -> None:
    assert catalog.get("tier-a/cat1").prompt == CAT1_PROMPT


def test_cat2_prompt_is_verbatim(catalog: PresetCatalog) -> None:
    prompt = catalog.get("tier-a/cat2").prompt
    assert prompt.startswith("Close-up portrait of an East Asian woman in her early thirties holding a half-full")
    assert "Late afternoon sunlight slices through the wine creating warm crimson caustic patterns" in prompt
    assert prompt.endswith("85mm lens, f/2.0, shallow depth of field, photographic realism.")
    assert "\n" not in prompt


def test_cat3_prompt_is_verbatim_with_line_structure(catalog: PresetCatalog) -> None:
    prompt = catalog.get("tier-a/cat3").prompt
    assert "时光电影节" in prompt
    assert "第七届 · 上海 · 1965年5月" in prompt
    assert "presented by 时代影业 · TIMES PICTURES" in prompt
    assert "時" not in prompt and "屆" not in prompt  # Simplified, never Traditional
    assert prompt.split("\n") == CAT3_LINES


def test_checklist_rows_match_source(catalog: PresetCatalog) -> None:
    cat1 = catalog.get("tier-a/cat1")
    assert cat1.checklist[4].criterion == "Wooden spoon"
    assert cat1.checklist[4].check == "Resting on rightmost bowl, handle pointing upper-left"
    assert catalog.get("tier-a/cat2").checklist[5].check == (
        'No "AI plasticky" over-smoothing; pores and peach-fuzz visible'
    )
    assert catalog.get("tier-a/cat4").checklist[0].check == "ArcFace similarity ≥ 0.5 (relaxed for full-body scale)"
    assert catalog.get("tier-a/cat5").checklist[9].criterion == "Overall lighting preserved"
    assert catalog.get("tier-a/cat6").checklist[5].check == (
        "Sunset glow from camera-left visible on cobblestones and figure"
    )


# The cells the source cuts short: each must be completed (longer, same start) and flagged.
TRUNCATED = {
    ("tier-a/cat3", "c1"): "No missing strokes, no hallucinated characters in",
    ("tier-a/cat3", "c5"): "Clear distinction between headline",
    ("tier-a/cat4", "c2"): "Previously hidden right-side silver",
    ("tier-a/cat4", "c5"): "Left-front",
    ("tier-a/cat4", "c7"): "Brown",
    ("tier-a/cat5", "c1"): "Cat removed",
    ("tier-a/cat5", "c6"): "Positions, covers (red",
    ("tier-a/cat6", "c1"): "Identity",
}


def test_truncated_cells_are_completed_and_flagged(catalog: PresetCatalog) -> None:
    flagged = {(p.id, it.id) for p in catalog for it in p.checklist if it.completed}
    assert flagged == set(TRUNCATED)
    for (preset_id, item_id), cut in TRUNCATED.items():
        check = catalog.get(preset_id).item(item_id).check
        assert check.startswith(cut)
        assert len(check) > len(cut) + 10, (preset_id, item_id, check)
    # Each file with completed cells says so in a comment.
    for preset_id in {pid for pid, _ in TRUNCATED}:
        text = Path(catalog.get(preset_id).path).read_text(encoding="utf-8")
        assert "completed from the prose" in text


def test_i2i_prompts_and_slots(catalog: PresetCatalog) -> None:
    cat4 = catalog.get("tier-a/cat4")
    assert "45°" in cat4.prompt and "left" in cat4.prompt and "camera" in cat4.prompt
    for detail in ("stole", "badge", "gauntlet", "boot", "overcoat", "cape"):
        assert detail not in cat4.prompt.lower()  # the instruction must not leak the rubric
    assert cat4.params == {"aspect": "9:16"}
    assert "grey studio background" in cat4.reference_slots[0].description
    assert "deep brown → silver → cream" in cat4.reference_slots[0].description

    cat5 = catalog.get("tier-a/cat5")
    for needle in ("exactly three edits", "sleeping cat", "orange juice with ice", "middle book", "nothing else"):
        assert needle in cat5.prompt
    for kept in ("sofa fabric pattern", "book positions", "lamp", "window view", "wall color", "floor"):
        assert kept in cat5.prompt
    desc = cat5.reference_slots[0].description
    for needle in ("diamond-weave", "hot tea", "three books", "blurred city view", "off-white wall", "right rear"):
        assert needle in desc
    assert cat5.params == {}

    cat6 = catalog.get("tier-a/cat6")
    assert [s.id for s in cat6.reference_slots] == ["identity", "style", "scene"]
    assert "amber eyes" in cat6.reference_slots[0].description
    assert "watercolor" in cat6.reference_slots[1].description
    assert "cobblestone" in cat6.reference_slots[2].description
    for needle in ("reference image 1", "reference image 2", "reference image 3", "camera-left", "collage"):
        assert needle in cat6.prompt
    assert cat6.item("c3").parent == "c2"


def test_parent_rule(catalog: PresetCatalog) -> None:
    cat6 = catalog.get("tier-a/cat6")
    assert cat6.ancestors("c3") == ["c2"]
    verdicts = {"c1": "pass", "c2": "fail", "c3": "pass", "c4": "pass"}
    assert cat6.effective_verdicts(verdicts) == {"c1": "pass", "c2": "fail", "c3": "fail", "c4": "pass"}
    assert cat6.effective_verdicts({"c2": "partial", "c3": "pass"}) == {"c2": "partial", "c3": "pass"}


def test_expand_and_get(catalog: PresetCatalog) -> None:
    assert [p.id for p in catalog.expand("tier-a")] == TIER_A
    assert [p.id for p in catalog.expand("tier-a/")] == TIER_A
    assert [p.id for p in catalog.expand("tier-a/cat4")] == ["tier-a/cat4"]
    assert catalog.groups() == ["tier-a"]
    assert "tier-a/cat1" in catalog and "tier-a/cat9" not in catalog
    assert len(catalog) == 6
    with pytest.raises(KeyError) as exc:
        catalog.expand("tiera")
    assert "did you mean 'tier-a'" in str(exc.value)
    with pytest.raises(UnknownPresetError) as exc2:
        catalog.get("tier-a/cat7")
    assert "unknown preset 'tier-a/cat7'" in str(exc2.value)
    assert "did you mean 'tier-a/cat" in str(exc2.value)
    with pytest.raises(KeyError):
        catalog.expand("tier")  # a partial group name is not a prefix match
    with pytest.raises(KeyError):
        catalog.expand("")


def test_import_is_side_effect_free() -> None:
    code = (
        "import builtins, sys\n"
        "real_open = builtins.open\n"
        "def guard(f, *a, **k):\n"
        "    assert not str(f).endswith('.toml'), f\n"
        "    return real_open(f, *a, **k)\n"
        "builtins.open = guard\n"
        "import presets\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'tui', 'screens', 'providers')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])


# ------------------------------------------------------------------------------------------
# Validation errors

GOOD = """\
schema_version = 1
id = "mine/test"
title = "Test"
category = "Testing"
mode = "t2i"
prompt = "a red cube"

[[checklist]]
id = "c1"
criterion = "Cube"
check = "The cube is red"

[[checklist]]
id = "c2"
criterion = "Shadow"
parent = "c1"
"""

SLOT = """
[[reference_slots]]
id = "ref"
description = "Any photo"
"""


def write(tmp_path: Path, text: str | bytes, name: str = "my.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str | bytes) -> PresetError:
    path = write(tmp_path, text)
    with pytest.raises(PresetError) as exc:
        load_preset_file(path)
    err = exc.value
    assert err.file == str(path)
    message = str(err)
    assert "\n" not in message
    assert message.startswith(str(path))
    return err


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


# ------------------------------------------------------------------------------------------
# Catalog with user presets


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
