"""fal's queue (submit, poll, result, cancel) and OpenRouter chat completions, against loopback servers."""

from __future__ import annotations

import asyncio
import base64

import pytest

from providers.base import CallContext, GenerationRequest, ProviderError, ProviderSettings
from providers.fal import FalProvider
from providers.openrouter import OpenRouterProvider
from tests.providers.loopback import Reply


def fal(server) -> FalProvider:
    return FalProvider(ProviderSettings(base_url=server.base_url, api_key="fal-test-key:0123456789"))


def openrouter(server) -> OpenRouterProvider:
    return OpenRouterProvider(ProviderSettings(base_url=server.base_url, api_key="fake-or-test-0123456789"))


# -- fal --------------------------------------------------------------------------------------
async def test_fal_queue_flow(servers, client) -> None:
    server = servers("fal", latency=0.6)
    progress: list[str] = []
    first_byte: list[bool] = []
    result = await fal(server).generate(
        GenerationRequest("fal-ai/flux-2-pro", "a lighthouse", params={"aspect": "16:9", "seed": 7}),
        CallContext(client=client, on_progress=progress.append, on_first_byte=lambda: first_byte.append(True)),
    )
    submit = server.requests[0]
    assert (submit.method, submit.path) == ("POST", "/fal-ai/flux-2-pro")
    assert submit.headers["authorization"] == "Key fal-test-key:0123456789"
    assert submit.json == {"prompt": "a lighthouse", "image_size": {"width": 1360, "height": 768}, "seed": 7}
    polls = server.calls("GET", "/status")
    assert len(polls) >= 2 and all(p.headers["authorization"].startswith("Key ") for p in polls)
    assert progress[0].startswith("in fal queue, position") and "generating on fal" in progress
    fetch, download = server.requests[-2:]
    assert fetch.path == "/fal-ai/flux-2-pro/requests/req-1" and download.path == "/files/req-1.png"
    assert "authorization" not in download.headers  # the key stays with fal's API, not its CDN
    assert first_byte == [True] and result.images[0].data == server.image
    assert result.params_effective["request_id"] == "req-1" and result.cost_usd is None  # unpriced: not guessed


async def test_fal_edit_path_and_image_urls(servers, client, refs) -> None:
    server = servers("fal")
    two = refs(2)
    await fal(server).generate(
        GenerationRequest("fal-ai/nano-banana", "swap", references=two, params={"aspect": "9:16"}),
        CallContext(client=client),
    )
    submit = server.requests[0]
    assert submit.path == "/fal-ai/nano-banana/edit"
    assert submit.json["aspect_ratio"] == "9:16"
    assert submit.json["image_urls"] == ["data:image/png;base64," + base64.b64encode(r.read()).decode() for r in two]
    # status and result without the subpath (fal's documented gotcha)
    assert server.calls("GET")[0].path == "/fal-ai/nano-banana/requests/req-1/status"


async def test_fal_open_catalogue_and_foreign_status_url(servers, client) -> None:
    server = servers("fal")
    submitted = {
        "request_id": "req-9",
        "status_url": "https://evil.example/steal",
        "response_url": "https://evil.example/r",
    }
    server.script("POST", "/someone/custom-model", Reply(json=submitted))
    server.jobs["req-9"] = {"submitted": 0, "cancelled": False}
    result = await fal(server).generate(GenerationRequest("someone/custom-model/v2", "x"), CallContext(client))
    assert result.images and server.calls("GET")[0].path == "/someone/custom-model/requests/req-9/status"


async def test_fal_cancel_sends_the_cancel_request(servers, client) -> None:
    server = servers("fal", latency=60)
    task = asyncio.create_task(fal(server).generate(GenerationRequest("fal-ai/flux-2-pro", "x"), CallContext(client)))
    for _ in range(100):
        await asyncio.sleep(0.02)
        if server.calls("GET", "/status"):
            break
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (cancel,) = server.calls("PUT")
    assert cancel.path == "/fal-ai/flux-2-pro/requests/req-1/cancel" and server.jobs["req-1"]["cancelled"]
    assert cancel.headers["authorization"] == "Key fal-test-key:0123456789"


async def test_fal_timeout_also_cancels(servers, client) -> None:
    server = servers("fal", latency=60)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.4):
            await fal(server).generate(GenerationRequest("fal-ai/flux-2-pro", "x"), CallContext(client))
    assert len(server.calls("PUT")) == 1


