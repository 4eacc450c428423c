"""The colours and styles a half-block preview is built from are Rich's own: every pixel's Color equals the one
Rich parses from its hex name (name, type, number, triplet, and the NamedTuple types), whatever the image; and
drawing leaves the garbage collector as it found it."""

from __future__ import annotations

import gc

from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from rich.color import Color
from rich.color_triplet import ColorTriplet

from tui.imaging import halfblock


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(*(st.integers(0, 255),) * 3), min_size=1, max_size=40), st.integers(1, 9))
def test_every_pixel_colour_is_the_colour_rich_parses(rgbs: list[tuple[int, int, int]], width: int) -> None:
    halfblock.cache_clear(styles=True)
    height = -(-len(rgbs) // width)
    img = Image.new("RGB", (width, height))
    img.putdata(rgbs + [rgbs[0]] * (width * height - len(rgbs)))
    lines = halfblock.render_image(img, width, -(-height // 2), fit=False, pad=False)
    values = dict(zip(halfblock._rgbx_ints(img), img.get_flattened_data(), strict=True))  # 0xRRGGBBXX -> (r, g, b)
    assert len(values) == len(set(rgbs))
    for value, (r, g, b) in values.items():
        made = halfblock._colors[value]
        parsed = Color.parse(f"#{r:02x}{g:02x}{b:02x}")
        assert made == parsed and type(made) is Color and type(made.triplet) is ColorTriplet
        assert made.name == parsed.name and made.triplet == (r, g, b)
    drawn = {(seg.style.color.triplet, seg.style.bgcolor) for line in lines for seg in line}
    assert {top for top, _ in drawn} <= {ColorTriplet(*rgb) for rgb in rgbs}


def test_drawing_leaves_the_collector_as_it_was() -> None:
    img = Image.new("RGB", (8, 8), (10, 20, 30))
    assert gc.isenabled()
    halfblock.render_image(img, 8, 4)
    assert gc.isenabled()
    gc.disable()
    try:
        halfblock.render_image(img, 8, 4)
        assert not gc.isenabled()
    finally:
        gc.enable()
