"""The one sanitizer for text that reaches a terminal: stored strings (a session name, a preset title, a note, a
provider's message, anything imported) may hold ESC, OSC 52 (writes the clipboard), OSC 0 (the window title)
or C1 controls. Every CLI line, Textual/Rich renderable and Markdown report built from them goes through
:func:`visible`, which shows each control character as a visible mark and never emits it."""

from __future__ import annotations

import re

# C0 but tab and newline, DEL, C1; the bidirectional overrides that reorder what a line appears to say; and lone
# surrogates (bytes that were not UTF-8, as a file name or an argument brings them), which no terminal can show.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_CONTROL_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_C1_JSON = re.compile("[\x7f-\x9f\u2028\u2029]")


def _mark(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures: ␛ for ESC, ␇ for BEL, ␊ for a newline
    if code == 0x7F:
        return "␡"
    return f"<U+{code:04X}>"


def visible(text: str, *, one_line: bool = False) -> str:
    """``text`` with every control character shown as a mark (newlines and tabs kept, unless ``one_line``)."""
    if not isinstance(text, str):
        text = str(text)
    return (_CONTROL_LINE if one_line else _CONTROL).sub(_mark, text)


def has_controls(text: str) -> bool:
    return _CONTROL.search(text) is not None


def json_text(text: str) -> str:
    """JSON text for a terminal: JSON escapes C0 itself, but C1 and DEL may stand raw in a string; escape them."""
    return _C1_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_bytes(data: bytes) -> bytes:
    """``json_text`` over UTF-8 bytes (msgspec's output): C1 is 0xC2 0x80-0x9F, which nothing else encodes to."""
    return re.sub(rb"\xc2([\x80-\x9f])", lambda m: b"\\u00%02x" % m.group(1)[0], data).replace(b"\x7f", b"\\u007f")
