"""Turn msgspec's validation errors into messages that name the file, the key and the line."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core.errors import InputError, OverBudget, StorageError

if TYPE_CHECKING:
    import msgspec  # only named in a signature: importing it costs every command ~20 ms

# The errors live in tui.core.errors; every module that names them here keeps working.
__all__ = [
    "InputError", "OverBudget", "StorageError", "dotted", "find_line", "from_msgspec", "suggest", "toml_syntax_error",
]  # fmt: skip


_PATH_RE = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_UNKNOWN_RE = re.compile(r"Object contains unknown field `(?P<field>[^`]+)`")


def dotted(path: str) -> str:
    """``$.providers.demo[0]`` -> ``providers.demo[0]``."""
    return path.lstrip(".")


def suggest(word: str, options: Iterable[str]) -> str:
    import difflib  # only for a misspelled name: every command imports this module

    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def find_line(text: str, key: str | None, section: str | None = None) -> int | None:
    """Best-effort line of a TOML key: the last path part at the start of a line or as a table header,
    looked for after the section's table header when one is given."""
    if not key:
        return None
    offset = 0
    if section:
        header = re.search(rf"^\s*\[\s*{re.escape(section)}\s*\]", text, re.M)
        if header:
            offset = header.end()
    last = re.split(r"[.\[\]]", key.rstrip("]"))
    name = next((p for p in reversed(last) if p and not p.isdigit()), None)
    if not name:
        return None
    pattern = re.compile(rf"^\s*(\[+\s*)?([\w.\-\"']*\.)?[\"']?{re.escape(name)}[\"']?\s*(=|\]|\.)", re.M)
    match = pattern.search(text, offset)
    return text.count("\n", 0, match.start()) + 1 if match else None


def from_msgspec(
    err: msgspec.ValidationError, *, file: Path | str, text: str = "", known: dict[str, Iterable[str]] | None = None
) -> InputError:
    message = str(err)
    key: str | None = None
    if m := _PATH_RE.search(message):
        key = dotted(m.group("path"))
        message = message[: m.start()]
    if m := _UNKNOWN_RE.match(message):
        field = m.group("field")
        options = (known or {}).get(key or "", ())
        key = f"{key}.{field}" if key else field
        message = "unknown key" + suggest(field, options)
    return InputError(message, file=file, key=key, line=find_line(text, key))


def toml_syntax_error(err: Exception, *, file: Path | str) -> InputError:
    text = str(err)
    m = re.search(r"\(at line (\d+), column \d+\)", text)
    line = int(m.group(1)) if m else None
    reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", text) or "invalid TOML"
    return InputError(f"invalid TOML: {reason}", file=file, line=line)
