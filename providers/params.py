"""Parsing and nearest-value mapping of the requested size, aspect ratio and resolution tier."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

RESOLUTION_TIERS: dict[str, int] = {"0.5K": 512, "1K": 1024, "2K": 2048, "4K": 4096}


def parse_size(value: str) -> tuple[int, int]:
    w, sep, h = value.lower().partition("x")
    if not sep or not w.isdigit() or not h.isdigit() or int(w) <= 0 or int(h) <= 0:
        raise ValueError(f"size {value!r} is not WxH with positive whole numbers (e.g. 1024x1024)")
    return int(w), int(h)


def parse_aspect(value: str) -> tuple[int, int]:
    w, sep, h = value.partition(":")
    if not sep or not w.strip().isdigit() or not h.strip().isdigit() or int(w) <= 0 or int(h) <= 0:
        raise ValueError(f"aspect ratio {value!r} is not W:H with positive whole numbers (e.g. 16:9)")
    return int(w), int(h)


def parse_resolution(value: str) -> int:
    key = value.strip().upper()
    if key not in RESOLUTION_TIERS:
        raise ValueError(f"resolution {value!r} is not one of {', '.join(RESOLUTION_TIERS)}")
    return RESOLUTION_TIERS[key]


def requested_ratio(params: Mapping[str, Any]) -> float | None:
    """The shape asked for: size wins over aspect (as gateways do), None when neither is given."""
    if params.get("size"):
        w, h = parse_size(str(params["size"]))
        return w / h
    if params.get("aspect"):
        w, h = parse_aspect(str(params["aspect"]))
        return w / h
    return None


def nearest_aspect(ratio: float, supported: Iterable[str]) -> str:
    """The supported "W:H" closest to ``ratio`` in log space (so 2:1 and 1:2 are equally far from 1:1)."""

    def distance(candidate: str) -> float:
        w, h = parse_aspect(candidate)
        return abs(math.log(w / h) - math.log(ratio))

    return min(supported, key=distance)


def nearest_tier(pixels_long_side: int, tiers: Iterable[str]) -> str:
    return min(tiers, key=lambda t: abs(RESOLUTION_TIERS[t.upper()] - pixels_long_side))


def fit_box(ratio: float, long_side: int, multiple: int = 1) -> tuple[int, int]:
    """A WxH with the given ratio whose longer side is ``long_side``, rounded to ``multiple``."""
    if ratio >= 1:
        w, h = long_side, long_side / ratio
    else:
        w, h = long_side * ratio, long_side
    return (
        max(multiple, round(w / multiple) * multiple),
        max(multiple, round(h / multiple) * multiple),
    )
