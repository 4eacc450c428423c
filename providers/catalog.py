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


BUILTIN: dict[str, ProviderSpec] = {
    "demo": ProviderSpec("demo", "Demo (offline)", _demo, needs_key=False, default_concurrency=64),
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
