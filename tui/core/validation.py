"""Turn msgspec's validation errors into messages that name the file, the key and the line."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import msgspec  # only named in a signature: importing it costs every command ~20 ms


class InputError(Exception):
    """Bad user input: a file or an argument. ``str()`` is one line a user can act on."""

    def __init__(
        self, reason: str, *, file: Path | str | None = None, key: str | None = None, line: int | None = None
    ) -> None:
        self.reason = reason
        self.file = str(file) if file is not None else None
        self.key = key
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        key = f"{self.key}: " if self.key else ""
        return f"{where}{key}{self.reason}"


class OverBudget(Exception):
    """The estimated cost is above the spending cap (tui/core/budget.py): nothing was sent."""


class StorageError(Exception):
    """The system refused a write (a full disk, a read-only mount) even after retrying: one line, naming the file."""

    def __init__(self, reason: str, *, file: Path | str) -> None:
        self.reason = reason
        self.file = str(file)
        super().__init__(f"{self.file}: {reason}")


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
