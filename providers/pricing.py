"""Cost from usage: tokens x per-model rates, or a per-image price. Unknown stays None, never guessed."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

PRICES_FILE = Path(__file__).with_name("prices.toml")
TOKEN_COMPONENTS = ("text_input", "image_input", "text_output", "image_output")


@dataclass(frozen=True)
class Price:
    provider: str
    model: str
    source: str
    as_of: str
    per_mtok: Mapping[str, float] = field(default_factory=dict)
    # "" for a flat per-image price, else variant -> price (e.g. "standard/1024x1024").
    per_image: Mapping[str, float] = field(default_factory=dict)
    # What a request will use, for the estimate before it is sent (providers/estimate.py); never for a bill.
    estimate: Mapping[str, object] = field(default_factory=dict)


@cache
def price_table(path: Path = PRICES_FILE) -> dict[tuple[str, str], Price]:
    """Read once per process, on first use (nothing happens at import time)."""
    data = tomllib.loads(path.read_text("utf-8"))
    table: dict[tuple[str, str], Price] = {}
    for provider, models in data.items():
        for model, entry in models.items():
            per_image = entry.get("per_image")
            table[(provider, model)] = Price(
                provider=provider,
                model=model,
                source=str(entry.get("source", "")),
                as_of=str(entry.get("as_of", "")),
                per_mtok={k: float(entry[k]) for k in TOKEN_COMPONENTS if k in entry},
                per_image=(
                    {"": float(per_image)}
                    if isinstance(per_image, int | float)
                    else {str(k): float(v) for k, v in (per_image or {}).items()}
                ),
                estimate=dict(entry.get("estimate", {})),
            )
    return table


def lookup(provider: str, model: str) -> Price | None:
    return price_table().get((provider, model))


def cost_from_tokens(provider: str, model: str, tokens: Mapping[str, int | None]) -> float | None:
    """Sum of tokens x rate; None when the model is unpriced or any used component has no rate."""
    price = lookup(provider, model)
    if price is None or not price.per_mtok:
        return None
    total = 0.0
    used = False
    for component, count in tokens.items():
        if not count:
            continue
        rate = price.per_mtok.get(component)
        if rate is None:
            return None  # part of the bill is unknown: a partial sum would read as the whole cost
        total += count * rate / 1_000_000
        used = True
    return round(total, 8) if used else None


def cost_per_image(provider: str, model: str, images: int, variant: str = "") -> float | None:
    price = lookup(provider, model)
    if price is None or images <= 0:
        return None
    each = price.per_image.get(variant, price.per_image.get("") if variant else None)
    return None if each is None else round(each * images, 8)


def cost_from_ticks(ticks: object) -> float | None:
    """xAI ``usage.cost_in_usd_ticks``: 1e-10 USD per tick (as the Vercel AI SDK reads it)."""
    if isinstance(ticks, int | float) and not isinstance(ticks, bool) and ticks >= 0:
        return round(ticks / 1e10, 8)
    return None