@pytest.mark.parametrize(
    ("reply", "kind", "words"),
    [
        (
            Reply(
                422,
                {
                    "detail": [
                        {
                            "loc": ["body", "prompt"],
                            "msg": "The content was flagged by a content checker.",
                            "type": "content_policy_violation",
                        }
                    ]
                },
            ),
            "content_policy",
            "flagged",
        ),
        (
            Reply(422, {"detail": [{"loc": ["body", "image_size"], "msg": "unsupported size", "type": "value_error"}]}),
            "bad_request",
            "image_size: unsupported size",
        ),
        (Reply(json={"images": [{"url": "x"}], "has_nsfw_concepts": [True]}), "content_policy", "nsfw"),
        (Reply(json={"images": []}), "bad_response", "no images"),
    ],
)
async def test_fal_result_errors(servers, client, reply: Reply, kind: str, words: str) -> None:
    server = servers("fal")
    # Scripts match by prefix in order: the status poll takes the first, the result fetch the second.
    server.script("GET", "/fal-ai/flux-2-pro/requests/req-1/status", Reply(json={"status": "COMPLETED"}))
    server.script("GET", "/fal-ai/flux-2-pro/requests/req-1", reply)
    with pytest.raises(ProviderError) as info:
        await fal(server).generate(GenerationRequest("fal-ai/flux-2-pro", "x"), CallContext(client=client))
    assert info.value.kind == kind and words in info.value.message


async def test_fal_unauthorized_at_submit(servers, client) -> None:
    server = servers("fal")
    server.script("POST", "/fal-ai", Reply(401, {"detail": "Unauthorized"}))
    with pytest.raises(ProviderError) as info:
        await fal(server).generate(GenerationRequest("fal-ai/flux-2-pro", "x"), CallContext(client=client))
    assert info.value.kind == "auth" and "Unauthorized" in info.value.message


async def test_fal_result_image_too_large(servers, client, monkeypatch) -> None:
    import providers.http

    server = servers("fal")
    monkeypatch.setattr(providers.http, "MAX_IMAGE_BYTES", 1000)
    server.files["req-1.png"] = Reply(body=server.image + b"\0" * 5000, headers={"Content-Type": "image/png"})
    with pytest.raises(ProviderError) as info:
        await fal(server).generate(GenerationRequest("fal-ai/flux-2-pro", "x"), CallContext(client=client))
    assert info.value.kind == "bad_response" and "cap" in info.value.message


# -- OpenRouter -------------------------------------------------------------------------------
async def test_openrouter_chat_completion(servers, client, refs) -> None:
    server = servers("openrouter")
    (ref,) = refs(1)
    result = await openrouter(server).generate(
        GenerationRequest(
            "google/gemini-3-pro-image-preview",
            "make it night",
            references=(ref,),
            params={"aspect": "16:9", "resolution": "4K"},
        ),
        CallContext(client=client),
    )
    body = server.requests[0].json
    assert server.requests[0].path == "/api/v1/chat/completions"
    assert body["modalities"] == ["image", "text"]
    assert body["image_config"] == {"aspect_ratio": "16:9", "image_size": "4K"}
    content = body["messages"][0]["content"]
    assert content[0] == {"type": "text", "text": "make it night"}
    assert content[1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert result.images[0].data == server.image and result.cost_usd == 0.0387


async def test_openrouter_image_only_models_and_text_replies(servers, client) -> None:
    server = servers("openrouter")
    assert OpenRouterProvider(ProviderSettings()).effective_params("black-forest-labs/flux.2-pro", {}, 0) == {
        "modalities": ["image"]
    }
    reply = {
        "choices": [
            {"message": {"role": "assistant", "content": "I cannot create images of that."}, "finish_reason": "stop"}
        ]
    }
    server.script("POST", "/api/v1/chat", Reply(json=reply))
    with pytest.raises(ProviderError) as info:
        await openrouter(server).generate(GenerationRequest("google/gemini-2.5-flash-image", "x"), CallContext(client))
    assert info.value.kind == "bad_response" and "I cannot create images of that." in info.value.message
    server.script("POST", "/api/v1/chat", Reply(json={"error": {"code": 429, "message": "Provider rate limited"}}))
    with pytest.raises(ProviderError) as info:
        await openrouter(server).generate(GenerationRequest("google/gemini-2.5-flash-image", "x"), CallContext(client))
    assert info.value.kind == "rate_limit" and "Provider rate limited" in info.value.message
