"""An image drawn by Kitty's direct placement inside Textual: for kitty < 0.28, WezTerm, Konsole.

Unicode placeholders are text that Textual can lay out; a direct placement is not: the terminal draws the
image at a cell position until told otherwise. So this widget (like textual-image's Sixel widget) injects
the escape codes into its own rendered lines: on the first render the pixels are transmitted once under
an id, on every render the image is placed at the widget's screen position (placing again with the same
ids moves it, never duplicates it). It is taken off the screen whenever it could outlive what Textual
shows: when it is hidden or removed and when its screen stops being the active one (another screen over
it); coming back places it again.

It is drawn over the text (``z=0``), never under it: with ``z=-1`` kitty 0.26.5 kept drawing a deleted
placement under the screen that replaced it (Zoom's picture stayed under Review after Escape, in about one
run in eight of the real-terminal test, although kitty's own command dump shows the delete arrived). The cost:
a toast over a picture is hidden under it; menus and dialogs are screens, so the picture makes way for them.
"""

from __future__ import annotations

from PIL.Image import Image
from rich.control import Control
from rich.segment import ControlType, Segment
from rich.style import Style
from textual.dom import NoScreen
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

from tui.imaging import kitty

_NULL = Style()


class KittyDirectImage(Widget, can_focus=False):
    DEFAULT_CSS = """
    KittyDirectImage { width: 100%; height: 100%; }
    """

    def __init__(self, image: Image | None = None, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self._image: Image | None = image
        self._image_id = kitty.next_image_id() if image is not None else 0
        self._sent = False  # the pixels are in the terminal
        self._placed = False

    @property
    def image(self) -> Image | None:
        return self._image

    @image.setter
    def image(self, img: Image | None) -> None:
        self._take_off(forget=True)
        self._image = img
        self._image_id = kitty.next_image_id() if img is not None else 0
        self._sent = False
        self.refresh()

    # -- keeping the terminal in step with Textual ----------------------------------------------
    def on_mount(self) -> None:
        self.app.screen_change_signal.subscribe(self, self._screen_changed)

    def on_unmount(self) -> None:
        self._take_off(forget=True)

    def on_hide(self) -> None:
        self._take_off()

    def _screen_changed(self, screen: Screen) -> None:
        try:
            mine = screen is self.screen
        except NoScreen:
            return
        if mine:
            self.refresh()  # back on top: place it again (the signal comes before the screen is active)
            self.call_after_refresh(self.refresh)
        else:
            self._take_off()

    def _is_active(self) -> bool:
        try:
            return self.screen.is_active
        except NoScreen:
            return False

    def _write(self, codes: str) -> None:
        driver = getattr(self.app, "_driver", None)  # the same ordered writer Textual's frames go through
        if driver is not None:
            driver.write(codes)
            driver.flush()

    def _take_off(self, *, forget: bool = False) -> None:
        # Only ever delete placements (d=i): kitty 0.26.5 dropped every other image's placements too when one
        # image was freed with d=I (seen under Xvfb). The pixels left behind are the terminal's to evict
        # (its storage quota drops the oldest images first).
        if self._image_id and self._placed:
            self._write(kitty.delete_placements(self._image_id))
            self._placed = False
        if forget:
            self._sent = False

    # -- drawing ------------------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        clear = Segment(" " * crop.width, self.rich_style)
        lines = [Strip([clear], crop.width)] * crop.height
        if self._image is None or not crop.height or not self._is_active():
            return lines
        visible = self.screen.find_widget(self).visible_region
        if visible.width < 1 or visible.height < 1:
            return lines
        codes = ""
        if not self._sent:
            codes += kitty.transmit(self._image, self._image_id)
            self._sent = True
        codes += Control.move_to(visible.x, visible.y).segment.text
        codes += kitty.place(self._image_id, visible.width, visible.height, z=0)
        # Leave the cursor right of the image on its last row, where Textual's line continues.
        codes += Control.move_to(visible.right, visible.bottom - 1).segment.text
        self._placed = True
        lines[-1] = Strip([clear, Segment(codes, _NULL, control=((ControlType.CURSOR_FORWARD, 0),))], crop.width)
        return lines
