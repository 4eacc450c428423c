"""fal's queue (submit, streamed or polled status, result, cancel) and OpenRouter, against loopback servers."""

from __future__ import annotations

import asyncio
import base64

import pytest

from providers.base import CallContext, GenerationRequest, ProviderError, ProviderSettings
from providers.fal import FalProvider
from providers.openrouter import OpenRouterProvider
from tests.providers.loopback import Loopback, Reply, sse, sse_event


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
    (stream,) = server.calls("GET", "/status")  # the streamed status: no polling
    assert stream.path == "/fal-ai/flux-2-pro/requests/req-1/status/stream"
    assert stream.headers["authorization"] == "Key fal-test-key:0123456789"
    assert progress[0].startswith("in fal queue, position") and "generating on fal" in progress
    fetch, download = server.requests[-2:]
    assert fetch.path == "/fal-ai/flux-2-pro/requests/req-1" and download.path == "/files/req-1.png"
    assert "authorization" not in download.headers  # the key stays with fal's API, not its CDN
    assert first_byte == [True] and result.images[0].data == server.image
    assert result.params_effective["request_id"] == "req-1" and result.cost_usd is None  # unpriced: not guessed


async def cancel_and_expect_fal_cancel(task: asyncio.Task[object], server: Loopback) -> None:
    """Cancel a running fal generation: fal must get its cancel request, with the key."""
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (cancel,) = server.calls("PUT")
    assert cancel.path == "/fal-ai/flux-2-pro/requests/req-1/cancel" and server.jobs["req-1"]["cancelled"]
    assert cancel.headers["authorization"] == "Key fal-test-key:0123456789"


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
    assert server.calls("GET")[0].path == "/fal-ai/nano-banana/requests/req-1/status/stream"


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
    assert result.images and server.calls("GET")[0].path == "/someone/custom-model/requests/req-9/status/stream"
    assert not any("evil" in r.path for r in server.requests)


async def test_fal_cancel_sends_the_cancel_request(servers, client) -> None:
    server = servers("fal", latency=60)
    task = asyncio.create_task(fal(server).generate(GenerationRequest("fal-ai/flux-2-pro", "x"), CallContext(client)))
    for _ in range(100):
        await asyncio.sleep(0.02)
        if server.calls("GET", "/status"):
            break
    await cancel_and_expect_fal_cancel(task, server)


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
    # Scripts match by prefix in order: the status stream takes the first, the result fetch the second.
    server.script("GET", "/fal-ai/flux-2-pro/requests/req-1/status", sse({"status": "COMPLETED"}))
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


# -- fal's streamed status ----------------------------------------------------------------------
STATUS = "/fal-ai/flux-2-pro/requests/req-1/status"


def polls(server) -> list:
    return [r for r in server.calls("GET", "/status") if not r.path.endswith("/status/stream")]


async def test_fal_stream_completes_without_polling(servers, client) -> None:
    server = servers("fal", latency=0.6)
    progress: list[str] = []
    result = await fal(server).generate(
        GenerationRequest("fal-ai/flux-2-pro", "x"), CallContext(client=client, on_progress=progress.append)
    )
    (stream,) = server.calls("GET", "/status")
    assert stream.path == STATUS + "/stream" and stream.headers["accept"] == "text/event-stream"
    assert stream.headers["authorization"] == "Key fal-test-key:0123456789"
    assert progress == ["in fal queue, position 1", "generating on fal"]
    fetch = server.calls("GET", "/requests/req-1")[-1]
    # Fetched once the stream said COMPLETED (not before the job's 0.6 s), and no status poll at all: an upper bound
    # in seconds here failed a loaded CI and proved nothing the poll count does not (polls start 0.1 s apart).
    assert fetch.path == "/fal-ai/flux-2-pro/requests/req-1" and fetch.at - server.jobs["req-1"]["submitted"] >= 0.59
    assert result.images[0].data == server.image and not polls(server)


async def test_fal_stream_parsing_multiline_comments_and_crlf(servers, client) -> None:
    server = servers("fal")
    events = [
        b"\xef\xbb\xbf: a comment before anything\r\n\r\n",
        b'event: status\r\nid: 1\r\nretry: 1000\r\ndata: {"status": "IN_QUEUE",\r\n',
        b'data:"queue_position": 3}\r',  # `data:` without a space; a CRLF split across chunks
        b"\n\r\n:heartbeat\n\n",
        sse_event({"status": "IN_PROGRESS", "logs": [{"message": "step 1"}]}, multiline=True),
        b"data\n\n",  # an empty data field: no event
        sse_event({"status": "COMPLETED", "metrics": {}}, multiline=True),
    ]
    server.script("GET", STATUS, sse(*events))
    progress: list[str] = []
    result = await fal(server).generate(
        GenerationRequest("fal-ai/flux-2-pro", "x"), CallContext(client=client, on_progress=progress.append)
    )
    assert progress == ["in fal queue, position 3", "generating on fal"]
    assert result.images and not polls(server)


