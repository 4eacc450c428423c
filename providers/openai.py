"""OpenAI Images: JSON generations, multipart edits (``image`` for one reference, ``image[]`` for several)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from providers import pricing
from providers.base import CallContext, GenerationRequest, GenerationResult, ModelInfo, ProviderError
from providers.common import HttpAdapter, Wanted, box_for_area, client_for, model_info, wanted
from providers.http import json_body
from providers.images_api import images_from_data, post_images
from providers.params import nearest_aspect

GPT1_SIZES = {"1:1": "1024x1024", "3:2": "1536x1024", "2:3": "1024x1536"}
DALLE3_SIZES = {"1:1": "1024x1024", "7:4": "1792x1024", "4:7": "1024x1792"}
GPT2_MAX_EDGE = 3840
GPT2_MAX_PIXELS = 3840 * 2160
QUALITIES = ("low", "medium", "high", "auto")
# dall-e words mapped onto the GPT image scale, so one --quality works for every model.
QUALITY_ALIASES = {"standard": "medium", "hd": "high"}


@dataclass(frozen=True)
class OpenAIModel:
    label: str
    family: str  # "gpt2" arbitrary sizes, "gpt1" three sizes, "dalle3"
    edits: bool = True
    input_fidelity: bool = False
    note: str = ""


MODELS: dict[str, OpenAIModel] = {
    # gpt-image-2 takes no input_fidelity (the SDK: "For `gpt-image-2`, omit this parameter"; the API answers 400).
    "gpt-image-2": OpenAIModel("GPT Image 2", "gpt2", note="any WxH divisible by 16"),
    "gpt-image-1.5": OpenAIModel("GPT Image 1.5", "gpt1", input_fidelity=True),
    "gpt-image-1-mini": OpenAIModel("GPT Image 1 mini", "gpt1", note="deprecated by OpenAI"),
    "dall-e-3": OpenAIModel(
        "DALL·E 3", "dalle3", edits=False, note="retired by OpenAI on 2026-05-12 (the SDK says so); text-to-image only"
    ),
}


def _snap16(value: float) -> int:
    """Down to a multiple of 16 (callers add 8 first to round to the nearest)."""
    return max(16, int(value // 16) * 16)


def gpt2_size(want: Wanted) -> str | None:
    """A size gpt-image-2 accepts: sides divisible by 16, ratio within 1:3..3:1, ≤3840 edge, ≤3840x2160 pixels."""
    if want.size:
        w, h = want.size
    elif want.ratio is not None or want.tier_px is not None:
        tier = want.tier_px or 1024
        w, h = box_for_area(want.ratio or 1.0, tier * tier)
    else:
        return None  # nothing asked: the model's own "auto"
    ratio = min(3.0, max(1 / 3, w / h))
    if ratio != w / h:  # keep the area, fix the shape
        area = w * h
        w, h = math.sqrt(area * ratio), math.sqrt(area / ratio)
    scale = min(1.0, GPT2_MAX_EDGE / max(w, h), math.sqrt(GPT2_MAX_PIXELS / (w * h)))
    w, h = _snap16(w * scale + 8), _snap16(h * scale + 8)  # nearest multiple of 16 …
    # … unless rounding up broke a limit.
    while w * h > GPT2_MAX_PIXELS or max(w, h) > GPT2_MAX_EDGE or max(w, h) > 3 * min(w, h):
        w, h = (w - 16, h) if w >= h else (w, h - 16)
    return f"{w}x{h}"


class OpenAIProvider(HttpAdapter):
    name = "openai"
    # The SDK: every GPT image model takes up to 16 images for an edit, in the three standard sizes.
    unlisted_max_refs = 16
    default_base_url = "https://api.openai.com/v1"

    def models(self) -> list[ModelInfo]:
        return [
            model_info(
                self.name,
                name,
                spec.label,
                modes=("t2i", "i2i") if spec.edits else ("t2i",),
                max_refs=16 if spec.edits else 0,
                note=spec.note,
                takes_mask=spec.edits,  # every GPT image edit takes a `mask` for the first image
            )
            for name, spec in MODELS.items()
        ]

    def _spec(self, model: str) -> OpenAIModel:
        return MODELS.get(model) or OpenAIModel(model, "gpt1")

    def effective_params(self, model: str, params: Mapping[str, Any], n_refs: int) -> dict[str, Any]:
        spec, want = self._spec(model), wanted(params)
        out: dict[str, Any] = {"endpoint": "images/edits" if n_refs else "images/generations"}
        ignored = []
        if spec.family == "gpt2":
            if size := gpt2_size(want):
                out["size"] = size
        elif spec.family == "dalle3":
            out["size"] = DALLE3_SIZES[nearest_aspect(want.ratio or 1.0, DALLE3_SIZES)]
        elif want.ratio is not None:
            out["size"] = GPT1_SIZES[nearest_aspect(want.ratio, GPT1_SIZES)]
        if want.tier_px and spec.family != "gpt2":
            ignored.append("resolution")
        if want.quality:
            quality = QUALITY_ALIASES.get(want.quality, want.quality)
            if spec.family == "dalle3":
                out["quality"] = "hd" if quality == "high" else "standard"
            elif quality in QUALITIES:
                out["quality"] = quality
            else:
                ignored.append("quality")
        if spec.family == "dalle3":
            out["response_format"] = "b64_json"  # the URL variant expires in 60 minutes
        if n_refs and spec.input_fidelity:
            out["input_fidelity"] = "high"  # identity and detail preservation is what i2i presets test
        if want.seed is not None:
            ignored.append("seed")  # the Images API has no seed
        if ignored:
            out["ignored"] = ignored
        return out

    async def generate(self, request: GenerationRequest, ctx: CallContext) -> GenerationResult:
        spec = self._spec(request.model)
        n_refs = len(request.references)
        self.check_refs(request.model, n_refs, 16 if spec.edits else 0, ("t2i", "i2i") if spec.edits else ("t2i",))
        self.check_mask(request.model, request.mask is not None, takes=spec.edits and request.model in MODELS)
        effective = self.effective_params(request.model, request.params, n_refs)
        fields = {k: v for k, v in effective.items() if k not in ("endpoint", "ignored")}
        headers = {"Authorization": f"Bearer {self.key()}"}
        url = f"{self.base_url}/{effective['endpoint']}"
        async with client_for(ctx) as client:
            response = await post_images(
                client, url, provider=self.name, headers=headers, model=request.model, prompt=request.prompt,
                fields=fields, references=request.references, mask=request.mask, on_first_byte=ctx.on_first_byte,
            )  # fmt: skip
            data = json_body(response, self.name)
            items = data.get("data")
            if not isinstance(items, list) or not items:
                raise ProviderError("bad_response", "OpenAI answered without any image (empty `data`)", http_status=200)
            images, revised = await images_from_data(
                items, client=client, provider=self.name, label="OpenAI", trusted=(self.settings.base_url,)
            )
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else None
        for key in ("size", "quality", "background", "output_format"):
            if isinstance(data.get(key), str):
                effective[f"returned_{key}"] = data[key]
        return GenerationResult(
            images=images,
            params_effective=effective,
            revised_prompt=revised,
            usage=usage,
            cost_usd=self._cost(request.model, usage, effective, len(images)),
        )

    def _cost(self, model: str, usage: dict[str, Any] | None, effective: dict[str, Any], n: int) -> float | None:
        if self._spec(model).family == "dalle3":
            return pricing.cost_per_image(
                self.name, model, n, f"{effective.get('quality', 'standard')}/{effective.get('size')}"
            )
        if not usage:
            return None
        inp = usage.get("input_tokens_details") or {}
        out = usage.get("output_tokens_details") or {}
        tokens = {
            "text_input": inp.get("text_tokens", 0),
            "image_input": inp.get("image_tokens", 0),
        }
        if out:
            tokens["image_output"] = out.get("image_tokens", 0)
            tokens["text_output"] = out.get("text_tokens", 0)
        else:  # older responses: every output token is an image token
            tokens["image_output"] = usage.get("output_tokens", 0)
        if not inp and usage.get("input_tokens"):
            return None  # no split between text and image input: the rates differ, so no honest figure
        return pricing.cost_from_tokens(self.name, model, tokens)
