"""What the HTTP adapters share: key checks, the attempt's client, reading the request's wishes."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import math
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import httpx

from providers.base import CallContext, ModelInfo, ProviderError, ProviderSettings, ReferenceInput
from providers.params import RESOLUTION_TIERS, parse_aspect, parse_resolution, parse_size


@dataclass(frozen=True)
class Wanted:
    """The requested parameters, parsed leniently: compose validated them, and effective_params must not raise."""

    size: tuple[int, int] | None = None
    aspect: tuple[int, int] | None = None
    tier_px: int | None = None
    quality: str | None = None
    seed: int | None = None

    @property
    def ratio(self) -> float | None:
        if self.size:
            return self.size[0] / self.size[1]
        if self.aspect:
            return self.aspect[0] / self.aspect[1]
        return None

    @property
    def scale_px(self) -> int | None:
        """Side of the square with the same pixel count: what "1K"/"2K" mean when a size is given."""
        if self.size:
            return round(math.sqrt(self.size[0] * self.size[1]))
        return self.tier_px


def wanted(params: Mapping[str, Any]) -> Wanted:
    def attempt(parse: Any, key: str) -> Any:
        value = params.get(key)
        if value in (None, ""):
            return None
        try:
            return parse(str(value))
        except ValueError:
            return None

    seed = params.get("seed")
    quality = params.get("quality")
    return Wanted(
        size=attempt(parse_size, "size"),
        aspect=attempt(parse_aspect, "aspect"),
        tier_px=attempt(parse_resolution, "resolution"),
        quality=str(quality).strip().lower() if quality else None,
        seed=seed if isinstance(seed, int) else None,
    )


def nearest_tier(px: int, tiers: Iterable[str]) -> str:
    """The tier label ("1K", "2k" …) closest to ``px`` in log scale; labels keep their own casing."""
    return min(tiers, key=lambda t: abs(math.log(RESOLUTION_TIERS[t.upper()] / px)))


def box_for_area(ratio: float, pixels: float, multiple: int = 16) -> tuple[int, int]:
    """A WxH of about ``pixels`` pixels with the given ratio, each side a multiple of ``multiple``."""
    width = math.sqrt(pixels * ratio)
    height = width / ratio
    return (
        max(multiple, round(width / multiple) * multiple),
        max(multiple, round(height / multiple) * multiple),
    )


def model_info(
    provider: str,
    name: str,
    label: str,
    *,
    modes: tuple[str, ...] = ("t2i", "i2i"),
    max_refs: int = 16,
    note: str = "",
    takes_mask: bool = False,
    needs_mask: bool = False,
) -> ModelInfo:
    return ModelInfo(
        id=f"{provider}:{name}", provider=provider, name=name, label=label, modes=modes, max_refs=max_refs, note=note,
        takes_mask=takes_mask or needs_mask, needs_mask=needs_mask,
    )  # fmt: skip


UNLISTED_NOTE = "unknown to the catalog: conservative capabilities, no price"


def base_url_of(settings: ProviderSettings, default: str) -> str:
    """The configured base URL (config, or IMGBENCH_<NAME>_BASE_URL), else the provider's own; no trailing slash."""
    return (settings.base_url or default).rstrip("/")


def key_state(settings: ProviderSettings, name: str, *, needs_key: bool = True) -> tuple[bool, str]:
    """Whether ``name`` can be called, and why: where its key came from, or how to set one. An adapter and a judge
    of the same provider say the same thing."""
    if settings.api_key:
        return True, f"key from {settings.key_source or 'settings'}"
    if not needs_key:
        return True, "no key (local endpoint)"
    return False, settings.key_hint or f"imgbench keys set {name}"


class HttpAdapter:
    """Base of every real adapter: the key, the base URL, availability."""

    name = ""
    uses_http = True
    # Vendors ship image models monthly: a built-in provider runs any model name, the catalog only adds
    # what it knows (capabilities, prices). Declared endpoints list theirs in config.toml instead.
    open_catalogue = True
    default_base_url = ""
    # What a name outside the catalog may take: the least every model of this provider is documented to.
    unlisted_modes: tuple[str, ...] = ("t2i", "i2i")
    unlisted_max_refs = 1

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings

    @property
    def base_url(self) -> str:
        return base_url_of(self.settings, self.default_base_url)

    def available(self) -> tuple[bool, str]:
        return key_state(self.settings, self.name)

    def key(self) -> str:
        if not self.settings.api_key:
            raise ProviderError(
                "auth", f"no API key for {self.name}: {self.settings.key_hint or f'imgbench keys set {self.name}'}"
            )
        return self.settings.api_key

    def unlisted(self, model: str) -> ModelInfo:
        """What imgbench assumes of a model name its catalog does not list."""
        info = model_info(
            self.name, model, model, modes=self.unlisted_modes, max_refs=self.unlisted_max_refs, note=UNLISTED_NOTE
        )
        return replace(info, catalogued=False)

    def check_mask(self, model: str, has_mask: bool, *, takes: bool = False, needs: bool = False) -> None:
        """The runner refuses these before a run starts; an adapter called on its own refuses them too."""
        if has_mask and not takes:
            raise ProviderError("bad_request", f"{self.name}:{model} takes no edit mask")
        if needs and not has_mask:
            raise ProviderError("bad_request", f"{self.name}:{model} is an inpainting model and needs a mask")

    def check_refs(self, model: str, n_refs: int, max_refs: int, modes: tuple[str, ...] = ("t2i", "i2i")) -> None:
        if n_refs and "i2i" not in modes:
            raise ProviderError("bad_request", f"{self.name}:{model} takes no reference images (text-to-image only)")
        if not n_refs and "t2i" not in modes:
            raise ProviderError("bad_request", f"{self.name}:{model} needs at least one reference image")
        if n_refs > max_refs:
            raise ProviderError(
                "bad_request",
                f"{self.name}:{model} takes at most {max_refs} reference image(s); this case has {n_refs}",
            )


@contextlib.asynccontextmanager
async def client_for(ctx: CallContext) -> AsyncIterator[httpx.AsyncClient]:
    """The runner's shared client, or a private one when an adapter is called on its own."""
    if ctx.client is not None:
        yield ctx.client
        return
    from providers.http import make_client

    async with make_client() as client:
        yield client


async def read_refs(references: Iterable[ReferenceInput]) -> list[tuple[ReferenceInput, bytes]]:
    """Reference bytes, read off the event loop (they may be tens of MB)."""
    refs = list(references)
    blobs = await asyncio.gather(*(asyncio.to_thread(ref.read) for ref in refs))
    return list(zip(refs, blobs, strict=True))


def data_uri(ref: ReferenceInput, data: bytes) -> str:
    return f"data:{ref.mime or 'image/png'};base64,{base64.b64encode(data).decode('ascii')}"
