"""A DataTable whose one stretching column takes the width the others leave, so the narrow columns after it stay
on screen at 80 columns (fixed widths pushed Home's run and score counts off to the right, behind a scrollbar)."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import DataTable


class FillingTable(DataTable[Any]):
    """``add_column`` as usual, then ``stretch(key, least)``: that column's width follows the table's."""

    DEFAULT_CSS = "FillingTable { scrollbar-gutter: stable; }"  # a scrollbar appearing must not shift the columns

    _stretch: tuple[Any, int] | None = None

    def stretch(self, key: Any, least: int) -> None:
        self._stretch = (key, least)
        self._fit()

    def on_resize(self, _event: events.Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        if self._stretch is None or not self.size.width:
            return
        key, least = self._stretch
        others = sum(c.get_render_width(self) for k, c in self.columns.items() if k != key)
        width = max(least, self.scrollable_content_region.width - others - 2 * self.cell_padding)
        column = self.columns[key]
        if column.width == width:
            return
        column.width = width
        # Textual 8 keeps rendered rows and the virtual size per column width: both are made again.
        self._clear_caches()
        self._require_update_dimensions = True
        self.refresh()
