"""The command lines read without argparse (tui.cli.fast_args) against argparse itself: for any argv, either
the fast path leaves it to argparse (None), or it gives exactly the namespace argparse gives; and the common
forms are taken (else the fast path would be dead code that a benchmark cannot see)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.cli.fast_args import parse
from tui.cli.parser import build_parser

# Every token a form knows, its near misses (abbreviations, =value, -h, "--"), values of each kind and junk.
TOKENS = [
    "sessions", "list", "leaderboard", "preview", "export", "--json", "--check", "--js", "--rater", "--preset",
    "--cols", "--rows", "--mode", "--colors", "--blind", "--cache", "--col", "--cols=80", "-h", "--help", "--",
    "--preview", "halfblock", "kitty", "auto", "256", "16", "truecolor", "80", "0", "-5", "+5", "1_0", "٣", "",
    "photo.png", "a b", "-x", "-", "cat3", "alice", "--version",
]  # fmt: skip


def argparse_namespace(argv: list[str]) -> dict[str, object] | None:
    try:
        return vars(build_parser().parse_args(argv))
    except SystemExit:
        return None


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=7))
def test_the_fast_path_agrees_with_argparse_or_leaves_it_the_argv(argv: list[str]) -> None:
    fast = parse(argv)
    if fast is not None:
        assert vars(fast) == argparse_namespace(argv), argv


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([["sessions", "list"], ["leaderboard"], ["preview", "x.png"]]),
    st.lists(st.sampled_from(TOKENS[5:]), max_size=5),
)
def test_each_form_with_any_options_after_it(words: list[str], rest: list[str]) -> None:
    fast = parse(words + rest)
    if fast is not None:
        assert vars(fast) == argparse_namespace(words + rest)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["sessions", "list"],
        ["sessions", "list", "--json", "--check"],
        ["leaderboard"],
        ["leaderboard", "--json", "--rater", "alice", "--preset", "cat3", "--preset", "cat4"],
        ["preview", "photo.png", "--cols", "80", "--rows", "40"],
        ["preview", "--mode", "halfblock", "--colors", "256", "photo.png", "--blind", "--cache"],
    ],
)
def test_the_common_forms_are_taken_and_match(argv: list[str]) -> None:
    fast = parse(argv)
    assert fast is not None and vars(fast) == argparse_namespace(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["sessions", "list", "--js"],  # argparse's abbreviation: it knows which option
        ["preview", "photo.png", "--cols=80"],
        ["preview", "photo.png", "--cols", "-5"],
        ["preview", "photo.png", "--mode", "ascii"],  # argparse words the error
        ["preview"],
        ["preview", "a.png", "b.png"],
        ["leaderboard", "--rater"],
        ["sessions", "list", "-h"],
        ["--preview", "kitty"],
    ],
)
def test_what_argparse_must_word_or_decide_goes_to_argparse(argv: list[str]) -> None:
    assert parse(argv) is None


def test_a_list_default_is_not_shared_between_parses() -> None:
    first = parse(["leaderboard", "--preset", "cat3"])
    second = parse(["leaderboard"])
    assert first is not None and second is not None and second.preset == [] and first.preset == ["cat3"]
