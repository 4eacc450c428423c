"""A user-declared OpenAI-compatible endpoint (``[endpoints.NAME]`` in config.toml).

It speaks the OpenAI Images shape: JSON generations, multipart edits. Beyond the OpenAI core
(model, prompt, size, quality) it sends only the fields the endpoint declares in ``extra_fields``:
a bare name (``aspect_ratio``, ``resolution``, ``seed``) is filled from the request, and
``name=value`` (``response_format=b64_json``) is sent as that constant.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from providers.base import (
    CallContext,
    GenerationRequest,
    GenerationResult,
    ModelInfo,
    ProviderError,
    ProviderSettings,
)
from providers.common import HttpAdapter, box_for_area, client_for, model_info, wanted
from providers.http import is_loopback_host, json_body
from providers.images_api import images_from_data, post_images
from providers.params import RESOLUTION_TIERS

FROM_REQUEST = ("aspect_ratio", "resolution", "seed")


def _constant(raw: str) -> Any:
    """``true``, ``3`` and ``"x"`` as JSON; anything else as the plain string."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


class CompatibleProvider(HttpAdapter):
    open_catalogue = False  # the models are the ones listed in config.toml

    def __init__(self, name: str, settings: ProviderSettings) -> None:
        super().__init__(settings)
        self.name = name
        self.default_base_url = settings.base_url or ""
        self._extras = {f.partition("=")[0].strip() for f in settings.extra_fields}
        self._constants = {
            k.strip(): _constant(v.strip()) for k, sep, v in (f.partition("=") for f in settings.extra_fields) if sep
        }

    def models(self) -> list[ModelInfo]:
        return [model_info(self.name, m, f"{m} ({self.name})") for m in self.settings.models]

    def available(self) -> tuple[bool, str]:
        if self.settings.api_key:
            return super().available()
        from urllib.parse import urlsplit

        # A local server (LocalAI and the like) usually wants no key at all.
        if is_loopback_host(urlsplit(self.base_url).hostname or ""):
            return True, "no key (local endpoint)"
        return super().available()

    def effective_params(self, model: str, params: Mapping[str, Any], n_refs: int) -> dict[str, Any]:
        want = wanted(params)
        out: dict[str, Any] = {"endpoint": "images/edits" if n_refs else "images/generations"}
        ignored = []
        tier = next((t for t, px in RESOLUTION_TIERS.items() if px == want.tier_px), None)
        native_aspect = "aspect_ratio" in self._extras and want.aspect is not None
        native_tier = "resolution" in self._extras and tier is not None
        if want.size:
            out["size"] = f"{want.size[0]}x{want.size[1]}"  # size wins, as gateways do
        elif native_aspect or native_tier:
            if native_aspect and want.aspect:
                out["aspect_ratio"] = f"{want.aspect[0]}:{want.aspect[1]}"
            if native_tier:
                out["resolution"] = tier
            if want.aspect and not native_aspect:
                ignored.append("aspect")
            if want.tier_px and not native_tier:
                ignored.append("resolution")
        elif want.ratio is not None or want.tier_px:
            # No native shape field: WxH carries shape and scale.
            w, h = box_for_area(want.ratio or 1.0, (want.tier_px or 1024) ** 2)
            out["size"] = f"{w}x{h}"
        if want.quality:
            out["quality"] = want.quality
        if want.seed is not None:
            if "seed" in self._extras:
                out["seed"] = want.seed
            else:
                ignored.append("seed")
        out.update(self._constants)
        if ignored:
            out["ignored"] = ignored
        return out

    async def generate(self, request: GenerationRequest, ctx: CallContext) -> GenerationResult:
        if self.settings.models and request.model not in self.settings.models:
            raise ProviderError("bad_request", f"{request.model!r} is not among {self.name}'s configured models")
        n_refs = len(request.references)
        self.check_mask(request.model, request.mask is not None)  # a gateway's mask support is not declared
        effective = self.effective_params(request.model, request.params, n_refs)
        fields = {k: v for k, v in effective.items() if k not in ("endpoint", "ignored")}
        headers = {"Authorization": f"Bearer {self.settings.api_key}"} if self.settings.api_key else {}
        url = f"{self.base_url}/{effective['endpoint']}"
        async with client_for(ctx) as client:
            response = await post_images(
                client, url, provider=self.name, headers=headers, model=request.model, prompt=request.prompt,
                fields=fields, references=request.references, on_first_byte=ctx.on_first_byte,
            )  # fmt: skip
            data = json_body(response, self.name)
            items = data.get("data")
            if not isinstance(items, list) or not items:
                raise ProviderError("bad_response", f"{self.name} answered without any image (empty `data`)")
            images, revised = await images_from_data(
                items, client=client, provider=self.name, label=self.name, trusted=(self.base_url,)
            )
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else None
        return GenerationResult(images=images, params_effective=effective, revised_prompt=revised, usage=usage)
