"""The machine check a checklist item may declare, and the text normalisation OCR checks compare with.

In a preset, under an item::

    [[checklist]]
    id = "c1"
    criterion = "Chinese accuracy"
    machine = { kind = "ocr", expect = ["时光电影节"] }

``kind`` is one of ``ocr`` (``expect``), ``aspect`` (``ratio``, ``tolerance``), ``size`` (``size``,
``tolerance``) or ``preserve`` (``max_changed``, ``region``, ``delta``); a key of another kind is an error. The
same rules check a session's stored declarations (``tui.core.integrity``), so one function says what a valid
check is. Nothing here runs at import time.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from typing import Any

__all__ = ["KEYS", "KINDS", "normalise_text", "validate_machine"]

KINDS = ("ocr", "aspect", "size", "preserve")
KEYS: dict[str, tuple[str, ...]] = {
    "ocr": ("expect",),
    "aspect": ("ratio", "tolerance"),
    "size": ("size", "tolerance"),
    "preserve": ("max_changed", "region", "delta"),
}
REQUIRED: dict[str, tuple[str, ...]] = {"ocr": ("expect",), "preserve": ("max_changed",)}
MAX_EXPECT = 32
MAX_EXPECT_CHARS = 200
MAX_SIDE = 16384
_RATIO_RE = re.compile(r"(\d{1,5}):(\d{1,5})")
_SIZE_RE = re.compile(r"(\d{1,5})x(\d{1,5})")

# fail(key path below the check, reason) -> the exception to raise, naming the file and the full key.
Fail = Callable[[tuple[str | int, ...], str], Exception]


def normalise_text(text: str) -> str:
    """What an OCR comparison looks at: NFKC (full-width forms to plain ones), case folded, with every space,
    punctuation mark and symbol left out. Traditional and Simplified characters stay distinct."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LNM")


def _type(value: Any) -> str:
    names = {str: "a string", int: "an integer", float: "a float", bool: "a boolean", list: "an array"}
    return names.get(type(value), "a table" if isinstance(value, dict) else type(value).__name__)


def _number(value: Any, key: str, fail: Fail, low: float, high: float, *, high_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail((key,), f"expected a number, got {_type(value)}")
    if not math.isfinite(value) or not low <= value <= high or (high_open and value >= high):
        bound = f"below {high:g}" if high_open else f"at most {high:g}"
        raise fail((key,), f"{value!r} is out of range: {low:g} or more and {bound}")
    return float(value)


def _pair(value: Any, key: str, fail: Fail, pattern: re.Pattern[str], example: str) -> str:
    if not isinstance(value, str):
        raise fail((key,), f"expected a string like {example!r}, got {_type(value)}")
    m = pattern.fullmatch(value.strip())
    if not m or not 0 < int(m.group(1)) <= MAX_SIDE or not 0 < int(m.group(2)) <= MAX_SIDE:
        raise fail(
            (key,), f"invalid {key} {value!r}: expected two whole numbers from 1 to {MAX_SIDE}, e.g. {example!r}"
        )
    return value.strip()


def _expect(value: Any, fail: Fail) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise fail(("expect",), 'expected a non-empty array of strings, e.g. ["时光电影节"]')
    if len(value) > MAX_EXPECT:
        raise fail(("expect",), f"at most {MAX_EXPECT} strings")
    out: list[str] = []
    for i, text in enumerate(value):
        if not isinstance(text, str):
            raise fail(("expect", i), f"expected a string, got {_type(text)}")
        if len(text) > MAX_EXPECT_CHARS:
            raise fail(("expect", i), f"is {len(text)} characters long, over the {MAX_EXPECT_CHARS} limit")
        if not normalise_text(text):
            raise fail(("expect", i), f"{text!r} has no letter or digit to read (spaces and punctuation are ignored)")
        out.append(text)
    return tuple(out)


def _region(value: Any, fail: Fail) -> tuple[float, float, float, float]:
    if not isinstance(value, list | tuple) or len(value) != 4:
        raise fail(("region",), "expected [x0, y0, x1, y1], shares of the width and height from 0 to 1")
    x0, y0, x1, y1 = (_number(v, "region", fail, 0.0, 1.0) for v in value)
    if not (x0 < x1 and y0 < y1):
        raise fail(("region",), f"{list(value)!r} is empty: x0 < x1 and y0 < y1 are needed")
    return (x0, y0, x1, y1)


def validate_machine(raw: Any, fail: Fail) -> dict[str, Any]:
    """A declared check as the fields of ``MachineCheck`` (only those set), or ``fail``'s exception raised."""
    if not isinstance(raw, dict):
        raise fail((), f'expected a table like {{ kind = "ocr", expect = ["…"] }}, got {_type(raw)}')
    kind = raw.get("kind")
    if kind is None:
        raise fail(("kind",), f"missing required key 'kind' (one of {', '.join(KINDS)})")
    if kind not in KINDS:
        raise fail(("kind",), f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}")
    allowed = KEYS[kind]
    for key in raw:
        if key != "kind" and key not in allowed:
            owners = [k for k, keys in KEYS.items() if key in keys]
            hint = f" (a key of {' and '.join(owners)} checks)" if owners else ""
            raise fail((key,), f"unknown key {key!r} for a {kind} check{hint}; it takes {', '.join(allowed)}")
    for key in REQUIRED.get(kind, ()):
        if raw.get(key) is None:
            raise fail((key,), f"missing required key {key!r} of a {kind} check")
    out: dict[str, Any] = {"kind": kind}
    for key, value in raw.items():
        if key == "kind" or value is None:
            continue
        if key == "expect":
            out[key] = _expect(value, fail)
        elif key == "ratio":
            out[key] = _pair(value, key, fail, _RATIO_RE, "9:16")
        elif key == "size":
            out[key] = _pair(value, key, fail, _SIZE_RE, "1024x1536")
        elif key == "tolerance":
            out[key] = _number(value, key, fail, 0.0, 1.0, high_open=True)
        elif key == "max_changed":
            out[key] = _number(value, key, fail, 0.0, 1.0)
        elif key == "region":
            out[key] = _region(value, fail)
        elif key == "delta":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 254:
                raise fail((key,), f"expected a whole number from 0 to 254, got {value!r}")
            out[key] = value
    return out
