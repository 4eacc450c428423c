"""Free-prompt checklists typed as text (Compose box, `imgbench run --check`): items, parents, limits."""

from __future__ import annotations

import json

import pytest

from tui.core.compose import MAX_CHECKS, parse_checklist
from tui.core.model import ChecklistItem
from tui.core.validation import InputError


def test_lines_become_items_and_indentation_makes_parents() -> None:
    text = """
    - Is there a cat?
        - The cat is orange
        * The cat wears a hat
            1. The hat is red
    • Is there a dog?

    2) The dog sits left of the cat
    """
    assert parse_checklist(text) == [
        ChecklistItem("c1", "Is there a cat?"),
        ChecklistItem("c2", "The cat is orange", parent="c1"),
        ChecklistItem("c3", "The cat wears a hat", parent="c1"),
        ChecklistItem("c4", "The hat is red", parent="c3"),
        ChecklistItem("c5", "Is there a dog?"),
        ChecklistItem("c6", "The dog sits left of the cat"),
    ]


def test_tabs_count_as_indentation_and_empty_text_is_no_checklist() -> None:
    assert parse_checklist("a\n\tb") == [ChecklistItem("c1", "a"), ChecklistItem("c2", "b", parent="c1")]
    assert parse_checklist("") == [] and parse_checklist("  \n - \n") == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("\n".join(f"check {n}" for n in range(MAX_CHECKS + 1)), f"more than {MAX_CHECKS} checks"),
        ("x" * 501, "the limit is 500"),
        ("bad \udcff byte", "is not UTF-8"),
    ],
)
def test_too_much_or_bad_text_is_a_clear_error(text: str, words: str) -> None:
    with pytest.raises(InputError, match=words) as info:
        parse_checklist(text, key="--check")
    assert info.value.key == "--check"


def test_cli_check_gives_free_prompts_a_checklist(fast_demo, capsys) -> None:
    from tui.cli.main import main

    checks = ["--check", "Is there a cat?", "--check", "  The hat is red"]
    code = main(["run", "--prompt", "a cat in a hat", "--model", "demo:mosaic", "-q", *checks])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert main(["sessions", "export", out.strip()]) == 0
    (case,) = json.loads(capsys.readouterr().out)["cases"]
    assert [(i["id"], i["criterion"], i.get("parent")) for i in case["checklist"]] == [
        ("c1", "Is there a cat?", None),
        ("c2", "The hat is red", "c1"),
    ]


def test_cli_check_without_a_prompt_is_refused(fast_demo, capsys) -> None:
    from tui.cli.main import main

    assert main(["run", "--preset", "tier-a/cat1", "--model", "demo:mosaic", "--check", "x"]) == 2
    assert "--check: checks go with a --prompt" in capsys.readouterr().err
