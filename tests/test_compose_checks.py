"""Compose's form checked as a whole: every problem at once, in the form's own words (no command-line flags), and
cases in preset order."""

from __future__ import annotations

import re
from pathlib import Path

from screens.compose_checks import ComposeForm, check_form, in_tui_words
from tui.core.validation import InputError

SLOTS = {"tier-a/cat1": [], "tier-a/cat4": ["person"], "tier-a/cat6": ["identity", "style", "scene"]}
FLAG = re.compile(r"--[a-z]")


def test_every_problem_is_listed_in_the_forms_words() -> None:
    form = ComposeForm(presets=[], size="big", aspect="wide", repeats="0", models=[], checklist="  orphan")
    spec, problems = check_form(form, slots=SLOTS)
    assert spec is None
    text = "\n".join(problems)
    for expected in ("Nothing to run", "Models: tick at least one", "Repeats: '0'", "Size: size 'big'", "Aspect: "):
        assert expected in text, (expected, problems)
    assert len(problems) >= 5, problems
    assert not any(FLAG.search(p) for p in problems), problems


def test_missing_references_and_prompt_extras_name_the_fields() -> None:
    form = ComposeForm(
        presets=["tier-a/cat4", "tier-a/cat6"],
        slot_refs={("tier-a/cat6", 2): Path("/x/style.png")},
        prompt_refs=[Path("/x/a.png")],
        checklist="Is it red?",
        models=["demo:mosaic"],
    )
    _, problems = check_form(form, slots=SLOTS)
    assert any(p.startswith("References: tier-a/cat4 needs a reference image for person") for p in problems), problems
    assert any("tier-a/cat6 needs a reference image for identity, scene" in p for p in problems), problems
    assert any(p.startswith("References: images for the free prompt") for p in problems)
    assert any(p.startswith("Checklist: a checklist for the free prompt") for p in problems)
    assert not any(FLAG.search(p) for p in problems), problems


def test_a_good_form_keeps_the_preset_order_it_is_given() -> None:
    form = ComposeForm(
        presets=["tier-a/cat1", "tier-a/cat4"],
        slot_refs={("tier-a/cat4", 1): Path("/x/p.png")},
        prompt="a red cube",
        checklist="Is there a cube?\n  Is it red?",
        models=["demo:mosaic", "demo:aurora"],
        repeats="2",
        size="1024x1024",
        quality="high",
        blind=True,
    )
    spec, problems = check_form(form, slots=SLOTS)
    assert problems == [] and spec is not None
    assert [c.preset_id for c in spec.cases] == ["tier-a/cat1", "tier-a/cat4", None]
    assert spec.cases[1].refs == [(1, Path("/x/p.png"))]
    assert [i.parent for i in spec.cases[2].checklist] == [None, spec.cases[2].checklist[0].id]
    assert spec.repeats == 2 and spec.blind and spec.params.size == "1024x1024" and spec.params.quality == "high"


def test_core_messages_lose_their_flags() -> None:
    error = InputError("a plain --ref FILE goes with --prompt; for a preset use --ref PRESET_ID=FILE", key="--ref")
    said = in_tui_words(error)
    assert said.startswith("References: ") and "--" not in said
    refused = InputError("demo:x does not do image-to-image (Cat 4); drop it or the case", key="--model")
    assert in_tui_words(refused) == "Models: demo:x does not do image-to-image (Cat 4); drop it or the case"
