"""The loupe: which part of an image a tile shows, at which zoom level, and where it is panned to.

A level is a scale in drawn pixels per image pixel. "Drawn pixels" are what the tile really has: with
half-blocks a cell is 1 × 2 of them, with a graphics protocol a cell is the terminal's cell size in
screen pixels. ``FIT`` shows the whole image; 1.0 shows every image pixel as exactly one drawn pixel
(the level at which a rater on half-blocks sees strokes and fingers as they are); above 1 each image pixel
is a block of drawn pixels. The view is kept inside the image, so panning stops at its edges.
No Textual here: the Zoom screen keeps one ``Loupe`` and asks it for crops.
"""

from __future__ import annotations

from dataclasses import dataclass

FIT = 0.0
LEVELS = (FIT, 0.125, 0.25, 0.5, 1.0, 2.0, 4.0)
PAN_SHARE = 0.25  # one key moves the view by a quarter of what it shows


@dataclass(frozen=True)
class View:
    """The crop of the image, in image pixels (x0, y0 inclusive; x1, y1 exclusive), and the drawn size of it."""

    x0: int
    y0: int
    x1: int
    y1: int
    drawn_width: int  # in drawn pixels
    drawn_height: int

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (self.x0, self.y0, self.x1, self.y1)


class Loupe:
    def __init__(self) -> None:
        self.level_index = 0
        self.centre: tuple[float, float] | None = None  # in image pixels; None: the middle

    @property
    def level(self) -> float:
        return LEVELS[self.level_index]

    @property
    def zoomed(self) -> bool:
        return self.level != FIT

    def zoom(self, step: int) -> None:
        self.level_index = max(0, min(len(LEVELS) - 1, self.level_index + step))

    def fit(self) -> None:
        self.level_index = 0
        self.centre = None

    def view(self, image_size: tuple[int, int], drawn: tuple[int, int]) -> View:
        """What to show of an image of ``image_size`` in a tile of ``drawn`` drawn pixels (width, height)."""
        width, height = image_size
        box_w, box_h = max(1, drawn[0]), max(1, drawn[1])
        if not self.zoomed:
            scale = min(box_w / width, box_h / height)
            return View(0, 0, width, height, max(1, round(width * scale)), max(1, round(height * scale)))
        scale = self.level
        crop_w = min(width, max(1, int(box_w / scale)))
        crop_h = min(height, max(1, int(box_h / scale)))
        cx, cy = self.centre if self.centre is not None else (width / 2, height / 2)
        x0 = round(cx - crop_w / 2)
        y0 = round(cy - crop_h / 2)
        x0 = max(0, min(width - crop_w, x0))
        y0 = max(0, min(height - crop_h, y0))
        self.centre = (x0 + crop_w / 2, y0 + crop_h / 2)  # clamped: panning past an edge does not build up
        return View(x0, y0, x0 + crop_w, y0 + crop_h, round(crop_w * scale), round(crop_h * scale))

    def pan(self, dx: int, dy: int, image_size: tuple[int, int], drawn: tuple[int, int]) -> None:
        """Move by ``dx``/``dy`` steps of a quarter of the view (left/up negative)."""
        if not self.zoomed:
            return
        view = self.view(image_size, drawn)
        cx, cy = self.centre or (image_size[0] / 2, image_size[1] / 2)
        step_x = max(1, round((view.x1 - view.x0) * PAN_SHARE))
        step_y = max(1, round((view.y1 - view.y0) * PAN_SHARE))
        self.centre = (cx + dx * step_x, cy + dy * step_y)
        self.view(image_size, drawn)  # clamp

    def describe(self, image_size: tuple[int, int], drawn: tuple[int, int]) -> str:
        """For the caption: the level and which pixels are shown."""
        if not self.zoomed:
            return "fit (+ to zoom in)"
        view = self.view(image_size, drawn)
        level = f"{self.level:g}:1" if self.level >= 1 else f"1:{1 / self.level:g}"
        exact = "  one image pixel per drawn pixel" if self.level == 1 else ""
        return (
            f"zoom {level}  x {view.x0}-{view.x1 - 1}  y {view.y0}-{view.y1 - 1}"
            f" of {image_size[0]}×{image_size[1]}{exact}"
        )


def scaled_box(view: View, source: tuple[int, int], target: tuple[int, int]) -> tuple[int, int, int, int]:
    """The same region of another image (a reference of another size): proportionally."""
    sx, sy = target[0] / source[0], target[1] / source[1]
    x0, y0 = int(view.x0 * sx), int(view.y0 * sy)
    return (x0, y0, max(x0 + 1, round(view.x1 * sx)), max(y0 + 1, round(view.y1 * sy)))
