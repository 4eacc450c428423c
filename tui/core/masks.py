"""Edit masks: checked before a run, so a mask a provider would refuse never costs a paid request.

imgbench's mask is OpenAI's: a PNG the size of the first reference whose fully transparent pixels (alpha 0) mark
where to edit. Adapters translate it for providers with another convention (fal's FLUX Fill: black and white).
"""

from __future__ import annotations

import io
from pathlib import Path

from tui.core.images import ImageInfo, read_reference
from tui.core.validation import InputError

MAX_MASK_BYTES = 4 * 1024 * 1024  # OpenAI: "Must be a valid PNG file, less than 4MB"


def read_mask(path: Path, first_reference: ImageInfo | None) -> tuple[bytes, ImageInfo]:
    """The mask's bytes and header, or an InputError naming the file and what is wrong with it."""
    if first_reference is None:
        raise InputError("a mask edits a reference image: give one (--ref FILE) before --mask", file=path)
    data, info = read_reference(path)
    if info.format != "PNG":
        raise InputError(f"a mask must be a PNG with an alpha channel, not {info.format}", file=path)
    if len(data) > MAX_MASK_BYTES:
        raise InputError(f"{len(data) / 1e6:.1f} MB is over the 4 MB limit for a mask", file=path)
    if (info.width, info.height) != (first_reference.width, first_reference.height):
        raise InputError(
            f"the mask is {info.width}x{info.height} but the first reference is "
            f"{first_reference.width}x{first_reference.height}: they must be the same size",
            file=path,
        )
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        if not has_alpha:
            raise InputError(
                "the mask has no alpha channel: its fully transparent pixels mark where to edit", file=path
            )
        low, _high = image.convert("RGBA").getchannel("A").getextrema()
    if low != 0:
        raise InputError("the mask has no fully transparent pixel, so it marks nothing to edit", file=path)
    return data, info


def check_mask_support(label: str, has_mask: bool, mode: str, model: str, info: object) -> None:
    """A model that cannot take the case's mask (or an inpainting model without one) is refused up front."""
    takes = bool(getattr(info, "takes_mask", False))
    needs = bool(getattr(info, "needs_mask", False))
    if has_mask and not takes:
        raise InputError(f"{model} takes no edit mask ({label} has one); drop the model or the mask", key="--model")
    if needs and mode == "i2i" and not has_mask:
        raise InputError(
            f"{model} is an inpainting model and needs a mask ({label} has none): give --mask", key="--mask"
        )
