"""Which models exist, which can run now, and the adapter behind each model id."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from providers.base import ModelInfo, Provider, ProviderSettings, split_model_id
from providers.catalog import BUILTIN, endpoint_factory
from tui.core import credentials
from tui.core.config import Config
from tui.core.validation import InputError, suggest


@dataclass
class ModelStatus:
    info: ModelInfo
    available: bool
    detail: str  # where the key came from, or the exact fix


@dataclass
class Registry:
    providers: dict[str, Provider] = field(default_factory=dict)
    # Names known from elsewhere than the catalog (the providers' refreshed lists, config defaults), per provider.
    extra_names: dict[str, list[str]] = field(default_factory=dict)

    def models(self) -> list[ModelStatus]:
        """The catalog's models, then the other names this registry knows of (marked as not catalogued)."""
        out = []
        for provider in self.providers.values():
            ok, detail = provider.available()
            listed = provider.models()
            out.extend(ModelStatus(info, ok, detail) for info in listed)
            names = {m.name for m in listed}
            unlisted = getattr(provider, "unlisted", None)
            if unlisted is None or not getattr(provider, "open_catalogue", False):
                continue
            for name in sorted(set(self.extra_names.get(provider.name, ())) - names):
                out.append(ModelStatus(unlisted(name), ok, detail))
        return out

    def model_ids(self) -> list[str]:
        return [m.info.id for m in self.models()]

    def resolve(self, model_id: str) -> tuple[Provider, str]:
        """The adapter and the provider-side model name, or an InputError naming the fix."""
        try:
            provider_name, name = split_model_id(model_id)
        except ValueError as exc:
            raise InputError(str(exc), key="--model") from None
        provider = self.providers.get(provider_name)
        if provider is None:
            raise InputError(
                f"unknown provider {provider_name!r}{suggest(provider_name, self.providers)}", key=model_id
            )
        known = {m.name for m in provider.models()}
        # Providers with open catalogues (fal, OpenRouter, gateways) accept names they do not list.
        if known and name not in known and not getattr(provider, "open_catalogue", False):
            raise InputError(f"unknown model {name!r} for {provider_name}{suggest(name, known)}", key=model_id)
        return provider, name

    def info(self, model_id: str) -> ModelInfo | None:
        """What the catalog says about a model, or the conservative guess for a name it does not list."""
        provider, name = self.resolve(model_id)
        listed = next((m for m in provider.models() if m.name == name), None)
        if listed is None and (unlisted := getattr(provider, "unlisted", None)) is not None:
            return unlisted(name)
        return listed

    def catalogued(self, model_id: str) -> bool:
        """False for a name outside the shipped catalog (and for one that does not resolve)."""
        try:
            info = self.info(model_id)
        except InputError:
            return False
        return info is None or info.catalogued

    def check_available(self, model_id: str) -> None:
        provider, _ = self.resolve(model_id)
        ok, detail = provider.available()
        if not ok:
            raise InputError(f"no API key for {provider.name}: {detail}", key=model_id)


def provider_settings(
    name: str,
    config: Config,
    stored: dict[str, str],
    *,
    default_base_url: str | None,
    base_url_env: tuple[str, ...],
    default_concurrency: int,
    key_env: tuple[str, ...] | None,
) -> ProviderSettings:
    pc = config.providers.get(name)
    # imgbench's own variable first: a generic OPENAI_BASE_URL set for other tools must not redirect imgbench.
    env_url = next(
        (os.environ[v] for v in (f"IMGBENCH_{name.upper()}_BASE_URL", *base_url_env) if os.environ.get(v)), None
    )
    key = credentials.resolve(name, key_env, stored)
    options = {}
    if pc is not None:
        options = {
            k: v
            for k, v in (
                ("latency_ms", pc.latency_ms),
                ("fail_rate", pc.fail_rate),
                ("max_attempts", pc.max_attempts),
                ("max_wait_s", pc.max_wait_s),
            )
            if v is not None
        }
    return ProviderSettings(
        base_url=env_url or (pc.base_url if pc else None) or default_base_url,
        api_key=key.value,
        key_source=key.source,
        key_hint=key.hint,
        concurrency=(pc.concurrency if pc and pc.concurrency else default_concurrency),
        timeout_s=(pc.timeout_s if pc and pc.timeout_s else 300.0),
        options=options,
    )


def build_registry(config: Config, stored_keys: dict[str, str] | None = None) -> Registry:
    stored = credentials.load_stored() if stored_keys is None else stored_keys
    registry = Registry()
    for spec in BUILTIN.values():
        settings = provider_settings(
            spec.name,
            config,
            stored,
            default_base_url=spec.default_base_url,
            base_url_env=spec.base_url_env,
            default_concurrency=spec.default_concurrency,
            key_env=credentials.ENV_VARS.get(spec.name, ()) if spec.needs_key else (),
        )
        registry.providers[spec.name] = spec.factory(settings)
    for name, endpoint in config.endpoints.items():
        factory = endpoint_factory(name)
        if factory is None:
            continue
        key_env = (endpoint.key_env,) if endpoint.key_env else ()
        settings = provider_settings(
            name,
            config,
            stored,
            default_base_url=endpoint.base_url,
            base_url_env=(),
            default_concurrency=endpoint.concurrency or 4,
            key_env=key_env,
        )
        settings.models = tuple(endpoint.models)
        settings.extra_fields = tuple(endpoint.extra_fields)
        if endpoint.timeout_s:
            settings.timeout_s = endpoint.timeout_s
        registry.providers[name] = factory(settings)
    from tui.core import model_lists

    for provider_name, entry in model_lists.load().items():
        registry.extra_names.setdefault(provider_name, []).extend(entry.models)
    for model_id in config.defaults.models:  # a default the catalog does not list still shows in Compose
        provider_name, _, name = model_id.partition(":")
        if name:
            registry.extra_names.setdefault(provider_name, []).append(name)
    return registry
