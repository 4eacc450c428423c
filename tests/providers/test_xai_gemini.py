"""xAI and Gemini adapters against loopback servers: wire format, HTTP-200 blocks, costs."""

from __future__ import annotations

import base64

import pytest

from providers.base import CallContext, GenerationRequest, ProviderError, ProviderSettings
from providers.gemini import GeminiProvider
from providers.xai import XAIProvider
from tests.providers.loopback import Reply, gemini_answer


def xai(server) -> XAIProvider:
    return XAIProvider(ProviderSettings(base_url=server.base_url, api_key="xai-test-key-0123456789"))


def gemini(server) -> GeminiProvider:
    return GeminiProvider(ProviderSettings(base_url=server.base_url, api_key="gem-test-key-0123456789"))


# -- xAI --------------------------------------------------------------------------------------
async def test_xai_generation_downloads_the_url(servers, client) -> None:
    server = servers("xai")
    result = await xai(server).generate(
        GenerationRequest("grok-imagine-image", "a fox", params={"aspect": "16:9", "resolution": "2K"}),
        CallContext(client=client),
    )
    submit, download = server.requests
    assert submit.path == "/v1/images/generations" and submit.headers["content-type"] == "application/json"
    assert submit.json == {"model": "grok-imagine-image", "prompt": "a fox", "aspect_ratio": "16:9", "resolution": "2k"}
    assert download.method == "GET" and download.path.startswith("/files/") and "authorization" not in download.headers
    assert result.images[0].data == server.image and result.revised_prompt == "a revised prompt"
    assert result.cost_usd == pytest.approx(0.02)  # 200_000_000 ticks


async def test_xai_one_reference_is_image_several_are_images(servers, client, refs) -> None:
    server = servers("xai")
    one, three = refs(1), refs(3)
    await xai(server).generate(GenerationRequest("grok-imagine-image", "edit", references=one), CallContext(client))
    body = server.calls("POST")[0].json
    assert server.calls("POST")[0].path == "/v1/images/edits"
    assert set(body) == {"model", "prompt", "image"} and body["image"]["type"] == "image_url"
    assert body["image"]["url"] == "data:image/png;base64," + base64.b64encode(one[0].read()).decode()
    await xai(server).generate(GenerationRequest("grok-imagine-image", "mix", references=three), CallContext(client))
    body = server.calls("POST")[1].json
    assert "image" not in body and len(body["images"]) == 3
    assert [p["url"][-20:] for p in body["images"]] == [base64.b64encode(r.read()).decode()[-20:] for r in three]
    with pytest.raises(ProviderError, match="at most 3"):
        await xai(server).generate(
            GenerationRequest("grok-imagine-image", "x", references=refs(4)), CallContext(client)
        )


@pytest.mark.parametrize(
    "answer",
    [
        {"data": []},
        {"data": [{"url": "https://imgen.x.ai/placeholder.jpg", "respect_moderation": False}]},
    ],
)
async def test_xai_http_200_moderation_is_content_policy(servers, client, answer) -> None:
    server = servers("xai")
    server.script("POST", "/v1/images", Reply(json=answer))
    with pytest.raises(ProviderError) as info:
        await xai(server).generate(GenerationRequest("grok-imagine-image", "x"), CallContext(client=client))
    assert info.value.kind == "content_policy" and not info.value.retryable
    assert len(server.requests) == 1  # the placeholder is not even downloaded


async def test_xai_b64_with_data_prefix_and_image_url_404(servers, client) -> None:
    server = servers("xai")
    server.script(
        "POST",
        "/v1/images",
        Reply(json={"data": [{"b64_json": "data:image/png;base64," + base64.b64encode(server.image).decode()}]}),
    )
    result = await xai(server).generate(GenerationRequest("grok-imagine-image", "x"), CallContext(client=client))
    assert result.images[0].data == server.image and result.cost_usd == 0.02  # per-image price, no ticks
    server.script("POST", "/v1/images", Reply(json={"data": [{"url": f"{server.url}/files/expired.png"}]}))
    server.files["expired.png"] = Reply(404, {"error": "gone"})
    with pytest.raises(ProviderError) as info:
        await xai(server).generate(GenerationRequest("grok-imagine-image", "x"), CallContext(client=client))
    assert info.value.kind == "bad_response" and "404" in info.value.message


