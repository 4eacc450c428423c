"""An image drawn with half-block cells, decoded and scaled off the UI thread.

Interim implementation: the previews issue replaces the renderer behind the same API.
"""

from __future__ import annotations

from pathlib import Path

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget
from textual.worker import get_current_worker


def _render(path: Path, cols: int, rows: int) -> list[Strip]:
    from PIL import Image

    with Image.open(path) as img:
        img.draft("RGB", (cols, rows * 2))
        img = img.convert("RGB")
        w, h = img.size
        scale = min(cols / w, rows * 2 / h)
        tw, th = max(1, int(w * scale)), max(2, int(h * scale) // 2 * 2)
        img = img.resize((tw, th))
        px = img.load()
    pad = (cols - tw) // 2
    strips = []
    for y in range(0, th, 2):
        segs = [Segment(" " * pad)] if pad else []
        for x in range(tw):
            top, bottom = px[x, y], px[x, y + 1]
            segs.append(Segment("▀", Style.from_color(Color.from_rgb(*top), Color.from_rgb(*bottom))))
        strips.append(Strip(segs))
    return strips


class ImageView(Widget):
    DEFAULT_CSS = """
    ImageView { width: 1fr; height: 1fr; }
    """

    def __init__(
        self, path: Path | None = None, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.path = path
        self.message = ""
        self._strips: list[Strip] = []
        self._rendered_for: tuple[Path | None, int, int] | None = None

    def show(self, path: Path | None, message: str = "") -> None:
        self.path = path
        self.message = message
        self._rendered_for = None
        self._strips = []
        self._schedule()

    def on_resize(self) -> None:
        self._schedule()

    def on_mount(self) -> None:
        self._schedule()

    def _schedule(self) -> None:
        cols, rows = self.size.width, self.size.height
        if self.path is None or cols < 2 or rows < 1:
            self.refresh()
            return
        key = (self.path, cols, rows)
        if key == self._rendered_for:
            return
        self._rendered_for = key
        self.run_worker(
            lambda: self._decode(key), thread=True, exclusive=True, group="image-decode", exit_on_error=False
        )

    def _decode(self, key: tuple[Path | None, int, int]) -> None:
        path, cols, rows = key
        try:
            strips = _render(path, cols, rows) if path else []
            message = ""
        except Exception as exc:
            strips, message = [], f"cannot show image: {exc}"
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._done, key, strips, message)

    def _done(self, key: tuple[Path | None, int, int], strips: list[Strip], message: str) -> None:
        if key != self._rendered_for:
            return
        self._strips = strips
        if message:
            self.message = message
        self.refresh()

    def render_line(self, y: int) -> Strip:
        if y < len(self._strips):
            return self._strips[y]
        if y == 0 and (self.message or not self._strips):
            text = self.message or ("no image" if self.path is None else "…")
            return Strip([Segment(text[: self.size.width], Style(dim=True))])
        return Strip.blank(self.size.width)
