"""What a request will cost before it is sent, from providers/prices.toml: its per-image price, or the tokens it
will use (the table's ``estimate`` counts) x the rates. None when any part is unknown: never guessed. A judge's
question (``estimate_judge_request``) is priced the same way from the text sent, the images (the table's
``judge_image_tokens`` each) and the answer (``judge_output_tokens_per_item``); a thinking judge's thinking tokens
cannot be known before it answers (``judge_thinks``): they are left out and said unknown.

The token counts are the figures the table quotes (e.g. gpt-image output tokens per 1024² image by quality,
scaled by pixel area; Gemini's tokens per image by size tier). Quality ``auto`` (or none asked) is estimated at
the highest quality the table has, the most it can cost. A prompt counts as a token per three characters.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from providers import pricing
from providers.judge_base import ANSWER_SCHEMA, INSTRUCTIONS, JudgeRequest, user_text
from providers.params import parse_size

CHARS_PER_TOKEN = 3  # rough and on the high side for English; text input is a small part of an image's bill
BASE_AREA = 1024 * 1024


def _output_tokens(table: Mapping[str, Any], effective: Mapping[str, Any]) -> float | None:
    """Image output tokens of one image: per quality at 1024² scaled by area, or per size tier."""
    per_quality = table.get("output_tokens_1024")
    if isinstance(per_quality, Mapping) and per_quality:
        quality = str(effective.get("quality", ""))
        tokens = per_quality.get(quality, max(per_quality.values()))
        try:
            w, h = parse_size(str(effective.get("size", "1024x1024")))
        except ValueError:
            w, h = 1024, 1024  # "auto": the model's default square
        return float(tokens) * w * h / BASE_AREA
    per_tier = table.get("output_tokens")
    if isinstance(per_tier, Mapping) and per_tier:
        tier = str(effective.get("imageSize", ""))
        value = per_tier.get(tier, per_tier.get(""))
        return None if value is None else float(value)
    return None


def estimate_request(
    provider: str, model: str, effective: Mapping[str, Any], n_refs: int, prompt: str, images: int = 1
) -> float | None:
    """USD for one request of ``images`` images, or None when the table cannot say."""
    price = pricing.lookup(provider, model)
    if price is None:
        return None
    table = price.estimate
    if price.per_image:
        if n_refs and table.get("edits_unpriced"):
            return None  # the input image is billed too, at a rate nobody published
        variant = f"{effective.get('quality', 'standard')}/{effective.get('size')}" if "" not in price.per_image else ""
        return pricing.cost_per_image(provider, model, images, variant) if images else 0.0
    out_tokens = _output_tokens(table, effective)
    if out_tokens is None:
        return None
    tokens: dict[str, int | None] = {
        "text_input": math.ceil(len(prompt) / CHARS_PER_TOKEN),
        "image_output": math.ceil(out_tokens * images),
    }
    if n_refs:
        per_ref = table.get("input_image_tokens")
        if not isinstance(per_ref, int | float):
            return None
        tokens["image_input"] = math.ceil(per_ref * n_refs)
    return pricing.cost_from_tokens(provider, model, tokens)


def judge_thinks(provider: str, model: str) -> bool:
    """A thinking judge (the table's ``judge_thinks``): it is billed for tokens of its own choosing before it
    answers, so ``estimate_judge_request`` prices the rest and the estimate says that part unknown."""
    price = pricing.lookup(provider, model)
    return price is not None and price.estimate.get("judge_thinks") is True


def estimate_judge_request(provider: str, model: str, request: JudgeRequest) -> float | None:
    """USD for one judge question, or None when the table has no rates or token counts for this judge. Images are
    billed as input tokens at the text input rate (as OpenAI's vision models bill them, and as ``cost`` reads
    their usage); ``judge_image_tokens`` is the most one image can use, so the figure errs high."""
    price = pricing.lookup(provider, model)
    if price is None:
        return None
    per_image, per_item = price.estimate.get("judge_image_tokens"), price.estimate.get("judge_output_tokens_per_item")
    if not isinstance(per_image, int | float) or not isinstance(per_item, int | float):
        return None
    chars = len(INSTRUCTIONS) + len(user_text(request)) + len(json.dumps(ANSWER_SCHEMA))
    images = 1 + len(request.references)
    tokens = {
        "text_input": math.ceil(chars / CHARS_PER_TOKEN) + math.ceil(per_image * images),
        "text_output": math.ceil(per_item * len(request.questions)),
    }
    return pricing.cost_from_tokens(provider, model, tokens)
