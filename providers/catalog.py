"""The built-in providers: how each is built, where its key and base URL come from.

Adding a wire format means one adapter module and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from providers.base import Provider, ProviderSettings


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    label: str
    factory: Callable[[ProviderSettings], Provider]
    needs_key: bool = True
    default_base_url: str | None = None
    # Environment variables that override the base URL, in the order tried.
    base_url_env: tuple[str, ...] = ()
    default_concurrency: int = 4


def _demo(settings: ProviderSettings) -> Provider:
    from providers.demo import DemoProvider

    return DemoProvider(settings)


def _openai(settings: ProviderSettings) -> Provider:
    from providers.openai import OpenAIProvider

    return OpenAIProvider(settings)


def _xai(settings: ProviderSettings) -> Provider:
    from providers.xai import XAIProvider

    return XAIProvider(settings)


def _gemini(settings: ProviderSettings) -> Provider:
    from providers.gemini import GeminiProvider

    return GeminiProvider(settings)


def _fal(settings: ProviderSettings) -> Provider:
    from providers.fal import FalProvider

    return FalProvider(settings)


def _openrouter(settings: ProviderSettings) -> Provider:
    from providers.openrouter import OpenRouterProvider

    return OpenRouterProvider(settings)


# Concurrency defaults stay modest: image endpoints are limited in images per minute (OpenAI tier 1: 5),
# and a 429 costs a retry. fal queues server-side, so more can be in flight there.
BUILTIN: dict[str, ProviderSpec] = {
    "demo": ProviderSpec("demo", "Demo (offline)", _demo, needs_key=False, default_concurrency=64),
    "openai": ProviderSpec(
        "openai",
        "OpenAI",
        _openai,
        default_base_url="https://api.openai.com/v1",
        base_url_env=("OPENAI_BASE_URL",),  # as the official SDK reads it
        default_concurrency=4,
    ),
    "xai": ProviderSpec("xai", "xAI", _xai, default_base_url="https://api.x.ai/v1", default_concurrency=4),
    "gemini": ProviderSpec(
        "gemini",
        "Google Gemini",
        _gemini,
        default_base_url="https://generativelanguage.googleapis.com/v1beta",
        default_concurrency=4,
    ),
    "fal": ProviderSpec("fal", "fal.ai", _fal, default_base_url="https://queue.fal.run", default_concurrency=8),
    "openrouter": ProviderSpec(
        "openrouter", "OpenRouter", _openrouter, default_base_url="https://openrouter.ai/api/v1", default_concurrency=4
    ),
}


def endpoint_factory(name: str) -> Callable[[ProviderSettings], Provider] | None:
    """The adapter for a user-declared OpenAI-compatible endpoint, when that adapter exists."""
    try:
        from providers.compatible import CompatibleProvider
    except ImportError:
        return None

    def build(settings: ProviderSettings) -> Provider:
        return CompatibleProvider(name, settings)

    return build
