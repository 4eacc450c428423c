"""FillingTable draws plain cells itself: every cell it draws must match, segment for segment once merged, what
Textual's DataTable draws for the same cell (the oracle: ``DataTable._render_cell``), for any text, width, row
style and cursor state; a cell it cannot draw so (markup styles, wrapping, ellipsis) goes to Textual."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from tui.widgets.filling_table import FillingTable, plain_cell

# Text as names arrive: letters of every script, wide CJK and emoji, combining marks, spaces; no control characters
# (tui.core.safe_text.visible takes those out before a cell is made).
CELL_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\t\n\r"), max_size=40
)
STYLES = [Style(), Style(bgcolor="grey11"), Style(color="red", bold=True)]


class _Tables(App[None]):
    def compose(self) -> ComposeResult:
        yield FillingTable(id="t", cursor_type="row", zebra_stripes=True)


def _merged(lines: list[list[Segment]]) -> list[list[tuple[str, Style | None]]]:
    """Each character with its style: how a terminal would draw it, whatever the split into segments."""
    out = []
    for line in lines:
        chars = [(ch, seg.style) for seg in Segment.simplify(line) for ch in seg.text]
        out.append(chars)
    return out


def _compare(table: FillingTable, rows: int, columns: int) -> int:
    """Cells drawn both ways, compared; how many FillingTable drew itself (plain, and room for the padding)."""
    ours_count = 0
    for row in range(-1, rows):
        for column in range(columns):
            width = table.ordered_columns[column].get_render_width(table)
            for base in STYLES:
                for cursor, hover in ((False, False), (True, False), (False, True), (True, True)):
                    table._cell_render_cache.clear()
                    ours = table._render_cell(row, column, base, width, cursor, hover)
                    cells = table._get_row_renderables(row).cells
                    ours_count += plain_cell(cells[column]) is not None and width >= 2 * table.cell_padding
                    table._cell_render_cache.clear()
                    theirs = DataTable._render_cell(table, row, column, base, width, cursor, hover)
                    assert _merged(ours) == _merged(theirs), (row, column, base, cursor, hover, cells[column])
    return ours_count


def _run(names: list[str], widths: list[int], extra: list[object]) -> int:
    async def go() -> int:
        app = _Tables()
        async with app.run_test(size=(100, 30)) as pilot:
            table = app.query_one(FillingTable)
            for n, width in enumerate(widths):
                table.add_column(Text(f"col {n}"), width=width, key=str(n))
            for i, name in enumerate(names):
                values = [Text(name), name.replace("[", "("), *extra][: len(widths)]
                values += [""] * (len(widths) - len(values))
                table.add_row(*values, key=str(i))
            await pilot.pause()
            return _compare(table, len(names), len(widths))

    return asyncio.run(go())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(CELL_TEXT, min_size=1, max_size=6),
    widths=st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=4),
)
def test_plain_cells_are_drawn_as_textual_draws_them(names: list[str], widths: list[int]) -> None:
    drawn = _run(names, widths, ["3/4", 12])
    assert drawn > 0  # the header's labels at least: the fast way was taken, not only compared with itself


def test_what_it_cannot_draw_goes_to_textual() -> None:
    styled = Text("bold part", spans=[])
    styled.stylize("bold", 0, 4)
    assert plain_cell(styled) is None
    assert plain_cell(Text("x", style="red")) is None
    assert plain_cell(Text("x", overflow="ellipsis")) is None
    assert plain_cell(Text("x", justify="right")) is None
    assert plain_cell(Text("a\nb")) is None
    assert plain_cell("not a Text") is None
    assert plain_cell(Text("plain")) == "plain"
    # ...and those cells still match Textual, since Textual draws them.
    ellipsis = Text("a long name that will not fit", overflow="ellipsis")
    assert _run(["x"], [8, 8, 8, 8], [styled, ellipsis]) > 0
