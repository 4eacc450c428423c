"""How much of an edited image changed against its reference: a heat map and the shares of pixels changed.

The Tier-A local-edit case asks a model to change one region and leave the rest alone; "share of
pixels changed outside the region" is the objective half of that judgement. A pixel counts as
changed when its largest channel difference exceeds ``threshold`` (default 24/255: above JPEG/WebP
re-encoding noise, below any visible edit). The output is resized to the reference's size first.

Pillow only (ImageChops in C); no numpy, no Textual.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

DEFAULT_THRESHOLD = 24
MAX_SIDE = 2048  # working size cap: a 4096² pair would need ~0.5 GB of intermediates at full size
REGION_COLOUR = (0, 200, 255)
Region = tuple[float, float, float, float]  # x0, y0, x1, y1, relative 0..1


@dataclass(frozen=True)
class DiffResult:
    size: tuple[int, int]  # the working size (the reference's, capped at MAX_SIDE)
    threshold: int
    changed: float  # share of all pixels changed, 0..1
    region: Region | None = None
    changed_inside: float | None = None  # share of the region's pixels changed
    changed_outside: float | None = None  # share of the pixels outside the region changed
    heatmap: Image | None = field(default=None, repr=False, compare=False)

    @property
    def preserved_outside(self) -> float | None:
        return None if self.changed_outside is None else 1.0 - self.changed_outside

    def metrics(self) -> dict[str, float]:
        """Figures for ``Run.metrics`` (floats, rounded to 0.01 %)."""
        out = {"diff_changed": round(self.changed, 4)}
        if self.changed_inside is not None:
            out["diff_changed_inside"] = round(self.changed_inside, 4)
        if self.changed_outside is not None:
            out["diff_changed_outside"] = round(self.changed_outside, 4)
        return out

    def summary(self) -> str:
        parts = [f"changed {self.changed:.1%}"]
        if self.changed_outside is not None:
            parts.append(f"outside region {self.changed_outside:.1%}")
        if self.changed_inside is not None:
            parts.append(f"inside {self.changed_inside:.1%}")
        return " · ".join(parts) + f" (Δ>{self.threshold})"


def check_region(region: Region) -> Region:
    x0, y0, x1, y1 = (float(v) for v in region)
    if not (0.0 <= x0 < x1 <= 1.0 and 0.0 <= y0 < y1 <= 1.0):
        raise ValueError(f"region {region!r} must be x0,y0,x1,y1 with 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1")
    return (x0, y0, x1, y1)


def region_box(region: Region, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The region in pixels of an image of ``size``; at least one pixel each way."""
    x0, y0, x1, y1 = check_region(region)
    w, h = size
    left, top = min(w - 1, round(x0 * w)), min(h - 1, round(y0 * h))
    return (left, top, max(left + 1, round(x1 * w)), max(top + 1, round(y1 * h)))


def _lut(fn) -> list[int]:
    return [max(0, min(255, int(fn(v)))) for v in range(256)]


def diff_images(
    output: Image, reference: Image, *, threshold: int = DEFAULT_THRESHOLD, region: Region | None = None,
    heatmap: bool = True, outline: bool = True,
) -> DiffResult:  # fmt: skip
    """Compare two images (any modes; the output is resized to the reference's size)."""
    from PIL import Image as PILImage
    from PIL import ImageChops, ImageDraw

    from tui.imaging.thumbs import flatten

    if not 0 <= threshold < 255:
        raise ValueError("threshold must be between 0 and 254")
    ref = flatten(reference)
    out = flatten(output)
    if out.size != ref.size:
        out = out.resize(ref.size, PILImage.Resampling.LANCZOS)
    r, g, b = ImageChops.difference(out, ref).split()
    delta = ImageChops.lighter(ImageChops.lighter(r, g), b)  # per-pixel max channel delta, 0..255
    mask = delta.point(_lut(lambda v: 255 if v > threshold else 0))
    total = ref.width * ref.height
    changed_px = mask.histogram()[255]
    inside = outside = None
    box = None
    if region is not None:
        box = region_box(region, ref.size)
        area_in = (box[2] - box[0]) * (box[3] - box[1])
        in_px = mask.crop(box).histogram()[255]
        inside = in_px / area_in
        outside = (changed_px - in_px) / (total - area_in) if total > area_in else None
    heat = None
    if heatmap:
        # Unchanged pixels: the reference in dim grey, for orientation. Changed: yellow (just over the
        # threshold) to red (completely different).
        base = ref.convert("L").point(_lut(lambda v: v * 0.35)).convert("RGB")
        span = max(1, 255 - threshold)
        hot = PILImage.merge(
            "RGB",
            (
                delta.point(_lut(lambda v: 255)),
                delta.point(_lut(lambda v: 220 * (1 - max(0, v - threshold) / span))),
                delta.point(_lut(lambda v: 0)),
            ),
        )
        heat = PILImage.composite(hot, base, mask)
        if box is not None and outline:
            width = max(1, max(ref.size) // 200)
            ImageDraw.Draw(heat).rectangle((box[0], box[1], box[2] - 1, box[3] - 1), outline=REGION_COLOUR, width=width)
    return DiffResult(
        size=ref.size,
        threshold=threshold,
        changed=changed_px / total,
        region=check_region(region) if region is not None else None,
        changed_inside=inside,
        changed_outside=outside,
        heatmap=heat,
    )


def diff_files(
    output: Path, reference: Path, *, threshold: int = DEFAULT_THRESHOLD, region: Region | None = None,
    max_side: int = MAX_SIDE, heatmap: bool = True, outline: bool = True,
) -> DiffResult:  # fmt: skip
    """Compare two files; raises ``tui.imaging.thumbs.ThumbnailError`` (a ValueError) for a file that cannot be read."""
    from tui.imaging.thumbs import decode_small

    ref = decode_small(reference, max_side)
    out = decode_small(output, max(max_side, max(ref.size)))
    return diff_images(out, ref, threshold=threshold, region=region, heatmap=heatmap, outline=outline)
