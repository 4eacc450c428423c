"""The presets package: the six shipped Tier-A presets, the built-in catalog and its lookups."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from presets import (
    PresetCatalog,
    UnknownPresetError,
    builtin_dir,
    load_catalog,
)
from tests.presets_support import TIER_A

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
    "mid-century commercial design.",
    'Top of poster, large bold serif Chinese characters reading "时光电影节" '
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
