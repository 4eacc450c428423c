"""A Static that lays the screen out again only when new content changes its size.

Textual's ``Static.update`` asks for a layout pass of the whole screen by default: on Review with 36 tiles that is
most of a cursor key's CPU, though a cursor move only restyles two lines of the checklist.
"""

from __future__ import annotations

from textual.visual import VisualType
from textual.widgets import Static


class SteadyStatic(Static):
    def show(self, content: VisualType) -> None:
        """Show ``content``: repainted in place when it fits the size the widget has, laid out when it does not."""
        width, height = self.content_size
        self.update(content, layout=False)
        if self._sized_by_content() and (not width or self._height_at(width) != height):
            self.refresh(layout=True)

    def _sized_by_content(self) -> bool:
        styles = self.styles
        if styles.width is not None and styles.width.is_auto:
            return True  # a new width is a new layout whatever the height
        return styles.height is None or styles.height.is_auto

    def _height_at(self, width: int) -> int:
        # A plain widget's content height reads only its own visual (the container sizes go unused).
        return self.get_content_height(self.size, self.size, width)
