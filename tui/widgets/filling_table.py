"""A DataTable whose one stretching column takes the width the others leave, so the narrow columns after it stay
on screen at 80 columns (fixed widths pushed Home's run and score counts off to the right, behind a scrollbar).

It also draws a plain one-line cell itself instead of through Rich's whole renderer (padding, wrapping,
styling: ~65 µs a cell, two thirds of Home's table in its first frame). Only a cell that Rich would draw as its
text cut or padded to the width in one style: a ``Text`` without spans, style, tabs or line breaks, left-aligned,
cropped not ellipsised, in a row one line high. Anything else goes to Textual. tests/tui/test_filling_table.py
holds the two side by side, with Textual's own drawing as the oracle.
"""

from __future__ import annotations

from typing import Any

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.widgets import DataTable

_LEFT = (None, "default", "left")
_CUT = (None, "fold", "crop")


def plain_cell(cell: object) -> str | None:
    """The cell's text when it can be drawn as one cut or padded run of text, else None."""
    if not isinstance(cell, Text) or cell.spans or cell.style or cell.justify not in _LEFT:
        return None
    if cell.overflow not in _CUT:
        return None
    text = cell.plain
    if "\n" in text or "\t" in text or "\r" in text:
        return None
    return text


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

    def _render_cell(
        self, row_index: int, column_index: int, base_style: Style, width: int, cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:  # fmt: skip
        header = row_index == -1
        row_key = self._header_row_key if header else self._row_locations.get_key(row_index)
        if column_index == -1 or row_key is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        # Textual's own cache key, so a cell drawn here is found by Textual and the other way round.
        key = (
            row_key, self._column_locations.get_key(column_index), base_style, cursor, hover,
            self._show_hover_cursor, self._update_count, self._pseudo_class_state,
        )  # fmt: skip
        cached = self._cell_render_cache.get(key)
        if cached is not None:
            return cached
        height = self.header_height if header else self.rows[row_key].height
        cells = self._get_row_renderables(row_index).cells
        text = plain_cell(cells[column_index]) if height == 1 and column_index < len(cells) else None
        pad = self.cell_padding
        if text is None or width < 2 * pad:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        fixed = not header and (row_index < self.fixed_rows or column_index < self.fixed_columns)
        component_style, post_style = self._get_styles_to_render_cell(
            header, False, fixed, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css",
        )  # fmt: skip
        style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
        line = " " * pad + set_cell_size(text, width - 2 * pad) + " " * pad
        lines = [[Segment(line, style + post_style if post_style else style)]]
        self._cell_render_cache[key] = lines
        return lines
