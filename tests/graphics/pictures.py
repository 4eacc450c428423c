"""The test picture and how to find it in a screenshot: four coloured quadrants over a diagonal edge.

The quadrants say where the image is and which way up; the diagonal (black above, white below) says how
finely it is drawn: a graphics protocol moves the edge by about a pixel on every scan line, half-blocks
only once per half cell (8-10 px) up and down and once per cell across.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

COLOURS = {"red": (230, 30, 30), "green": (30, 200, 40), "blue": (40, 60, 230), "yellow": (240, 220, 20)}


def picture(size: int = 512) -> Image.Image:
    img = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(img)
    half, quad_h = size // 2, size * 3 // 8
    draw.rectangle((0, 0, half - 1, quad_h - 1), fill=COLOURS["red"])
    draw.rectangle((half, 0, size - 1, quad_h - 1), fill=COLOURS["green"])
    draw.rectangle((0, quad_h, half - 1, 2 * quad_h - 1), fill=COLOURS["blue"])
    draw.rectangle((half, quad_h, size - 1, 2 * quad_h - 1), fill=COLOURS["yellow"])
    band = size - 2 * quad_h
    draw.rectangle((0, 2 * quad_h, size - 1, size - 1), fill=(0, 0, 0))
    draw.polygon([(size - 1, 2 * quad_h), (size - 1, size - 1), (0, size - 1)], fill=(255, 255, 255))
    assert band > 0
    return img


@dataclass
class Found:
    x: int
    y: int
    width: int  # of the whole picture as drawn, in screen pixels
    height: int
    steps: int  # distinct positions of the diagonal edge over the band's scan lines


def _mask(arr: np.ndarray, colour: tuple[int, int, int], tol: int = 70) -> np.ndarray:
    # 70: xterm shows truecolour half-blocks in its 256-colour palette (blue comes out as 92,92,255)
    return np.abs(arr.astype(int) - np.array(colour)).max(axis=-1) <= tol


def find(shot: Image.Image, min_side: int = 12) -> list[Found]:
    """Every drawn copy of ``picture()`` in the screenshot: red, green to its right, blue under it, yellow diagonal."""
    arr = np.asarray(shot.convert("RGB"))
    boxes = {}
    for name, colour in COLOURS.items():
        labels, _n = ndimage.label(_mask(arr, colour))
        boxes[name] = [(s[1].start, s[0].start, s[1].stop, s[0].stop) for s in ndimage.find_objects(labels)]
        boxes[name] = [b for b in boxes[name] if b[2] - b[0] >= min_side and b[3] - b[1] >= min_side // 2]
    found = []
    for x0, y0, x1, y1 in boxes["red"]:
        w, h = x1 - x0, y1 - y0

        def near(name: str, ex: int, ey: int, w: int = w, h: int = h) -> bool:
            tol_x, tol_y = max(3, w // 8), max(3, h // 8)
            return any(abs(b[0] - ex) <= tol_x and abs(b[1] - ey) <= tol_y for b in boxes[name])

        if near("green", x1, y0) and near("blue", x0, y1) and near("yellow", x1, y1):
            band_h = round(h * 2 / 3)  # the band is a third of the quadrants' height... of 3/8 each: 2/8 vs 3/8
            edges = set()
            for y in range(y0 + 2 * h + 1, min(arr.shape[0], y0 + 2 * h + band_h - 1)):
                light = np.flatnonzero(arr[y, x0 : x0 + 2 * w].mean(axis=-1) > 128)
                if light.size:
                    edges.add(int(light[0]))
            found.append(Found(x0, y0, 2 * w, 2 * h + band_h, len(edges)))
    return found