def test_xai_effective_params() -> None:
    p = XAIProvider(ProviderSettings())
    assert p.effective_params("grok-imagine-image", {"size": "1024x1024", "quality": "high"}, 0) == {
        "endpoint": "images/generations",
        "aspect_ratio": "1:1",
        "resolution": "1k",
        "ignored": ["quality", "size (sent as aspect_ratio + resolution)"],
    }
    assert p.effective_params("grok-imagine-image-2.0", {"quality": "low"}, 1) == {
        "endpoint": "images/edits",
        "quality": "low",
    }


# -- Gemini -----------------------------------------------------------------------------------
async def test_gemini_request_and_answer(servers, client, refs) -> None:
    server = servers("gemini")
    two = refs(2)
    result = await gemini(server).generate(
        GenerationRequest(
            "gemini-3-pro-image-preview", "blend", references=two, params={"aspect": "9:16", "resolution": "2K"}
        ),
        CallContext(client=client),
    )
    (call,) = server.requests
    assert call.path == "/v1beta/models/gemini-3-pro-image-preview:generateContent"
    assert call.headers["x-goog-api-key"] == "gem-test-key-0123456789" and "key=" not in call.path
    body = call.json
    parts = body["contents"][0]["parts"]
    assert parts[0] == {"text": "blend"}
    assert [p["inline_data"]["data"] for p in parts[1:]] == [base64.b64encode(r.read()).decode() for r in two]
    assert body["generationConfig"] == {
        "responseModalities": ["TEXT", "IMAGE"],
        "imageConfig": {"aspectRatio": "9:16", "imageSize": "2K"},
    }
    assert result.images[0].data == server.image
    assert result.params_effective["modelVersion"] == "gemini-2.5-flash-image"


async def test_gemini_25_is_1k_only_and_priced(servers, client) -> None:
    server = servers("gemini")
    result = await gemini(server).generate(
        GenerationRequest("gemini-2.5-flash-image", "x", params={"aspect": "4:3", "resolution": "2K"}),
        CallContext(client=client),
    )
    assert server.requests[0].json["generationConfig"]["imageConfig"] == {"aspectRatio": "4:3"}
    assert result.params_effective["ignored"] == ["resolution (1K only)"]
    assert result.cost_usd == pytest.approx((17 * 0.30 + 1290 * 30) / 1e6)


async def test_gemini_skips_thought_parts(servers, client) -> None:
    server = servers("gemini")
    draft = base64.b64encode(b"\x89PNG\r\n\x1a\n draft").decode()
    final = base64.b64encode(server.image).decode()
    parts = [
        {"text": "thinking…", "thought": True},
        {"inlineData": {"mimeType": "image/png", "data": draft}, "thought": True},
        {"inline_data": {"mime_type": "image/png", "data": final}},
    ]
    server.script("POST", "/v1beta/models", Reply(json=gemini_answer(parts)))
    result = await gemini(server).generate(GenerationRequest("gemini-3-pro-image-preview", "x"), CallContext(client))
    assert result.images[0].data == server.image


@pytest.mark.parametrize(
    ("answer", "kind", "words"),
    [
        (gemini_answer([], finish="IMAGE_SAFETY"), "content_policy", "IMAGE_SAFETY"),
        (gemini_answer([{"text": "I can't draw that."}], finish="PROHIBITED_CONTENT"), "content_policy", "can't draw"),
        (gemini_answer([{"text": "Here is a poem instead."}], finish="STOP"), "bad_response", "poem instead"),
        (gemini_answer([], finish="NO_IMAGE"), "bad_response", "NO_IMAGE"),
        ({"promptFeedback": {"blockReason": "SAFETY"}}, "content_policy", "blocked the prompt"),
        ({"candidates": []}, "bad_response", "without any candidate"),
    ],
)
async def test_gemini_http_200_failures(servers, client, answer, kind: str, words: str) -> None:
    server = servers("gemini")
    server.script("POST", "/v1beta/models", Reply(json=answer))
    with pytest.raises(ProviderError) as info:
        await gemini(server).generate(GenerationRequest("gemini-2.5-flash-image", "x"), CallContext(client=client))
    assert info.value.kind == kind and words in info.value.message and not info.value.retryable


async def test_gemini_resource_exhausted(servers, client) -> None:
    server = servers("gemini")
    error = {
        "error": {
            "code": 429,
            "message": "You exceeded your current quota",
            "status": "RESOURCE_EXHAUSTED",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}],
        }
    }
    server.script("POST", "/v1beta/models", Reply(429, error))
    with pytest.raises(ProviderError) as info:
        await gemini(server).generate(GenerationRequest("gemini-2.5-flash-image", "x"), CallContext(client=client))
    assert (info.value.kind, info.value.retry_after, info.value.retryable) == ("rate_limit", 7.0, True)
