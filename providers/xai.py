"""xAI Grok Imagine: JSON generations and JSON edits (``image`` for one reference, ``images`` for 2–3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from providers import pricing
from providers.base import CallContext, GenerationRequest, GenerationResult, ModelInfo, ProviderError
from providers.common import HttpAdapter, client_for, data_uri, model_info, nearest_tier, read_refs, wanted
from providers.http import json_body, send
from providers.images_api import images_from_data
from providers.params import nearest_aspect

ASPECTS = ("1:1", "3:4", "4:3", "9:16", "16:9", "2:3", "3:2", "9:19.5", "19.5:9", "9:20", "20:9", "1:2", "2:1")
# nearest_aspect needs whole numbers: the half-step ratios are scaled by two and mapped back.
_ASPECT_KEYS = {"18:39" if a == "9:19.5" else "39:18" if a == "19.5:9" else a: a for a in ASPECTS}
RESOLUTIONS = ("1k", "2k")
MAX_REFS = 3
MODELS: dict[str, tuple[str, str]] = {
    "grok-imagine-image": ("Grok Imagine Image", ""),
    "grok-imagine-image-2.0": ("Grok Imagine Image 2.0", "quality low|medium"),
    "grok-imagine-image-quality": ("Grok Imagine Image (quality)", ""),
}
# xai-sdk's ImageQuality is Literal["low", "medium"], "only supported for grok-imagine-image-2.0".
QUALITY_MODELS = {"grok-imagine-image-2.0"}
QUALITIES = ("low", "medium")


def _moderation(item: dict[str, Any]) -> None:
    if item.get("respect_moderation") is False:
        raise ProviderError(
            "content_policy",
            "xAI moderation replaced the image with a placeholder (respect_moderation: false)",
            http_status=200,
        )


class XAIProvider(HttpAdapter):
    name = "xai"
    unlisted_max_refs = MAX_REFS
    default_base_url = "https://api.x.ai/v1"

    def models(self) -> list[ModelInfo]:
        return [
            model_info(self.name, name, label, max_refs=MAX_REFS, note=note) for name, (label, note) in MODELS.items()
        ]

    def effective_params(self, model: str, params: Mapping[str, Any], n_refs: int) -> dict[str, Any]:
        want = wanted(params)
        out: dict[str, Any] = {"endpoint": "images/edits" if n_refs else "images/generations"}
        ignored = []
        # With references and no shape asked, xAI follows the first image: leave aspect_ratio out.
        if want.ratio is not None:
            out["aspect_ratio"] = _ASPECT_KEYS[nearest_aspect(want.ratio, _ASPECT_KEYS)]
        if want.scale_px:
            out["resolution"] = nearest_tier(want.scale_px, RESOLUTIONS)
        if want.quality and want.quality != "auto":
            if model in QUALITY_MODELS and want.quality in (*QUALITIES, "high"):
                out["quality"] = "medium" if want.quality == "high" else want.quality  # the best it has
            else:
                ignored.append("quality")
        if want.size:
            ignored.append("size (sent as aspect_ratio + resolution)")
        if want.seed is not None:
            ignored.append("seed")
        if ignored:
            out["ignored"] = ignored
        return out

    async def generate(self, request: GenerationRequest, ctx: CallContext) -> GenerationResult:
        n_refs = len(request.references)
        self.check_refs(request.model, n_refs, MAX_REFS)
        self.check_mask(request.model, request.mask is not None)
        effective = self.effective_params(request.model, request.params, n_refs)
        body: dict[str, Any] = {"model": request.model, "prompt": request.prompt}
        body.update({k: v for k, v in effective.items() if k not in ("endpoint", "ignored")})
        if n_refs:
            parts = [
                {"url": data_uri(ref, data), "type": "image_url"} for ref, data in await read_refs(request.references)
            ]
            if n_refs == 1:
                body["image"] = parts[0]
            else:
                body["images"] = parts  # may not be combined with `image`
        async with client_for(ctx) as client:
            response = await send(
                client,
                "POST",
                f"{self.base_url}/{effective['endpoint']}",
                provider=self.name,
                headers={"Authorization": f"Bearer {self.key()}"},
                json=body,
                on_first_byte=ctx.on_first_byte,
            )
            data = json_body(response, self.name)
            items = data.get("data")
            if not isinstance(items, list):
                raise ProviderError("bad_response", "xAI answered without a `data` list", http_status=200)
            if not items:
                # The whole request was blocked: xAI says so with HTTP 200 and no images.
                raise ProviderError("content_policy", "xAI returned no image (blocked by moderation)", http_status=200)
            images, revised = await images_from_data(
                items,
                client=client,
                provider=self.name,
                label="xAI",
                trusted=(self.settings.base_url,),
                check=_moderation,
            )
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else None
        cost = pricing.cost_from_ticks((usage or {}).get("cost_in_usd_ticks"))
        if cost is None and not n_refs:
            cost = pricing.cost_per_image(self.name, request.model, len(images))
        return GenerationResult(
            images=images, params_effective=effective, revised_prompt=revised, usage=usage, cost_usd=cost
        )
