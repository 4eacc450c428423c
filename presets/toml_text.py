"""Read preset files as text, parse them as TOML, and find the line that defines a key.

Every problem is one :class:`PresetError` naming the file and, where it can be found, the line.
Nothing here runs at import time.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from .model import PresetError

MAX_FILE_BYTES = 1024 * 1024

_TOML_POS_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END_RE = re.compile(r"\s*\(at end of document\)\s*$")

_TOML_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a float",
    bool: "a boolean",
    list: "an array",
    dict: "a table",
}


def _type_name(value: Any) -> str:
    return _TOML_TYPE_NAMES.get(type(value), type(value).__name__)


# --------------------------------------------------------------------------------------------
# Locating keys in the raw text (best effort: tomllib keeps no positions)


Path_ = tuple[str | int, ...]

_HEADER_ARRAY_RE = re.compile(r"\[\[\s*(.+?)\s*\]\]")
_HEADER_TABLE_RE = re.compile(r"\[\s*([^\[\]]+?)\s*\]")
_KEY_RE = re.compile(
    r"""((?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*=\s*(.*)"""
)


def _split_dotted(key: str) -> tuple[str, ...]:
    parts = re.findall(r""""([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+)""", key)
    return tuple(a or b or c for a, b, c in parts)


def _key_lines(text: str) -> dict[Path_, int]:
    """Map key paths (``("checklist", 2, "parent")``) to the 1-based line that defines them."""
    lines: dict[Path_, int] = {}
    counters: dict[tuple[str, ...], int] = {}
    current: Path_ = ()
    open_multiline: str | None = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if open_multiline is not None:
            if open_multiline in s:
                open_multiline = None
            continue
        if not s or s.startswith("#"):
            continue
        m = _HEADER_ARRAY_RE.match(s)
        if m:
            name = _split_dotted(m.group(1))
            idx = counters.get(name, 0)
            counters[name] = idx + 1
            current = (*name, idx)
            lines.setdefault(current, lineno)
            lines.setdefault(name, lineno)
            continue
        m = _HEADER_TABLE_RE.match(s)
        if m:
            current = _split_dotted(m.group(1))
            lines.setdefault(current, lineno)
            continue
        m = _KEY_RE.match(s)
        if m:
            lines.setdefault((*current, *_split_dotted(m.group(1))), lineno)
            value = m.group(2)
            for delim in ('"""', "'''"):
                if value.startswith(delim) and value.count(delim) == 1:
                    open_multiline = delim
                    break
    return lines


def _fmt_key(path: Path_) -> str | None:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or None


# --------------------------------------------------------------------------------------------
# Reading


def _read_text(path: Path) -> str:
    file = str(path)
    try:
        # NONBLOCK and a regular-file check first: a FIFO named like a preset would hang, /dev/zero never end.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        try:
            if stat.S_ISDIR(os.fstat(fd).st_mode):
                raise IsADirectoryError
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise PresetError(file, "is not a regular file (a FIFO or a device); a preset is a small text file")
            os.set_blocking(fd, True)
            with os.fdopen(fd, "rb", closefd=False) as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
        finally:
            os.close(fd)
    except IsADirectoryError:
        raise PresetError(file, "is a directory, not a preset file") from None
    except OSError as exc:
        raise PresetError(file, f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise PresetError(file, "file is larger than 1 MiB; a preset is a small text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PresetError(
            file, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8", line=line
        ) from None
    return text.removeprefix("\ufeff")


def _parse_toml(file: str, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        line: int | None = None
        m = _TOML_POS_RE.search(msg)
        if m:
            line = int(m.group(1))
            msg = msg[: m.start()] + f" (column {m.group(2)})"
        else:
            m = _TOML_END_RE.search(msg)
            if m:
                line = max(1, len(text.splitlines()))
                msg = msg[: m.start()] + " (at end of file)"
        raise PresetError(file, f"invalid TOML: {msg}", line=line) from None
