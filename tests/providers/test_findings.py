"""Issue 12's findings 1-3, each against a loopback server answering with the response body the service sends.

The bodies follow the vendors' documented shapes (OpenAI's error object, OpenRouter's ErrorResponse with
``metadata.reasons`` for moderation, Gemini's GenerateContentResponse, fal's FastAPI ``detail`` list).
"""

from __future__ import annotations

import pytest

from providers.base import CallContext, GenerationRequest, ProviderError, ProviderSettings
from providers.fal import FalProvider
from providers.gemini import GeminiProvider
from providers.openai import OpenAIProvider
from providers.openrouter import OpenRouterProvider
from providers.xai import XAIProvider
from tests.providers.loopback import Reply, sse

KEY = "PLANTED-KEY-findings-0123456789"


def settings(server) -> ProviderSettings:
    return ProviderSettings(base_url=server.base_url, api_key=KEY)


async def failure(adapter, request: GenerationRequest, client) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        await adapter.generate(request, CallContext(client=client))
    return info.value


# -- 1. gpt-image-2 edits omit input_fidelity --------------------------------------------------------------------
@pytest.mark.parametrize("n_refs", [1, 3])
async def test_gpt_image_2_edit_sends_no_input_fidelity(servers, client, refs, n_refs: int) -> None:
    server = servers("openai")
    await OpenAIProvider(settings(server)).generate(
        GenerationRequest("gpt-image-2", "edit it", references=refs(n_refs)), CallContext(client=client)
    )
    names = [name for name, _, _ in server.requests[0].form()]
    assert "input_fidelity" not in names and "model" in names


async def test_gpt_image_1_5_edit_keeps_high_input_fidelity(servers, client, refs) -> None:
    server = servers("openai")
    await OpenAIProvider(settings(server)).generate(
        GenerationRequest("gpt-image-1.5", "edit it", references=refs(1)), CallContext(client=client)
    )
    assert dict((n, v) for n, v, f in server.requests[0].form() if not f)["input_fidelity"] == "high"


# -- 2. grok-imagine-image-2.0 quality: low and medium only -------------------------------------------------------
@pytest.mark.parametrize(("asked", "sent"), [("high", "medium"), ("medium", "medium"), ("low", "low"), ("auto", None)])
async def test_grok_2_quality_is_low_or_medium(servers, client, asked: str, sent: str | None) -> None:
    server = servers("xai")
    result = await XAIProvider(settings(server)).generate(
        GenerationRequest("grok-imagine-image-2.0", "a cat", params={"quality": asked}), CallContext(client=client)
    )
    assert server.requests[0].json.get("quality") == sent
    assert result.params_effective.get("quality") == sent


# -- 3. misclassified answers ---------------------------------------------------------------------------------
OPENROUTER_MODERATION_403 = {
    "error": {
        "code": 403,
        "message": 'openai/gpt-5-image requires moderation on OpenAI. Your input was flagged for "violence/graphic". '
        "No credits were charged.",
        "metadata": {
            "reasons": ["violence/graphic"],
            "flagged_input": "a gory battle scene with…",
            "provider_name": "OpenAI",
            "model_slug": "openai/gpt-5-image",
        },
    }
}


async def test_openrouter_moderation_403_is_content_policy_with_reasons(servers, client) -> None:
    server = servers("openrouter")
    server.script("POST", "/api/v1/chat", Reply(403, OPENROUTER_MODERATION_403))
    err = await failure(OpenRouterProvider(settings(server)), GenerationRequest("openai/gpt-5-image", "x"), client)
    assert (err.kind, err.http_status, err.retryable) == ("content_policy", 403, False)
    assert "violence/graphic" in err.message and "Your input was flagged" in err.message
    assert "API key" not in err.message


async def test_openrouter_content_filter_with_unknown_native_reason(servers, client) -> None:
    server = servers("openrouter")
    body = {
        "id": "gen-1764600000-abc",
        "object": "chat.completion",
        "model": "bytedance/seedream-5",
        "choices": [
            {
                "index": 0,
                "finish_reason": "content_filter",
                "native_finish_reason": "OUTPUT_MODERATED",
                "message": {"role": "assistant", "content": ""},
            }
        ],
    }
    server.script("POST", "/api/v1/chat", Reply(json=body))
    err = await failure(OpenRouterProvider(settings(server)), GenerationRequest("bytedance/seedream-5", "x"), client)
    assert (err.kind, err.http_status, err.provider_code) == ("content_policy", 200, "OUTPUT_MODERATED")


