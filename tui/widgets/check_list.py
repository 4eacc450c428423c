"""A SelectionList whose state reads without colour: ☑ chosen, ☐ not (Textual's own box differs by colour only)."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widgets import OptionList, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

CHOSEN, NOT_CHOSEN = "☑ ", "☐ "


class CheckList(SelectionList[str]):
    def _get_left_gutter_width(self) -> int:
        return len(CHOSEN)

    def render_line(self, y: int) -> Strip:
        line = OptionList.render_line(self, y)  # the prompt alone; the box is ours
        _, scroll_y = self.scroll_offset
        index = scroll_y + y
        try:
            selection = self.get_option_at_index(index)
        except OptionDoesNotExist:
            return line
        chosen = selection.value in self._selected
        component = "selection-list--button" + ("-selected" if chosen else "")
        if self.highlighted == index:
            component += "-highlighted"
        base = next(iter(line)).style or self.rich_style
        colour = self.get_component_rich_style(component).bgcolor
        style = (base or Style()) + Style(color=colour, bold=chosen, meta={"option": index})
        return Strip([Segment(CHOSEN if chosen else NOT_CHOSEN, style=style), *line])
