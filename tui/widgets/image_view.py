"""An image in the terminal: half-block cells from the thumbnail cache, or a graphics protocol.

Nothing is decoded on the UI thread: a thread worker reads the cached thumbnail (or makes it) and
builds the cells, then hands them back. The widget draws no border and no caption of its own (a
highlight on a border makes Textual re-send the whole image on every key, see
reference/terminal-images.md §5.8); the screen puts labels and the selection around it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget
from textual.worker import get_current_worker

from tui.imaging import graphics, halfblock
from tui.imaging.halfblock import Lines
from tui.imaging.loupe import Loupe, scaled_box

_DIM = Style(dim=True)


def _graphic_class(mode: str) -> type[Widget]:
    """The widget that draws ``mode``: textual-image's Sixel or placeholder widgets, or Kitty direct placement."""
    if mode == "kitty" and graphics.current().kitty_placement == "direct":
        from tui.widgets.kitty_direct import KittyDirectImage

        return KittyDirectImage
    from textual_image.widget import SixelImage, TGPImage

    return TGPImage if mode == "kitty" else SixelImage


class CellCanvas(Widget):
    """Base: draws ``Lines`` made in a worker thread for the current size; subclasses say what to draw."""

    DEFAULT_CSS = """
    CellCanvas { width: 1fr; height: 1fr; }
    """

    def __init__(
        self, *, caption: str | None = None, blind: bool = False, name: str | None = None, id: str | None = None,
        classes: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(name=name, id=id, classes=classes)
        self.caption = caption
        self.blind = blind
        self.message = ""
        self._lines: Lines = []
        self._drawn_for: tuple[Hashable, ...] | None = None
        self._wanted: tuple[Hashable, ...] | None = None

    # -- what subclasses provide --------------------------------------------------------------
    def _source(self) -> Hashable | None:
        """Identity of what to draw now; None draws the message only."""
        return None

    def _produce(self, source: Hashable, cols: int, rows: int, color_system: str) -> tuple[Lines, str]:
        """Runs in a worker thread: the cells, and a message (an error) or ''."""
        raise NotImplementedError

    # -- scheduling ---------------------------------------------------------------------------
    @property
    def color_system(self) -> str:
        try:
            return halfblock.normalise_color_system(self.app.console.color_system)
        except Exception:
            return halfblock.TRUECOLOR

    def _box(self) -> tuple[int, int]:
        cols, rows = self.content_size.width, self.content_size.height
        if self.caption:
            rows -= 1
        return cols, rows

    def on_mount(self) -> None:
        self._schedule()

    def on_resize(self) -> None:
        self._schedule()

    def redraw(self) -> None:
        """Draw again (after a change of what ``_source`` returns).

        The old cells stay until the new ones arrive (a few ms from the caches): flipping between
        outputs then never flashes an empty frame.
        """
        self._drawn_for = self._wanted = None
        self._schedule()

    def _schedule(self) -> None:
        if not self.is_mounted:
            return
        source = self._source()
        cols, rows = self._box()
        if source is None or cols < 2 or rows < 1:
            self._lines = []
            self.refresh()
            return
        key = (source, cols, rows, self.color_system)
        if key in (self._drawn_for, self._wanted):
            return
        self._wanted = key
        self.run_worker(
            lambda: self._work(key), thread=True, exclusive=True, group=f"canvas-{id(self)}", exit_on_error=False
        )

    def _work(self, key: tuple[Any, ...]) -> None:
        source, cols, rows, system = key
        try:
            lines, message = self._produce(source, cols, rows, system)
        except Exception as exc:  # a preview must never take the screen down
            lines, message = [], self._error_text(exc)
        worker = get_current_worker()
        if not worker.is_cancelled:
            self.app.call_from_thread(self._done, key, lines, message)

    def _error_text(self, exc: Exception) -> str:
        if self.blind:
            return "cannot show this image"  # the reason may name a file; blind raters see none
        return f"cannot show image: {exc}"

    def _done(self, key: tuple[Any, ...], lines: Lines, message: str) -> None:
        if key != self._wanted:
            return  # a newer request is on its way
        self._drawn_for = key
        self._lines = lines
        self.message = message
        self.refresh()

    # -- drawing ------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        cols, rows = self._box()
        if self.caption and y == rows:
            return Strip([Segment(self.caption[:width].center(width), _DIM)], width)
        if self._lines and not self.message:
            if y < len(self._lines):
                return Strip(self._lines[y], cols)
            return Strip.blank(width)
        if y == max(0, rows // 2 - 1):
            text = self.message or ("…" if self._source() is not None else "no image")
            return Strip([Segment(text[:width].center(width), _DIM)], width)
        return Strip.blank(width)


class ImageView(CellCanvas):
    """One image. ``show(path)`` swaps it; ``blind`` keeps file names and metadata off the screen."""

    DEFAULT_CSS = """
    ImageView { width: 1fr; height: 1fr; align: center middle; }
    """

    def __init__(
        self, path: Path | None = None, *, sha256: str | None = None, caption: str | None = None,
        blind: bool = False, mode: str | None = None, name: str | None = None, id: str | None = None,
        classes: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(caption=caption, blind=blind, name=name, id=id, classes=classes)
        self.path = path
        self.sha256 = sha256
        self.mode = mode or graphics.current().mode
        self._graphic: Widget | None = None
        self.loupe: Loupe | None = None  # Zoom's loupe: when it is zoomed in, a crop of the full image is drawn
        self.loupe_leader: Path | None = None  # a reference follows the output's crop: the output's file
        self.loupe_drawn: Callable[[], tuple[int, int]] | None = None  # the size both views share, side by side
        self.on_drawn: Callable[[], None] | None = None  # told after each new drawing (Zoom's caption follows)

    def drawn_size(self) -> tuple[int, int]:
        """The tile in drawn pixels: half cells with half-blocks, screen pixels with a graphics protocol."""
        cols, rows = self._box()
        if self._uses_graphics():
            cell_w, cell_h = graphics.current().cell_size or graphics.DEFAULT_CELL
            return cols * cell_w, rows * cell_h
        return cols, rows * 2

    def show(self, path: Path | None, message: str = "", *, sha256: str | None = None) -> None:
        """Draw ``path`` (None: only ``message``, e.g. 'failed: rate_limit')."""
        self.path = path
        self.sha256 = sha256
        self.message = message
        if path is None:
            self._drop_graphic()
        self.redraw()

    def _source(self) -> Hashable | None:
        if self.path is None:
            return None
        zoom = (self.loupe.level, self.loupe.centre) if self.loupe is not None and self.loupe.zoomed else None
        return (str(self.path), self.sha256, self._uses_graphics(), zoom)

    def _uses_graphics(self) -> bool:
        # Only when detection imported textual-image before the App started: importing it now would
        # run its terminal probe while Textual owns stdin (a 2 s freeze).
        return self.mode in graphics.GRAPHICS and "textual_image.widget" in sys.modules

    def _produce(self, source: Hashable, cols: int, rows: int, color_system: str) -> tuple[Lines, str]:
        from tui.imaging.thumbs import load_thumbnail

        assert self.path is not None
        path, sha256 = self.path, self.sha256
        if self.loupe is not None and self.loupe.zoomed:
            return self._produce_crop(path, source, cols, rows, color_system)
        if self._uses_graphics():
            cell_w, cell_h = graphics.current().cell_size or (10, 20)
            img = load_thumbnail(path, sha256, max_side=max(cols * cell_w, rows * cell_h))
            key = (source, cols, rows, color_system)
            self.app.call_from_thread(self._show_graphic, key, img, (cell_w, cell_h))
            return [], ""
        return halfblock.render_file(path, cols, rows, sha256=sha256, color_system=color_system), ""

    def _produce_crop(self, path: Path, source: Hashable, cols: int, rows: int, color_system: str) -> tuple[Lines, str]:
        from tui.imaging import crops

        assert self.loupe is not None
        leader = self.loupe_leader or path
        leader_size = crops.image_size(leader)
        view = self.loupe.view(leader_size, (self.loupe_drawn or self.drawn_size)())
        box = scaled_box(view, leader_size, crops.image_size(path)) if leader != path else None
        img = crops.crop(path, view, box)
        if self._uses_graphics():
            key = (source, cols, rows, color_system)
            cell = graphics.current().cell_size or graphics.DEFAULT_CELL
            self.app.call_from_thread(self._show_graphic, key, img, cell, False)
            return [], ""
        return halfblock.render_image(img, cols, rows, color_system=color_system, fit=False), ""

    def _show_graphic(self, key: tuple[Any, ...], img: Any, cell: tuple[int, int], fit: bool = True) -> None:
        if key != self._wanted:
            return  # the user has moved on
        _source, cols, rows, _system = key
        cls = _graphic_class(self.mode)
        if self._graphic is None or not isinstance(self._graphic, cls):
            if self._graphic is not None:
                self._graphic.remove()
            self._graphic = cls(None)
            self.mount(self._graphic)
        # Size it in cells ourselves: two integer sizes would stretch it, 'auto' can overflow the box.
        scale = min(cols * cell[0] / img.width, rows * cell[1] / img.height) if fit else 1.0
        self._graphic.styles.width = max(1, round(img.width * scale / cell[0]))
        self._graphic.styles.height = max(1, round(img.height * scale / cell[1]))
        self._graphic.image = img  # type: ignore[attr-defined]

    def _drop_graphic(self) -> None:
        if self._graphic is not None:
            self._graphic.remove()
            self._graphic = None

    def _done(self, key: tuple[Any, ...], lines: Lines, message: str) -> None:
        super()._done(key, lines, message)
        if message or lines:
            self._drop_graphic()  # an error, or half-blocks again
        if self.on_drawn is not None and key == self._drawn_for:
            self.on_drawn()

    def render_line(self, y: int) -> Strip:
        if self._graphic is not None and not self.message:
            _cols, rows = self._box()
            if not (self.caption and y == rows):
                return Strip.blank(self.content_size.width)  # the graphics child draws the image
        return super().render_line(y)