async def test_openrouter_finish_reason_error_with_upstream_502_is_retried(servers, client) -> None:
    server = servers("openrouter")
    body = {
        "id": "gen-1764600001-def",
        "object": "chat.completion",
        "model": "google/gemini-3-pro-image-preview",
        "choices": [
            {
                "index": 0,
                "finish_reason": "error",
                "native_finish_reason": "error",
                "message": {"role": "assistant", "content": ""},
                "error": {
                    "code": 502,
                    "message": "Upstream error from Google AI Studio: Internal error encountered.",
                    "metadata": {"provider_name": "Google AI Studio"},
                },
            }
        ],
    }
    server.script("POST", "/api/v1/chat", Reply(json=body))
    model = "google/gemini-3-pro-image-preview"
    err = await failure(OpenRouterProvider(settings(server)), GenerationRequest(model, "x"), client)
    assert (err.kind, err.http_status, err.retryable) == ("server", 502, True)
    assert "Upstream error from Google AI Studio: Internal error encountered." in err.message


async def test_openai_region_403_does_not_blame_the_key(servers, client) -> None:
    server = servers("openai")
    body = {
        "error": {
            "code": "unsupported_country_region_territory",
            "message": "Country, region, or territory not supported",
            "param": None,
            "type": "request_forbidden",
        }
    }
    server.script("POST", "/v1/images", Reply(403, body))
    err = await failure(OpenAIProvider(settings(server)), GenerationRequest("gpt-image-2", "x"), client)
    assert (err.kind, err.http_status, err.provider_code, err.retryable) == (
        "unavailable",
        403,
        "unsupported_country_region_territory",
        False,
    )
    assert "Country, region, or territory not supported" in err.message and "API key" not in err.message


async def test_gemini_prompt_block_records_http_200(servers, client) -> None:
    server = servers("gemini")
    body = {
        "promptFeedback": {
            "blockReason": "PROHIBITED_CONTENT",
            "safetyRatings": [],
        },
        "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9},
        "modelVersion": "gemini-3-pro-image-preview",
    }
    server.script("POST", "/v1beta/models", Reply(json=body))
    err = await failure(GeminiProvider(settings(server)), GenerationRequest("gemini-3-pro-image-preview", "x"), client)
    assert (err.kind, err.http_status, err.provider_code) == ("content_policy", 200, "PROHIBITED_CONTENT")


async def test_fal_422_with_several_items_takes_code_and_kind_from_one(servers, client) -> None:
    server = servers("fal")
    body = {
        "detail": [
            {
                "loc": ["body", "image_size"],
                "msg": "Input should be a valid dictionary or instance of ImageSize",
                "type": "model_attributes_type",
                "input": "huge",
            },
            {
                "loc": ["body", "prompt"],
                "msg": "The content could not be processed because it contained material flagged by a content checker.",
                "type": "content_policy_violation",
                "url": "https://docs.fal.ai/errors#content_policy_violation",
            },
        ]
    }
    server.script("GET", "/fal-ai/flux-2-pro/requests/req-1/status", sse({"status": "COMPLETED"}))
    server.script("GET", "/fal-ai/flux-2-pro/requests/req-1", Reply(422, body))
    err = await failure(FalProvider(settings(server)), GenerationRequest("fal-ai/flux-2-pro", "x"), client)
    assert (err.kind, err.provider_code, err.http_status) == ("content_policy", "content_policy_violation", 422)
    assert "image_size: Input should be" in err.message and "prompt: The content could not" in err.message


async def test_fal_422_without_policy_item_is_bad_request_with_the_first_code(servers, client) -> None:
    server = servers("fal")
    body = {
        "detail": [
            {
                "loc": ["body", "num_images"],
                "msg": "Input should be less than or equal to 4",
                "type": "less_than_equal",
            },
            {"loc": ["body", "seed"], "msg": "Input should be a valid integer", "type": "int_parsing"},
        ]
    }
    server.script("GET", "/fal-ai/flux-2-pro/requests/req-1/status", sse({"status": "COMPLETED"}))
    server.script("GET", "/fal-ai/flux-2-pro/requests/req-1", Reply(422, body))
    err = await failure(FalProvider(settings(server)), GenerationRequest("fal-ai/flux-2-pro", "x"), client)
    assert (err.kind, err.provider_code) == ("bad_request", "less_than_equal")


async def test_fal_flagged_placeholder_is_not_an_output(servers, client) -> None:
    server = servers("fal")
    server.files["black.png"] = Reply(body=b"\x89PNG\r\n\x1a\nBLACK", headers={"Content-Type": "image/png"})
    body = {
        "images": [
            {"url": f"{server.url}/files/black.png", "content_type": "image/png", "width": 1024, "height": 1024},
            {"url": f"{server.url}/files/kept.png", "content_type": "image/png", "width": 1024, "height": 1024},
        ],
        "seed": 1234,
        "has_nsfw_concepts": [True, False],
        "prompt": "x",
        "timings": {"inference": 2.1},
    }
    server.script("GET", "/fal-ai/flux-2-pro/requests/req-1/status", sse({"status": "COMPLETED"}))
    server.script("GET", "/fal-ai/flux-2-pro/requests/req-1", Reply(json=body))
    result = await FalProvider(settings(server)).generate(
        GenerationRequest("fal-ai/flux-2-pro", "x"), CallContext(client=client)
    )
    assert [img.data for img in result.images] == [server.image]
    assert not server.calls("GET", "/files/black.png")  # the placeholder is not even downloaded