async def test_fal_stream_final_error_is_reported_like_polling(servers, client) -> None:
    server = servers("fal")
    final = {"status": "COMPLETED", "error": "Model crashed: out of memory", "error_type": "runner_oom"}
    server.script("GET", STATUS, sse({"status": "IN_PROGRESS"}, final))
    server.script("GET", "/fal-ai/flux-2-pro/requests/req-1", Reply(json={"images": []}))
    with pytest.raises(ProviderError) as info:
        await fal(server).generate(GenerationRequest("fal-ai/flux-2-pro", "x"), CallContext(client=client))
    assert info.value.kind == "server" and "out of memory" in info.value.message and not polls(server)


async def test_fal_stream_unknown_status_is_an_error(servers, client) -> None:
    server = servers("fal")
    server.script("GET", STATUS, sse({"status": "EXPLODED"}))
    with pytest.raises(ProviderError) as info:
        await fal(server).generate(GenerationRequest("fal-ai/flux-2-pro", "x"), CallContext(client=client))
    assert info.value.kind == "bad_response" and "EXPLODED" in info.value.message


@pytest.mark.parametrize("step", [1, 2, 3, 1000])
def test_sse_parser_any_chunking(step: int) -> None:
    from providers.fal import _SSEParser, _StreamTooLarge

    raw = "\ufeff: hi\r\n\r\nevent: x\r\ndata: a\r\ndata:b\r\rdata: é\n\ndata\n\n:ping\ndata: cut off".encode()
    parser, out = _SSEParser(), []
    for i in range(0, len(raw), step):
        out += parser.feed(raw[i : i + step])
    assert out == ["a\nb", "é"]
    with pytest.raises(_StreamTooLarge):
        _SSEParser(max_chars=10).feed(b"data: " + b"x" * 20)


@pytest.mark.parametrize(
    "reply",
    [
        Reply(404, {"detail": "Not Found"}),
        Reply(405, {"detail": "Method Not Allowed"}),
        Reply(500, {"detail": "boom"}),
        Reply(302, b"", headers={"Location": "https://evil.example/stream"}),
        Reply(json={"status": "COMPLETED"}),  # 200, but JSON rather than an event stream
        sse({"status": "COMPLETED"}, status=401),
    ],
    ids=["404", "405", "500", "redirect", "json", "401-sse"],
)
async def test_fal_without_stream_falls_back_to_polling(servers, client, reply: Reply) -> None:
    server = servers("fal", latency=0.3)
    server.script("GET", STATUS + "/stream", reply)
    progress: list[str] = []
    result = await fal(server).generate(
        GenerationRequest("fal-ai/flux-2-pro", "x"), CallContext(client=client, on_progress=progress.append)
    )
    assert len(server.calls("GET", "/status/stream")) == 1 and len(polls(server)) >= 2
    assert all(p.headers["authorization"] == "Key fal-test-key:0123456789" for p in polls(server))
    assert "generating on fal" in progress and result.images[0].data == server.image
    assert not any("evil" in r.path for r in server.requests)


@pytest.mark.parametrize("cut", [True, False], ids=["broken", "ended"])
async def test_fal_stream_breaking_midway_falls_back_to_polling(servers, client, cut: bool) -> None:
    server = servers("fal", latency=0.4)
    server.script("GET", STATUS, sse({"status": "IN_QUEUE", "queue_position": 4}, b": heartbeat\n\n", cut=cut))
    progress: list[str] = []
    result = await fal(server).generate(
        GenerationRequest("fal-ai/flux-2-pro", "x"), CallContext(client=client, on_progress=progress.append)
    )
    assert len(server.calls("GET", "/status/stream")) == 1 and polls(server)
    assert progress[0] == "in fal queue, position 4" and "generating on fal" in progress
    assert result.images[0].data == server.image


async def test_fal_stream_garbage_falls_back_to_polling(servers, client) -> None:
    server = servers("fal")
    server.script("GET", STATUS, sse(b"data: {not json\n\n", {"status": "COMPLETED"}))
    result = await fal(server).generate(GenerationRequest("fal-ai/flux-2-pro", "x"), CallContext(client=client))
    assert result.images and polls(server)


async def test_fal_cancel_during_stream_sends_the_cancel_request(servers, client) -> None:
    server = servers("fal", latency=60)
    progress: list[str] = []
    task = asyncio.create_task(
        fal(server).generate(
            GenerationRequest("fal-ai/flux-2-pro", "x"), CallContext(client=client, on_progress=progress.append)
        )
    )
    for _ in range(200):
        await asyncio.sleep(0.02)
        if progress:
            break
    assert progress == ["in fal queue, position 1"]  # the stream is being read
    await cancel_and_expect_fal_cancel(task, server)
    assert server.calls("GET", "/status/stream") and not polls(server)


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
