"""User-declared OpenAI-compatible endpoints, and the price table."""

from __future__ import annotations

import pytest

from providers import pricing
from providers.base import CallContext, GenerationRequest, ProviderSettings
from providers.compatible import CompatibleProvider
from tests.providers.conftest import multipart_as_schema_object, run_prompt, validate_openai


def compat(server, extra: tuple[str, ...] = (), key: str | None = "gw-key-0123456789") -> CompatibleProvider:
    settings = ProviderSettings(
        base_url=server.base_url, api_key=key, models=("grok-imagine-image",), extra_fields=extra
    )
    return CompatibleProvider("gateway", settings)


def test_effective_params_send_only_declared_extras() -> None:
    plain = CompatibleProvider("gw", ProviderSettings(base_url="https://gw.example/v1", models=("m",)))
    assert plain.effective_params("m", {"aspect": "16:9", "resolution": "1K", "seed": 4}, 0) == {
        "endpoint": "images/generations",
        "size": "1360x768",
        "ignored": ["seed"],
    }
    rich = CompatibleProvider(
        "gw",
        ProviderSettings(
            base_url="https://gw.example/v1",
            models=("m",),
            extra_fields=("aspect_ratio", "resolution", "seed", "response_format=b64_json", "n=1"),
        ),
    )
    assert rich.effective_params("m", {"aspect": "16:9", "resolution": "2K", "seed": 4, "quality": "high"}, 1) == {
        "endpoint": "images/edits",
        "aspect_ratio": "16:9",
        "resolution": "2K",
        "quality": "high",
        "seed": 4,
        "response_format": "b64_json",
        "n": 1,
    }
    # size wins over aspect and resolution, as gateways document
    assert rich.effective_params("m", {"size": "1024x768", "aspect": "1:1"}, 0)["size"] == "1024x768"


async def test_generations_and_edits_in_the_openai_shape(servers, client, refs) -> None:
    server = servers("compat")
    p = compat(server, ("aspect_ratio", "resolution"))
    await p.generate(GenerationRequest("grok-imagine-image", "x", params={"aspect": "3:2"}), CallContext(client))
    call = server.requests[0]
    assert call.path == "/v1/images/generations" and call.headers["authorization"] == "Bearer gw-key-0123456789"
    assert call.json == {"model": "grok-imagine-image", "prompt": "x", "aspect_ratio": "3:2"}
    await compat(server).generate(GenerationRequest("grok-imagine-image", "y", references=refs(2)), CallContext(client))
    parts = server.requests[-1].form()
    assert [n for n, _, f in parts if f] == ["image[]", "image[]"]
    validate_openai("CreateImageEditRequest", multipart_as_schema_object(parts))


async def test_local_endpoint_without_key(servers, client) -> None:
    server = servers("compat")
    p = compat(server, key=None)
    assert p.available() == (True, "no key (local endpoint)")
    await p.generate(GenerationRequest("grok-imagine-image", "x"), CallContext(client))
    assert "authorization" not in server.requests[0].headers
    remote = CompatibleProvider("gw", ProviderSettings(base_url="https://gw.example/v1", key_hint="export GW_KEY=…"))
    assert remote.available() == (False, "export GW_KEY=…")


def test_endpoint_from_config_runs_through_the_runner(servers, config_dir, monkeypatch) -> None:
    server = servers("compat")
    (config_dir / "config.toml").write_text(
        f'[endpoints.lumen]\nbase_url = "{server.base_url}"\nkey_env = "LUMEN_KEY"\nmodels = ["flux.2-max"]\n'
        'extra_fields = ["aspect_ratio"]\n'
    )
    monkeypatch.setenv("LUMEN_KEY", "lmnfl_test_0123456789")
    session = run_prompt(["lumen:flux.2-max"], params={"aspect": "9:16"})
    (run,) = session.runs
    assert run.status == "succeeded" and run.params_effective["aspect_ratio"] == "9:16"
    assert server.requests[0].headers["authorization"] == "Bearer lmnfl_test_0123456789"


def test_price_table_has_sources_and_dates() -> None:
    table = pricing.price_table()
    assert ("openai", "gpt-image-2") in table
    for price in table.values():
        assert price.source and price.as_of, f"{price.provider}:{price.model} lacks a source or date"
        assert price.per_mtok or price.per_image


def test_costs_are_never_guessed() -> None:
    tokens = {"text_input": 100, "image_input": 0, "image_output": 1000}
    assert pricing.cost_from_tokens("openai", "gpt-image-1-mini", tokens) == pytest.approx((100 * 2 + 1000 * 8) / 1e6)
    assert pricing.cost_from_tokens("openai", "no-such-model", tokens) is None
    # gemini-3-pro-image-preview has no text price in the table: a response with text stays unpriced
    assert (
        pricing.cost_from_tokens("gemini", "gemini-3-pro-image-preview", {"text_input": 10, "image_output": 1}) is None
    )
    assert pricing.cost_per_image("openai", "dall-e-3", 1, "standard/1024x1024") == 0.04
    assert pricing.cost_per_image("openai", "dall-e-3", 1, "hd/1792x1024") is None
    assert pricing.cost_per_image("xai", "grok-imagine-image", 2) == 0.04
    assert pricing.cost_per_image("fal", "fal-ai/flux-2-pro", 1) is None
    assert pricing.cost_from_ticks(200_000_000) == 0.02 and pricing.cost_from_ticks("3") is None
