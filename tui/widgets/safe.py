"""Stored strings as Textual renderables: never markup (a name holding "[bold]" is just text), never a raw control
character (``tui.core.safe_text.visible``)."""

from __future__ import annotations

from rich.text import Text

from tui.core.safe_text import visible


def plain(text: object, *, one_line: bool = True, style: str = "") -> Text:
    return Text(visible(str(text), one_line=one_line), style=style)
