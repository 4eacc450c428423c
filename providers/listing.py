"""Asking a provider which image models it serves now (``imgbench models --refresh``).

OpenAI ``GET /models``, OpenRouter ``GET /models?output_modalities=image``, Gemini ``models.list`` (paged) and xAI
``GET /image-generation-models``. The answers only add names: capabilities and prices stay the shipped catalog's.
Every name is checked before it is kept (a provider's answer is outside input, and names end up on screen).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx

from providers.base import ProviderError
from providers.common import HttpAdapter
from providers.http import json_body, send

MAX_NAMES = 2000
MAX_PAGES = 20
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}$")
# OpenAI's list holds every model (chat, audio, embeddings): the image ones are named so.
_OPENAI_IMAGE = re.compile(r"^(gpt-image|chatgpt-image|dall-e)")


def _checked(names: list[Any]) -> list[str]:
    return sorted({n for n in names if isinstance(n, str) and _NAME.match(n)})[:MAX_NAMES]


def _items(data: dict[str, Any], key: str, provider: str) -> list[Any]:
    items = data.get(key)
    if not isinstance(items, list):
        raise ProviderError("bad_response", f"{provider}'s model list has no `{key}` list", http_status=200)
    return [item for item in items if isinstance(item, dict)]


async def _get(client: httpx.AsyncClient, adapter: HttpAdapter, path: str, headers: dict[str, str],
               params: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    response = await send(client, "GET", f"{adapter.base_url}/{path}", provider=adapter.name, headers=headers,
                          params=params)  # fmt: skip
    return json_body(response, adapter.name)


async def _openai(client: httpx.AsyncClient, adapter: HttpAdapter) -> list[str]:
    data = await _get(client, adapter, "models", {"Authorization": f"Bearer {adapter.key()}"})
    return _checked([i.get("id") for i in _items(data, "data", "OpenAI") if _OPENAI_IMAGE.match(str(i.get("id")))])


async def _openrouter(client: httpx.AsyncClient, adapter: HttpAdapter) -> list[str]:
    headers = {"Authorization": f"Bearer {adapter.key()}"}
    data = await _get(client, adapter, "models", headers, {"output_modalities": "image"})
    # Filtered again here: a server that ignores the query parameter answers with every model.
    return _checked(
        [
            item.get("id")
            for item in _items(data, "data", "OpenRouter")
            if "image" in ((item.get("architecture") or {}).get("output_modalities") or [])
        ]
    )


async def _gemini(client: httpx.AsyncClient, adapter: HttpAdapter) -> list[str]:
    headers = {"x-goog-api-key": adapter.key()}
    names: list[Any] = []
    token = ""
    for _page in range(MAX_PAGES):
        params = {"pageSize": "1000", **({"pageToken": token} if token else {})}
        data = await _get(client, adapter, "models", headers, params)
        for item in _items(data, "models", "Gemini"):
            name = str(item.get("name") or "").removeprefix("models/")
            methods = item.get("supportedGenerationMethods") or []
            if "image" in name and "generateContent" in methods:
                names.append(name)
        token = data.get("nextPageToken") if isinstance(data.get("nextPageToken"), str) else ""
        if not token:
            break
    return _checked(names)


async def _xai(client: httpx.AsyncClient, adapter: HttpAdapter) -> list[str]:
    data = await _get(client, adapter, "image-generation-models", {"Authorization": f"Bearer {adapter.key()}"})
    return _checked([item.get("id") for item in _items(data, "models", "xAI")])


LISTERS: dict[str, Callable[[httpx.AsyncClient, HttpAdapter], Any]] = {
    "openai": _openai,
    "openrouter": _openrouter,
    "gemini": _gemini,
    "xai": _xai,
}


async def list_models(client: httpx.AsyncClient, adapter: HttpAdapter) -> list[str]:
    """The image model names ``adapter``'s provider serves now; a ProviderError when it cannot say."""
    lister = LISTERS.get(adapter.name)
    if lister is None:
        raise ProviderError("bad_request", f"{adapter.name} has no model list to ask")
    return await lister(client, adapter)
