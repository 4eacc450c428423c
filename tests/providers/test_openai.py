"""OpenAI adapter against a loopback server; every request body checked against the official schema."""

from __future__ import annotations

import pytest

from providers.base import CallContext, GenerationRequest, ProviderError, ProviderSettings
from providers.common import wanted
from providers.openai import OpenAIProvider, gpt2_size
from tests.providers.conftest import multipart_as_schema_object, validate_openai
from tests.providers.loopback import Reply


def provider(server, **kw) -> OpenAIProvider:
    return OpenAIProvider(ProviderSettings(base_url=server.base_url, api_key="test-openai-0123456789", **kw))


@pytest.mark.parametrize(
    ("params", "size"),
    [
        ({}, None),
        ({"size": "1536x1024"}, "1536x1024"),
        ({"size": "1000x1000"}, "1008x1008"),
        ({"aspect": "16:9"}, "1360x768"),
        ({"aspect": "9:16", "resolution": "2K"}, "1536x2736"),
        ({"aspect": "16:9", "resolution": "4K"}, "3840x2160"),
        ({"size": "4000x1000"}, "3456x1152"),  # 4:1 pulled back to 3:1, same area
    ],
)
def test_gpt_image_2_sizes(params: dict, size: str | None) -> None:
    got = gpt2_size(wanted(params))
    assert got == size
    if got:
        w, h = map(int, got.split("x"))
        assert w % 16 == 0 and h % 16 == 0 and max(w, h) <= 3840 and w * h <= 3840 * 2160
        assert 1 / 3 <= w / h <= 3


def test_effective_params_per_family() -> None:
    p = OpenAIProvider(ProviderSettings())
    assert p.effective_params("gpt-image-1.5", {"aspect": "9:16", "quality": "hd"}, 0) == {
        "endpoint": "images/generations",
        "size": "1024x1536",
        "quality": "high",
    }
    assert p.effective_params("gpt-image-1-mini", {"aspect": "4:3", "resolution": "2K", "seed": 3}, 1) == {
        "endpoint": "images/edits",
        "size": "1536x1024",
        "ignored": ["resolution", "seed"],
    }
    eff = p.effective_params("gpt-image-2", {"aspect": "1:1", "quality": "low"}, 2)
    assert eff == {"endpoint": "images/edits", "size": "1024x1024", "quality": "low"}  # gpt-image-2: no input_fidelity
    eff = p.effective_params("dall-e-3", {"aspect": "16:9", "quality": "high"}, 0)
    assert eff == {
        "endpoint": "images/generations",
        "size": "1792x1024",
        "quality": "hd",
        "response_format": "b64_json",
    }
    assert "response_format" not in p.effective_params("gpt-image-2", {}, 0)


async def test_generation_json_conforms(servers, client) -> None:
    server = servers("openai")
    result = await provider(server).generate(
        GenerationRequest("gpt-image-2", "a red cube", params={"aspect": "16:9", "quality": "medium"}),
        CallContext(client=client),
    )
    (call,) = server.requests
    assert call.path == "/v1/images/generations"
    assert call.headers["authorization"] == "Bearer test-openai-0123456789"
    assert call.json == {"model": "gpt-image-2", "prompt": "a red cube", "size": "1360x768", "quality": "medium"}
    validate_openai("CreateImageRequest", call.json)
    assert result.images[0].data == server.image and result.images[0].mime == "image/png"
    # 50 text x $5 + 10 image x $8 + 1056 image out x $30 per 1M tokens
    assert result.cost_usd == pytest.approx((50 * 5 + 10 * 8 + 1056 * 30) / 1e6)
    assert result.usage["output_tokens"] == 1056


@pytest.mark.parametrize("model", ["gpt-image-1.5", "gpt-image-1-mini", "dall-e-3"])
async def test_every_model_sends_a_valid_body(servers, client, model: str) -> None:
    server = servers("openai")
    await provider(server).generate(
        GenerationRequest(model, "p", params={"size": "1024x1024", "quality": "high"}), CallContext(client=client)
    )
    validate_openai("CreateImageRequest", server.requests[0].json)


async def test_one_reference_is_image(servers, client, refs) -> None:
    server = servers("openai")
    (ref,) = refs(1)
    await provider(server).generate(
        GenerationRequest("gpt-image-1.5", "make it blue", references=(ref,), params={"aspect": "2:3"}),
        CallContext(client=client),
    )
    call = server.requests[0]
    assert call.path == "/v1/images/edits" and call.headers["content-type"].startswith("multipart/form-data")
    parts = call.form()
    assert [name for name, _, _ in parts if name.startswith("image")] == ["image"]
    assert dict((n, v) for n, v, f in parts if not f) == {
        "model": "gpt-image-1.5",
        "prompt": "make it blue",
        "size": "1024x1536",
        "input_fidelity": "high",
    }
    assert next(v for n, v, f in parts if n == "image") == ref.read()
    validate_openai("CreateImageEditRequest", multipart_as_schema_object(parts))


