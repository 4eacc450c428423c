"""The few command lines read without argparse: the TUI's (no arguments), ``sessions list``, ``leaderboard`` and
``preview``, each a short process where argparse's imports (re, enum, gettext, locale, shutil) and the parser of
every subcommand cost more than the listing itself.

A form is taken here only when argparse would take it and give the same namespace; anything else (an
abbreviation, ``--opt=value``, ``-h``, a value that starts with ``-``, a missing or extra argument) returns
None and goes to argparse, which words the error. tests/test_fast_args.py holds each form to ``build_parser``'s.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing costs a short command its re import
if TYPE_CHECKING:
    from collections.abc import Sequence

_FLAG, _INT, _TEXT, _APPEND = "flag", "int", "text", "append"
_PREVIEW_MODES = ("auto", "halfblock", "kitty", "sixel", "iterm")

# words -> (the namespace's fixed and default values, option -> (dest, kind or choices), positional dests)
FORMS: dict[tuple[str, ...], tuple[dict[str, object], dict[str, tuple[str, object]], tuple[str, ...]]] = {
    ("sessions", "list"): (
        {"preview": None, "command": "sessions", "sessions_command": "list", "json": False, "check": False},
        {"--json": ("json", _FLAG), "--check": ("check", _FLAG)},
        (),
    ),
    ("leaderboard",): (
        {"preview": None, "command": "leaderboard", "json": False, "rater": None, "preset": []},
        {"--json": ("json", _FLAG), "--rater": ("rater", _TEXT), "--preset": ("preset", _APPEND)},
        (),
    ),
    ("preview",): (
        {
            "preview": None,
            "command": "preview",
            "target": None,
            "cols": None,
            "rows": None,
            "mode": None,
            "colors": None,
            "blind": False,
            "cache": False,
        },
        {
            "--cols": ("cols", _INT),
            "--rows": ("rows", _INT),
            "--mode": ("mode", _PREVIEW_MODES),
            "--colors": ("colors", ("auto", "truecolor", "256", "16")),
            "--blind": ("blind", _FLAG),
            "--cache": ("cache", _FLAG),
        },
        ("target",),
    ),
    (): ({"preview": None, "command": None}, {}, ()),  # the TUI: last, as every argv starts with no words
}


class Namespace:
    """What argparse's Namespace is to a handler: attributes, and equality by them."""

    def __init__(self, values: dict[str, object]) -> None:
        self.__dict__.update(values)

    def __eq__(self, other: object) -> bool:
        return vars(self) == vars(other) if hasattr(other, "__dict__") else NotImplemented

    def __repr__(self) -> str:
        return f"Namespace({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


def parse(argv: Sequence[str]) -> Namespace | None:
    """The namespace argparse would give ``argv``, or None to leave it to argparse."""
    argv = list(argv)
    for words, (defaults, options, positionals) in FORMS.items():
        if tuple(argv[: len(words)]) == words:
            return _rest(argv[len(words) :], defaults, options, positionals)
    return None


def _rest(
    rest: list[str], defaults: dict[str, object], options: dict[str, tuple[str, object]], positionals: tuple[str, ...]
) -> Namespace | None:
    values = {k: list(v) if isinstance(v, list) else v for k, v in defaults.items()}
    given: list[str] = []
    tokens = iter(rest)
    for token in tokens:
        if not token or token.startswith("-"):
            if token not in options:
                return None
            dest, kind = options[token]
            if kind == _FLAG:
                values[dest] = True
                continue
            value = next(tokens, None)
            if value is None or not value or value.startswith("-"):
                return None
            if kind == _INT:
                if not (value.isascii() and value.isdigit()):
                    return None
                values[dest] = int(value)
            elif kind == _APPEND:
                values[dest].append(value)  # type: ignore[attr-defined]
            elif kind == _TEXT or value in kind:  # type: ignore[operator]
                values[dest] = value
            else:
                return None
        else:
            given.append(token)
    if len(given) != len(positionals):
        return None
    values.update(zip(positionals, given, strict=True))
    return Namespace(values)
