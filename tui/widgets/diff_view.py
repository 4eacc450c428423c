"""A heat map of what an output changed against its reference, with the shares of pixels changed.

The comparison runs in a worker thread (two decodes and a few full-size ImageChops passes: tens of
ms for 1024², a few hundred for 4096²); its result is kept per pair, so a resize only re-renders
the cells. ``DiffView.Computed`` carries the figures, for the screen to store in ``Run.metrics``.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path

from textual.message import Message

from tui.imaging import halfblock
from tui.imaging.diff import DEFAULT_THRESHOLD, REGION_COLOUR, DiffResult, Region, check_region, diff_files, region_box
from tui.imaging.halfblock import Lines
from tui.widgets.image_view import CellCanvas


class DiffView(CellCanvas):
    DEFAULT_CSS = """
    DiffView { width: 1fr; height: 1fr; }
    """

    class Computed(Message):
        def __init__(self, view: DiffView, result: DiffResult) -> None:
            super().__init__()
            self.view = view
            self.result = result

    def __init__(
        self, output: Path | None = None, reference: Path | None = None, *, region: Region | None = None,
        threshold: int = DEFAULT_THRESHOLD, blind: bool = False, name: str | None = None, id: str | None = None,
        classes: str | None = None,
    ) -> None:  # fmt: skip
        # The caption line holds the figures; it names no file, so it is safe in blind mode.
        super().__init__(caption=" ", blind=blind, name=name, id=id, classes=classes)
        self.output = output
        self.reference = reference
        self.edit_region = check_region(region) if region is not None else None
        self.threshold = threshold
        self.result: DiffResult | None = None
        self._results: dict[Hashable, DiffResult] = {}

    def compare(self, output: Path | None, reference: Path | None, *, region: Region | None = None) -> None:
        self.output, self.reference = output, reference
        self.edit_region = check_region(region) if region is not None else None
        self.result = None
        self.caption = " "
        self.message = "" if output and reference else "no reference to compare with"
        self.redraw()

    def _source(self) -> Hashable | None:
        if self.output is None or self.reference is None:
            return None
        return (str(self.output), str(self.reference), self.edit_region, self.threshold)

    def _produce(self, source: Hashable, cols: int, rows: int, color_system: str) -> tuple[Lines, str]:
        from PIL import Image, ImageDraw

        result = self._results.get(source)
        if result is None:
            assert self.output is not None and self.reference is not None
            result = diff_files(
                self.output, self.reference, threshold=self.threshold, region=self.edit_region, outline=False
            )
            if result.heatmap is not None:
                result.heatmap.thumbnail((1024, 1024))  # enough for any cell grid; frees the full-size copy
            if len(self._results) > 8:
                self._results.clear()  # the heat maps are full-size images: keep few
            self._results[source] = result
            self.app.call_from_thread(self._computed, source, result)
        assert result.heatmap is not None
        heat = result.heatmap
        size = halfblock.fit_size(heat.width, heat.height, cols, rows)
        heat = heat.resize(size, Image.Resampling.LANCZOS)
        if result.region is not None:
            # The region's outline is drawn at cell-pixel scale, so it stays one crisp pixel wide.
            x0, y0, x1, y1 = region_box(result.region, size)
            ImageDraw.Draw(heat).rectangle((x0, y0, x1 - 1, y1 - 1), outline=REGION_COLOUR)
        return halfblock.render_image(heat, cols, rows, color_system=color_system), ""

    def _computed(self, source: Hashable, result: DiffResult) -> None:
        if source != self._source():
            return
        self.result = result
        self.caption = result.summary()
        self.refresh()
        self.post_message(self.Computed(self, result))
