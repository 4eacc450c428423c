"""Gemini native image generation: ``models/{model}:generateContent`` with inline image data."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from providers import pricing
from providers.base import CallContext, GenerationRequest, GenerationResult, ImageData, ModelInfo, ProviderError
from providers.common import HttpAdapter, client_for, model_info, nearest_tier, read_refs, wanted
from providers.http import image_from_b64, json_body, send
from providers.params import nearest_aspect

ASPECTS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
# Blocks that come back as HTTP 200: the finishReason (or promptFeedback.blockReason) says why.
POLICY_REASONS = {
    "SAFETY",
    "IMAGE_SAFETY",
    "PROHIBITED_CONTENT",
    "IMAGE_PROHIBITED_CONTENT",
    "BLOCKLIST",
    "SPII",
    "RECITATION",
    "IMAGE_RECITATION",
}


@dataclass(frozen=True)
class GeminiModel:
    label: str
    sizes: tuple[str, ...]  # imageSize values; empty: 1K only, the field is not sent
    max_refs: int
    note: str = ""


MODELS: dict[str, GeminiModel] = {
    "gemini-2.5-flash-image": GeminiModel("Gemini 2.5 Flash Image (Nano Banana)", (), 3, "1K only"),
    "gemini-3-pro-image-preview": GeminiModel("Gemini 3 Pro Image (Nano Banana Pro)", ("1K", "2K", "4K"), 14),
    "gemini-3.1-flash-image-preview": GeminiModel("Gemini 3.1 Flash Image (Nano Banana 2)", ("1K", "2K", "4K"), 14),
}


class GeminiProvider(HttpAdapter):
    name = "gemini"
    unlisted_max_refs = 3  # the least of the image models (2.5 Flash Image)
    default_base_url = "https://generativelanguage.googleapis.com/v1beta"

    def models(self) -> list[ModelInfo]:
        return [
            model_info(self.name, name, spec.label, max_refs=spec.max_refs, note=spec.note)
            for name, spec in MODELS.items()
        ]

    def _spec(self, model: str) -> GeminiModel:
        # Outside the catalog: no imageSize (2.5 Flash Image rejects it) and the fewest references.
        return MODELS.get(model) or GeminiModel(model, (), self.unlisted_max_refs)

    def effective_params(self, model: str, params: Mapping[str, Any], n_refs: int) -> dict[str, Any]:
        spec, want = self._spec(model), wanted(params)
        out: dict[str, Any] = {"responseModalities": ["TEXT", "IMAGE"]}
        ignored = []
        if want.ratio is not None:
            out["aspectRatio"] = nearest_aspect(want.ratio, ASPECTS)
        if want.scale_px:
            if spec.sizes:
                out["imageSize"] = nearest_tier(want.scale_px, spec.sizes)
            else:
                ignored.append("resolution (1K only)")
        if want.quality and want.quality != "auto":
            ignored.append("quality")
        if want.seed is not None:
            out["seed"] = want.seed
        if ignored:
            out["ignored"] = ignored
        return out

    async def generate(self, request: GenerationRequest, ctx: CallContext) -> GenerationResult:
        spec = self._spec(request.model)
        self.check_refs(request.model, len(request.references), spec.max_refs)
        self.check_mask(request.model, request.mask is not None)
        effective = self.effective_params(request.model, request.params, len(request.references))
        parts: list[dict[str, Any]] = [{"text": request.prompt}]
        for ref, data in await read_refs(request.references):
            # Bare base64: Gemini rejects a data: prefix here.
            parts.append(
                {"inline_data": {"mime_type": ref.mime or "image/png", "data": base64.b64encode(data).decode()}}
            )
        config: dict[str, Any] = {"responseModalities": effective["responseModalities"]}
        image_config = {k: effective[k] for k in ("aspectRatio", "imageSize") if k in effective}
        if image_config:
            config["imageConfig"] = image_config
        if "seed" in effective:
            config["seed"] = effective["seed"]
        body = {"contents": [{"role": "user", "parts": parts}], "generationConfig": config}
        async with client_for(ctx) as client:
            response = await send(
                client,
                "POST",
                f"{self.base_url}/models/{request.model}:generateContent",
                provider=self.name,
                headers={"x-goog-api-key": self.key()},  # a header, never ?key=: URLs end up in logs
                json=body,
                on_first_byte=ctx.on_first_byte,
            )
        data = json_body(response, self.name)
        image, _said = _extract(data)
        usage = data.get("usageMetadata") if isinstance(data.get("usageMetadata"), dict) else None
        if isinstance(data.get("modelVersion"), str):
            effective["modelVersion"] = data["modelVersion"]
        return GenerationResult(
            images=[image],
            params_effective=effective,
            usage=usage,
            cost_usd=_cost(self.name, request.model, usage),
        )


def _extract(data: dict[str, Any]) -> tuple[ImageData, str]:
    """The final image and the model's words, or the ProviderError the response amounts to."""
    block = (data.get("promptFeedback") or {}).get("blockReason")
    if block:
        message = (data.get("promptFeedback") or {}).get("blockReasonMessage") or ""
        raise ProviderError(
            "content_policy",
            f"Gemini blocked the prompt ({block}) {message}".strip(),
            http_status=200,
            provider_code=block,
        )
    candidates = data.get("candidates")
    if not isinstance(candidates, list) or not candidates or not isinstance(candidates[0], dict):
        raise ProviderError("bad_response", "Gemini answered without any candidate", http_status=200)
    candidate = candidates[0]
    reason = candidate.get("finishReason") or ""
    parts = (candidate.get("content") or {}).get("parts") or []
    images, texts = [], []
    for part in parts:
        if not isinstance(part, dict) or part.get("thought"):
            continue  # thinking drafts are not the answer
        inline = part.get("inlineData") or part.get("inline_data")
        if isinstance(inline, dict) and inline.get("data"):
            images.append(inline["data"])
        elif isinstance(part.get("text"), str):
            texts.append(part["text"].strip())
    said = " ".join(t for t in texts if t)
    if reason in POLICY_REASONS:
        detail = f": {said[:300]}" if said else ""
        raise ProviderError(
            "content_policy",
            f"Gemini stopped with finishReason {reason}{detail}",
            http_status=200,
            provider_code=reason,
        )
    if not images:
        why = f"finishReason {reason}" if reason else "no image part"
        raise ProviderError(
            "bad_response",
            f"Gemini answered without an image ({why})" + (f"; the model said: {said[:400]}" if said else ""),
            http_status=200,
            provider_code=reason or None,
        )
    # The last non-thought image is the final answer (earlier ones can be drafts on Gemini 3).
    return image_from_b64(images[-1]), said


def _tokens_by_modality(details: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in details or []:
        if isinstance(item, dict) and isinstance(item.get("tokenCount"), int):
            modality = str(item.get("modality", "TEXT")).upper()
            out[modality] = out.get(modality, 0) + item["tokenCount"]
    return out


def _cost(provider: str, model: str, usage: dict[str, Any] | None) -> float | None:
    if not usage:
        return None
    prompt = _tokens_by_modality(usage.get("promptTokensDetails"))
    output = _tokens_by_modality(usage.get("candidatesTokensDetails"))
    if not output and usage.get("candidatesTokenCount"):
        return None  # no split between text and image output: the rates differ
    if not prompt:
        prompt = {"TEXT": usage.get("promptTokenCount", 0)}
    tokens = {
        "text_input": prompt.get("TEXT", 0),
        "image_input": prompt.get("IMAGE", 0),
        "image_output": output.get("IMAGE", 0),
        # Thinking is billed as text output.
        "text_output": output.get("TEXT", 0) + (usage.get("thoughtsTokenCount") or 0),
    }
    return pricing.cost_from_tokens(provider, model, tokens)
