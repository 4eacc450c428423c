"""The providers' own model lists, cached with their date in the cache dir (``imgbench models --refresh``).

The cache only adds names to ``imgbench models`` and Compose; what a model can take and what it costs stay the
shipped catalog's, so a name the catalog does not know runs with conservative capabilities and no price.
A cache that cannot be read is ignored (it is only a cache): the next refresh writes it anew.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.core import paths
from tui.core.atomic import atomic_write
from tui.core.model import now_iso

CACHE_NAME = "model-lists.json"
MAX_CACHE_BYTES = 4 * 1024 * 1024


@dataclass
class ProviderList:
    fetched_at: str
    models: list[str] = field(default_factory=list)
    error: str | None = None


def cache_file() -> Path:
    return paths.cache_dir() / CACHE_NAME


def load() -> dict[str, ProviderList]:
    path = cache_file()
    try:
        if path.stat().st_size > MAX_CACHE_BYTES:
            return {}
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[str, ProviderList] = {}
    providers = data.get("providers") if isinstance(data, dict) else None
    for name, entry in (providers or {}).items() if isinstance(providers, dict) else ():
        if not isinstance(entry, dict) or not isinstance(entry.get("fetched_at"), str):
            continue
        raw = entry.get("models")
        models = [m for m in raw if isinstance(m, str)] if isinstance(raw, list) else []
        error = entry.get("error") if isinstance(entry.get("error"), str) else None
        out[str(name)] = ProviderList(entry["fetched_at"], models, error)
    return out


def save(lists: dict[str, ProviderList]) -> Path:
    path = cache_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"providers": {name: vars(entry) for name, entry in sorted(lists.items())}}
    atomic_write(path, (json.dumps(body, indent=1) + "\n").encode(), durable=False)  # a cache: rebuilt if lost
    return path


def refresh(registry: Any) -> dict[str, ProviderList]:
    """Ask every provider that has a model list and a key; keep the old answer of one that fails, with the error.
    Returns the entries of the providers asked this time (the cache keeps the others' older answers)."""
    from providers.http import make_client
    from providers.listing import LISTERS, list_models

    previous = load()
    wanted = [p for name, p in registry.providers.items() if name in LISTERS and p.available()[0]]

    async def ask_all() -> list[Any]:
        async with make_client() as client:
            return await asyncio.gather(*(list_models(client, p) for p in wanted), return_exceptions=True)

    answers = asyncio.run(ask_all()) if wanted else []
    lists = dict(previous)
    for provider, answer in zip(wanted, answers, strict=True):
        if isinstance(answer, BaseException):
            if not isinstance(answer, Exception):
                raise answer
            old = previous.get(provider.name)
            lists[provider.name] = ProviderList(now_iso(), old.models if old else [], str(answer)[:300])
        else:
            lists[provider.name] = ProviderList(now_iso(), answer)
    save(lists)
    return {p.name: lists[p.name] for p in wanted}
