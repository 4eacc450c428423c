"""The cells of a report table: a table of strings, and how a rate, a share, a time and a cost are written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def rate_cell(rate: dict[str, Any], *, counts: bool = True) -> str:
    """The rate, its 95 % interval and the units behind it: "62% [48–74] 5/8" (partial and rater splits make
    fractions: 5.5/8)."""
    if not rate.get("scored") or rate.get("rate") is None:
        return "–"
    low, high = rate["low"] * 100, rate["high"] * 100
    text = f"{pct(rate['rate'])} [{low:.0f}–{high:.0f}]"
    units = rate.get("units") or rate["scored"]
    return f"{text} {_num(round(rate['rate'] * units, 2))}/{units}" if counts else text


def _num(x: float) -> str:
    return f"{x:g}"


def ms(value: float | None) -> str:
    return "–" if value is None else (f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.0f} ms")


def usd(value: float | None) -> str:
    if value is None:
        return "–"
    return f"${value:.2f}" if value >= 1 or value == 0 else f"${value:.4f}"


def _kappa(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"
