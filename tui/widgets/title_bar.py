"""The title line at the top of every screen, drawn as Textual's ``Header`` draws it (the icon that opens the
command palette, the title and the screen's sub-title centred between it and the clock's space) by one widget
where the Header mounts four: styling and mounting the other three cost Home's first frame ~5 ms."""

from __future__ import annotations

from textual import events
from textual.content import Content
from textual.widget import Widget

ICON = "⭘"
ICON_CELLS = 8  # the Header's icon: a padding of one, eight wide
CLOCK_CELLS = 10  # the Header's clock space on the right (no clock: it would repaint every second over SSH)


class TitleBar(Widget):
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def on_mount(self) -> None:
        for node in (self.app, self.screen):
            self.watch(node, "title", self._retitle, init=False)
            self.watch(node, "sub_title", self._retitle, init=False)

    def _retitle(self, _value: object = None) -> None:
        self.refresh()

    def title(self) -> Content:
        """What the Header shows: the screen's title and sub-title, else the app's."""
        screen, app = self.screen, self.app
        title = screen.title if screen.title is not None else app.title
        sub_title = screen.sub_title if screen.sub_title is not None else app.sub_title
        return app.format_title(title, sub_title)

    def render(self) -> Content:
        width = self.size.width
        middle = max(0, width - ICON_CELLS - CLOCK_CELLS)
        title = self.title().expand_tabs(8).truncate(middle, ellipsis=True)
        left = (middle - title.cell_length) // 2
        line = Content.assemble(Content(f" {ICON}").pad_right(ICON_CELLS - 2), title.pad_left(left))
        # The clock's space is drawn last, over whatever reaches it (a bar narrower than icon and clock together).
        visible = max(0, width - CLOCK_CELLS)
        return line.truncate(visible, pad=True).pad_right(width - visible)

    async def on_click(self, event: events.Click) -> None:
        if event.x < ICON_CELLS and self.app.ENABLE_COMMAND_PALETTE:
            event.stop()
            await self.run_action("app.command_palette")
