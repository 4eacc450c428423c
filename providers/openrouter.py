"""OpenRouter: image output through chat completions with ``modalities``; any model path is accepted."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from providers.base import CallContext, GenerationRequest, GenerationResult, ModelInfo, ProviderError
from providers.common import HttpAdapter, client_for, data_uri, model_info, nearest_tier, read_refs, wanted
from providers.http import (
    classify,
    download_image,
    error_details,
    image_from_b64,
    json_body,
    redact,
    request_secrets,
    send,
)
from providers.params import nearest_aspect

ASPECTS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
IMAGE_SIZES = ("1K", "2K", "4K")
# Models that only output images must not be asked for text too (OpenRouter docs: Flux, Sourceful).
IMAGE_ONLY_PREFIXES = ("black-forest-labs/", "sourceful/")
POLICY_REASONS = {"CONTENT_FILTER", "IMAGE_SAFETY", "SAFETY", "PROHIBITED_CONTENT", "IMAGE_PROHIBITED_CONTENT"}
MODELS: dict[str, str] = {
    "google/gemini-2.5-flash-image": "Gemini 2.5 Flash Image (via OpenRouter)",
    "google/gemini-3-pro-image-preview": "Gemini 3 Pro Image (via OpenRouter)",
}


def _image_size_supported(model: str) -> bool:
    # "image_size … currently only supported by Gemini models"; 2.5 Flash Image is 1K only.
    return model.startswith("google/gemini") and "2.5" not in model


class OpenRouterProvider(HttpAdapter):
    name = "openrouter"
    unlisted_max_refs = 16  # OpenRouter passes the images on; the upstream's own limit answers as a 400
    default_base_url = "https://openrouter.ai/api/v1"

    def models(self) -> list[ModelInfo]:
        return [model_info(self.name, name, label) for name, label in MODELS.items()]

    def effective_params(self, model: str, params: Mapping[str, Any], n_refs: int) -> dict[str, Any]:
        want = wanted(params)
        image_only = model.startswith(IMAGE_ONLY_PREFIXES)
        out: dict[str, Any] = {"modalities": ["image"] if image_only else ["image", "text"]}
        ignored = []
        image_config: dict[str, str] = {}
        if want.ratio is not None:
            image_config["aspect_ratio"] = nearest_aspect(want.ratio, ASPECTS)
        if want.scale_px:
            if _image_size_supported(model):
                image_config["image_size"] = nearest_tier(want.scale_px, IMAGE_SIZES)
            else:
                ignored.append("resolution")
        if image_config:
            out["image_config"] = image_config
        if want.seed is not None:
            out["seed"] = want.seed
        if want.quality and want.quality != "auto":
            ignored.append("quality")
        if ignored:
            out["ignored"] = ignored
        return out

    async def generate(self, request: GenerationRequest, ctx: CallContext) -> GenerationResult:
        self.check_mask(request.model, request.mask is not None)
        effective = self.effective_params(request.model, request.params, len(request.references))
        content: list[dict[str, Any]] = [{"type": "text", "text": request.prompt}]
        for ref, data in await read_refs(request.references):
            content.append({"type": "image_url", "image_url": {"url": data_uri(ref, data)}})
        body: dict[str, Any] = {
            "model": request.model,
            "messages": [{"role": "user", "content": content}],
            **{k: v for k, v in effective.items() if k != "ignored"},
        }  # no `usage: {include: true}`: deprecated, every answer carries usage.cost now (its own SDK omits it)
        # App attribution under the name OpenRouter's own SDK sends it (the older X-Title is what we guessed before).
        headers = {"Authorization": f"Bearer {self.key()}", "X-OpenRouter-Title": "imgbench"}
        async with client_for(ctx) as client:
            response = await send(
                client,
                "POST",
                f"{self.base_url}/chat/completions",
                provider=self.name,
                headers=headers,
                json=body,
                on_first_byte=ctx.on_first_byte,
            )
            data = json_body(response, self.name)
            if isinstance(data.get("error"), dict):  # an upstream failure can arrive with HTTP 200
                raise _upstream_error(data, response, self.name)
            choices = data.get("choices")
            if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
                raise ProviderError("bad_response", "OpenRouter answered without choices", http_status=200)
            choice = choices[0]
            if isinstance(choice.get("error"), dict):  # finish_reason "error": the upstream's own failure
                raise _upstream_error(choice, response, self.name)
            message = choice.get("message") or {}
            said = message.get("content") if isinstance(message.get("content"), str) else ""
            finish = str(choice.get("finish_reason") or "")
            native = str(choice.get("native_finish_reason") or "")
            reason = native or finish
            urls = []
            for item in message.get("images") or []:
                holder = (item.get("image_url") or item.get("imageUrl")) if isinstance(item, dict) else None
                if isinstance(holder, dict) and isinstance(holder.get("url"), str):
                    urls.append(holder["url"])
            if not urls:
                # OpenRouter's own normalised reason decides; the native one only adds detail (it varies by upstream).
                if finish == "content_filter" or native.upper() in POLICY_REASONS:
                    raise ProviderError(
                        "content_policy",
                        f"OpenRouter: blocked ({reason}) {said[:300]}".strip(),
                        http_status=200,
                        provider_code=reason or None,
                    )
                if finish == "error":
                    raise ProviderError(
                        "server",
                        f"OpenRouter: the upstream model failed ({reason}) {said[:300]}".strip(),
                        http_status=200,
                        provider_code=reason or None,
                    )
                raise ProviderError(
                    "bad_response",
                    "OpenRouter answered without an image" + (f"; the model said: {said[:400]}" if said else ""),
                    http_status=200,
                    provider_code=reason or None,
                )
            images = [
                image_from_b64(url)
                if url.startswith("data:")
                else await download_image(client, url, provider=self.name, trusted=(self.settings.base_url,))
                for url in urls
            ]
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else None
        cost = (usage or {}).get("cost")
        return GenerationResult(
            images=images,
            params_effective=effective,
            usage=usage,
            cost_usd=float(cost) if isinstance(cost, int | float) and not isinstance(cost, bool) else None,
        )


def _upstream_error(holder: dict[str, Any], response: httpx.Response, provider: str) -> ProviderError:
    """The error object of an HTTP 200 answer (top level, or on the choice when finish_reason is "error"),
    classified by the status it carries (``error.code``, 502 when it has none): an upstream 502 is retried."""
    message, code, _ = error_details(json.dumps({"error": holder["error"]}).encode())
    message = redact(message, request_secrets(response.request))
    status = holder["error"].get("code")
    status = status if isinstance(status, int) and not isinstance(status, bool) and 400 <= status <= 599 else 502
    return classify(status, message, code, provider=provider)