async def test_several_references_are_image_brackets(servers, client, refs) -> None:
    server = servers("openai")
    many = refs(3)
    await provider(server).generate(
        GenerationRequest("gpt-image-2", "combine", references=many, params={"aspect": "9:16"}),
        CallContext(client=client),
    )
    parts = server.requests[0].form()
    files = [(n, v) for n, v, f in parts if f]
    assert [n for n, _ in files] == ["image[]"] * 3
    assert [v for _, v in files] == [r.read() for r in many]  # order kept: slot 1 is the first image
    validate_openai("CreateImageEditRequest", multipart_as_schema_object(parts))


async def test_mini_gets_no_input_fidelity(servers, client, refs) -> None:
    server = servers("openai")
    await provider(server).generate(
        GenerationRequest("gpt-image-1-mini", "edit", references=refs(1)), CallContext(client=client)
    )
    assert "input_fidelity" not in [n for n, _, _ in server.requests[0].form()]


async def test_dalle3_takes_no_references_and_downloads_urls(servers, client, refs) -> None:
    server = servers("openai")
    with pytest.raises(ProviderError, match="text-to-image only"):
        await provider(server).generate(GenerationRequest("dall-e-3", "x", references=refs(1)), CallContext(client))
    server.script(
        "POST",
        "/v1/images/generations",
        Reply(json={"created": 1, "data": [{"url": f"{server.url}/files/d3.png", "revised_prompt": "A vivid cube"}]}),
    )
    result = await provider(server).generate(GenerationRequest("dall-e-3", "a cube"), CallContext(client=client))
    assert result.revised_prompt == "A vivid cube" and result.images[0].data == server.image
    assert result.cost_usd == 0.04  # standard 1024x1024
    assert server.requests[-1].path == "/files/d3.png"


async def test_moderation_400_is_content_policy(servers, client) -> None:
    server = servers("openai")
    body = {
        "error": {
            "message": "Your request was rejected by the safety system. safety_violations=[sexual].",
            "type": "image_generation_user_error",
            "param": None,
            "code": "moderation_blocked",
        }
    }
    server.script("POST", "/v1/images", Reply(400, body))
    with pytest.raises(ProviderError) as info:
        await provider(server).generate(GenerationRequest("gpt-image-2", "x"), CallContext(client=client))
    err = info.value
    assert (err.kind, err.http_status, err.provider_code, err.retryable) == (
        "content_policy",
        400,
        "moderation_blocked",
        False,
    )
    assert "rejected by the safety system" in err.message


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Reply(body=b"<html>oops</html>", headers={"Content-Type": "text/html"}), "not JSON"),
        (Reply(json={"created": 1, "data": []}), "empty `data`"),
        (Reply(json={"created": 1, "data": [{"b64_json": "%%%not-base64%%%"}]}), "invalid base64"),
        (Reply(json={"created": 1, "data": [{"b64_json": "aGVsbG8gd29ybGQ="}]}), "not a PNG"),
    ],
)
async def test_malformed_answers_are_bad_response(servers, client, reply: Reply, words: str) -> None:
    server = servers("openai")
    server.script("POST", "/v1/images", reply)
    with pytest.raises(ProviderError) as info:
        await provider(server).generate(GenerationRequest("gpt-image-2", "x"), CallContext(client=client))
    assert info.value.kind == "bad_response" and words in info.value.message


def test_available_says_how_to_fix() -> None:
    ok, detail = OpenAIProvider(
        ProviderSettings(key_hint="export OPENAI_API_KEY=… or imgbench keys set openai")
    ).available()
    assert not ok and "OPENAI_API_KEY" in detail
    ok, detail = OpenAIProvider(ProviderSettings(api_key="fake-x", key_source="env:OPENAI_API_KEY")).available()
    assert ok and detail == "key from env:OPENAI_API_KEY" and "fake-x" not in detail


def test_base_url_from_openai_base_url(monkeypatch) -> None:
    from tui.core.config import Config
    from tui.core.registry import build_registry

    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
    assert build_registry(Config(), {}).providers["openai"].settings.base_url == "http://127.0.0.1:1/v1"
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.setenv("IMGBENCH_OPENAI_BASE_URL", "http://127.0.0.1:2/v1")
    assert build_registry(Config(), {}).providers["openai"].settings.base_url == "http://127.0.0.1:2/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")  # both set: imgbench's own variable wins
    assert build_registry(Config(), {}).providers["openai"].settings.base_url == "http://127.0.0.1:2/v1"
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.delenv("IMGBENCH_OPENAI_BASE_URL")
    assert build_registry(Config(), {}).providers["openai"].settings.base_url == "https://api.openai.com/v1"
