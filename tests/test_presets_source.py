"""The six Tier-A presets against their source text, word by word and mechanically (tests/tier_a_source.py reads
the committed copy of the source): titles, dimensions, pass rules, the verbatim prompts of Cat 1-3, every checklist
row, and, for the image-to-image prompts the source only describes, no word the source section does not have."""

from __future__ import annotations

import re

import pytest

from presets import PresetCatalog, load_catalog
from tests.tier_a_source import SHARED, SOURCE, SourceCategory, parse, words


@pytest.fixture(scope="module")
def catalog() -> PresetCatalog:
    return load_catalog()


@pytest.fixture(scope="module")
def source() -> dict[int, SourceCategory]:
    return parse(SOURCE.read_text(encoding="utf-8"))


def test_the_committed_copy_is_the_shared_source() -> None:
    if not SHARED.is_file():  # a clone on its own: the committed copy is all there is to compare against
        return
    assert SOURCE.read_bytes() == SHARED.read_bytes(), f"{SOURCE} differs from {SHARED}: copy it again"


def test_the_parser_reads_every_category(source: dict[int, SourceCategory]) -> None:
    assert [len(source[n].checklist) for n in range(1, 7)] == [8, 6, 6, 10, 10, 6]
    assert all(source[n].title and source[n].dimension and source[n].pass_rule.endswith("?") for n in source)
    assert [bool(source[n].prompt) for n in range(1, 7)] == [True, True, True, False, False, False]
    assert source[3].prompt.count("\n") == 5 and source[4].prose.startswith("The prompt instructed")


@pytest.mark.parametrize("number", range(1, 7))
def test_header_fields_match_the_source(catalog: PresetCatalog, source, number: int) -> None:
    preset, cat = catalog.get(f"tier-a/cat{number}"), source[number]
    assert preset.title == cat.title
    assert preset.category == cat.title.split(" · ", 1)[1]
    assert preset.dimension == cat.dimension
    assert preset.pass_rule == cat.pass_rule


@pytest.mark.parametrize("number", [1, 2, 3])
def test_verbatim_prompts_match_word_by_word(catalog: PresetCatalog, source, number: int) -> None:
    preset, cat = catalog.get(f"tier-a/cat{number}"), source[number]
    assert words(preset.prompt) == words(cat.prompt)
    # Line structure too: the source's lines, with the one lost break ("design.Top") restored.
    restored = re.sub(r"([a-z])\.([A-Z])", r"\1.\n\2", cat.prompt)
    assert preset.prompt == restored


@pytest.mark.parametrize("number", range(1, 7))
def test_checklist_rows_match_the_source(catalog: PresetCatalog, source, number: int) -> None:
    preset, cat = catalog.get(f"tier-a/cat{number}"), source[number]
    assert [item.criterion for item in preset.checklist] == [criterion for criterion, _ in cat.checklist]
    for item, (_, check) in zip(preset.checklist, cat.checklist, strict=True):
        if item.completed:  # a cell cut short in the source: ours begins with the source's words
            assert item.check.startswith(check) and len(words(item.check)) > len(words(check)), item.id
        else:
            assert item.check == check, item.id


# Words the image-to-image renderings add to the source's description: the imperative of an instruction
# and its grammar, no fact. A new word here is a new fact the source does not state, to be checked first.
INSTRUCTION_WORDS = {
    4: {"keeping", "person", "photo", "one", "plain", "wearing"},
    5: {"make", "pair", "nothing", "keep", "they", "by", "photo", "lit"},
    6: {"create", "painted", "wears", "carries", "comes", "whole", "must", "be"},
}


def _bare(word: str) -> str:
    return word.lower().strip(".,:;()\"'")


@pytest.mark.parametrize("number", [4, 5, 6])
def test_described_prompts_say_only_what_the_source_says(catalog: PresetCatalog, number: int) -> None:
    text = SOURCE.read_text(encoding="utf-8")
    section = text.split("\n---\n", 1)[1].split(f"\nCat {number} · ", 1)[1].split(f"\nCat {number + 1} · ", 1)[0]
    known = {_bare(w) for w in words(section.replace("-", " "))} | INSTRUCTION_WORDS[number]
    preset = catalog.get(f"tier-a/cat{number}")
    for text_of_ours in [preset.prompt, *(slot.description for slot in preset.reference_slots)]:
        new = [w for w in words(text_of_ours.replace("-", " ")) if _bare(w) and _bare(w) not in known]
        assert not new, f"cat{number}: words the source does not have: {new}"
