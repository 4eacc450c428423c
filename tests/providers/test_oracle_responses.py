"""The vendors' SDKs as response oracles: one loopback server feeds the same answer to the SDK and to imgbench, and
imgbench must read from it what the SDK's own types read (the images' bytes, the revised prompt, the usage), or fail
the way the SDK's fields say it should (a safety finish reason, a blocked prompt).

The answers are the shapes the SDKs' types allow: ``url`` or ``b64_json``, several images, ``revised_prompt``,
no ``usage``, text parts before the image, safety finish reasons. Where imgbench deliberately reads differently
(Gemini's several images: drafts then the answer), the test says so and docs/sdk-differences.md lists it.
"""

from __future__ import annotations

import asyncio
import base64
import urllib.request
from typing import Any

import openai
import pytest
from google import genai
from google.genai import types as gtypes

from providers.base import CallContext, GenerationRequest, GenerationResult, ProviderError, ProviderSettings
from providers.gemini import GeminiProvider
from providers.openai import OpenAIProvider
from providers.openrouter import OpenRouterProvider
from providers.xai import XAIProvider
from tests.providers.loopback import Loopback, Reply, gemini_answer, png_bytes

KEY = "PLANTED-KEY-oracle-answers-0123456789"
RED, BLUE = png_bytes((20, 10), (200, 0, 0)), png_bytes((10, 20), (0, 0, 200))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def imgbench(adapter: Any, model: str) -> GenerationResult | ProviderError:
    async def go() -> GenerationResult:
        from providers.http import make_client

        async with make_client() as client:
            return await adapter.generate(GenerationRequest(model, "a cube"), CallContext(client=client))

    try:
        return asyncio.run(go())
    except ProviderError as exc:
        return exc


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:  # loopback only (the guard fixture checks)
        return answer.read()


def twice(server: Loopback, method: str, prefix: str, reply: Reply) -> None:
    server.script(method, prefix, reply, reply)  # the SDK's call, then imgbench's


# -- OpenAI Images (OpenAI and xAI) ---------------------------------------------------------------------------
def images_answers(server: Loopback) -> dict[str, dict[str, Any]]:
    server.files["red.png"] = Reply(body=RED, headers={"Content-Type": "image/png"})
    server.files["blue.png"] = Reply(body=BLUE, headers={"Content-Type": "image/png"})
    usage = {"input_tokens": 12, "input_tokens_details": {"text_tokens": 12, "image_tokens": 0},
             "output_tokens": 272, "output_tokens_details": {"image_tokens": 272, "text_tokens": 0},
             "total_tokens": 284}  # fmt: skip
    return {
        "b64_json": {"created": 1, "data": [{"b64_json": b64(RED)}], "usage": usage},
        "url": {"created": 1, "data": [{"url": f"{server.url}/files/red.png"}]},
        "several": {"created": 1, "data": [{"b64_json": b64(RED)}, {"b64_json": b64(BLUE)}], "usage": usage},
        "revised_prompt": {"created": 1, "data": [{"b64_json": b64(BLUE), "revised_prompt": "A blue cube, lit."}]},
        "no_usage": {"created": 1, "data": [{"b64_json": b64(RED)}]},
        "url_and_revised": {
            "created": 1,
            "data": [{"url": f"{server.url}/files/blue.png", "revised_prompt": "A cube."}],
        },
    }


IMAGES_VARIANTS = ["b64_json", "url", "several", "revised_prompt", "no_usage", "url_and_revised"]


def sdk_images(answer: openai.types.ImagesResponse) -> tuple[list[bytes], str | None, dict[str, Any] | None]:
    images = [base64.b64decode(d.b64_json) if d.b64_json else fetch(d.url) for d in answer.data or []]
    revised = next((d.revised_prompt for d in answer.data or [] if d.revised_prompt), None)
    return images, revised, answer.usage.model_dump(exclude_none=True) if answer.usage else None


@pytest.mark.parametrize("variant", IMAGES_VARIANTS)
@pytest.mark.parametrize(
    ("flavour", "adapter", "model"),
    [("openai", OpenAIProvider, "gpt-image-2"), ("xai", XAIProvider, "grok-imagine-image")],
)
def test_images_answers_read_as_the_openai_sdk_reads_them(servers, flavour, adapter, model, variant) -> None:
    server = servers(flavour)
    twice(server, "POST", "/v1/images", Reply(json=images_answers(server)[variant]))
    sdk = openai.OpenAI(api_key=KEY, base_url=server.base_url, max_retries=0).images.generate(model=model, prompt="x")
    ours = imgbench(adapter(ProviderSettings(base_url=server.base_url, api_key=KEY)), model)
    assert isinstance(ours, GenerationResult), ours
    images, revised, usage = sdk_images(sdk)
    assert [img.data for img in ours.images] == images
    assert ours.revised_prompt == revised
    assert ours.usage == usage


# -- Gemini (google-genai) --------------------------------------------------------------------------------------
def gemini_sdk(server: Loopback) -> gtypes.GenerateContentResponse:
    http = gtypes.HttpOptions(base_url=server.url, api_version="v1beta")
    client = genai.Client(api_key=KEY, http_options=http)  # kept: a collected Client closes its transport
    return client.models.generate_content(
        model="gemini-3-pro-image-preview",
        contents="x",
        config=gtypes.GenerateContentConfig(response_modalities=["TEXT", "IMAGE"]),
    )


def gemini_imgbench(server: Loopback) -> GenerationResult | ProviderError:
    return imgbench(GeminiProvider(ProviderSettings(base_url=server.base_url, api_key=KEY)),
                    "gemini-3-pro-image-preview")  # fmt: skip


def inline(data: bytes, **extra: Any) -> dict[str, Any]:
    return {"inlineData": {"mimeType": "image/png", "data": b64(data)}, **extra}


@pytest.mark.parametrize(
    "parts",
    [
        [inline(RED)],
        [{"text": "Here is your cube."}, inline(RED)],  # text before the image
        [{"text": "Sketching first.", "thought": True}, inline(BLUE, thought=True), inline(RED)],
    ],
    ids=["image", "text-then-image", "thought-draft-then-image"],
)
def test_gemini_answers_read_as_google_genai_reads_them(servers, parts) -> None:
    server = servers("gemini")
    twice(server, "POST", "/v1beta/models", Reply(json=gemini_answer(parts)))
    sdk, ours = gemini_sdk(server), gemini_imgbench(server)
    assert isinstance(ours, GenerationResult), ours
    answer = [p.inline_data.data for p in sdk.parts or [] if p.inline_data and not p.thought]
    assert [img.data for img in ours.images] == answer  # a thought image is a draft for both
    assert ours.usage["candidatesTokenCount"] == sdk.usage_metadata.candidates_token_count


def test_gemini_several_answer_images_imgbench_keeps_the_last(servers) -> None:
    """A listed difference: the SDK hands back every image part; imgbench keeps the last non-thought one (Gemini 3
    can send interim images before the final one, and one output a model keeps the comparison fair)."""
    server = servers("gemini")
    twice(server, "POST", "/v1beta/models", Reply(json=gemini_answer([inline(BLUE), {"text": "and"}, inline(RED)])))
    sdk, ours = gemini_sdk(server), gemini_imgbench(server)
    assert [p.inline_data.data for p in sdk.parts if p.inline_data] == [BLUE, RED]
    assert [img.data for img in ours.images] == [RED]


def test_gemini_missing_usage_is_none_for_both(servers) -> None:
    server = servers("gemini")
    answer = gemini_answer([inline(RED)])
    del answer["usageMetadata"]
    twice(server, "POST", "/v1beta/models", Reply(json=answer))
    sdk, ours = gemini_sdk(server), gemini_imgbench(server)
    assert sdk.usage_metadata is None and isinstance(ours, GenerationResult)
    assert ours.usage is None and ours.cost_usd is None


@pytest.mark.parametrize("reason", ["IMAGE_SAFETY", "SAFETY", "PROHIBITED_CONTENT", "IMAGE_PROHIBITED_CONTENT"])
def test_gemini_safety_finish_reasons_fail_as_the_sdk_reports_them(servers, reason: str) -> None:
    server = servers("gemini")
    answer = {"candidates": [{"finishReason": reason, "index": 0}], "modelVersion": "gemini-3-pro-image-preview"}
    twice(server, "POST", "/v1beta/models", Reply(json=answer))
    sdk, ours = gemini_sdk(server), gemini_imgbench(server)
    assert sdk.parts is None and sdk.candidates[0].finish_reason.name == reason
    assert isinstance(ours, ProviderError)
    assert (ours.kind, ours.provider_code, ours.http_status) == ("content_policy", reason, 200)


def test_gemini_prompt_block_fails_as_the_sdk_reports_it(servers) -> None:
    server = servers("gemini")
    twice(server, "POST", "/v1beta/models", Reply(json={"promptFeedback": {"blockReason": "OTHER"}}))
    sdk, ours = gemini_sdk(server), gemini_imgbench(server)
    assert sdk.candidates is None and sdk.prompt_feedback.block_reason.name == "OTHER"
    assert isinstance(ours, ProviderError)
    assert (ours.kind, ours.provider_code, ours.http_status) == ("content_policy", "OTHER", 200)


# -- OpenRouter (the OpenAI SDK at OpenRouter) --------------------------------------------------------------------
def openrouter_answer(images: list[bytes], *, content: str = "", finish: str = "stop", usage: bool = True) -> dict:
    message = {
        "role": "assistant",
        "content": content,
        "images": [{"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64(i)}"}} for i in images],
    }
    out: dict[str, Any] = {
        "id": "gen-1",
        "object": "chat.completion",
        "created": 1,
        "model": "google/gemini-3-pro-image-preview",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
    }
    if usage:
        out["usage"] = {"prompt_tokens": 5, "completion_tokens": 1290, "total_tokens": 1295, "cost": 0.04}
    return out


def openrouter_both(server: Loopback, answer: dict) -> tuple[Any, GenerationResult | ProviderError]:
    twice(server, "POST", "/api/v1/chat", Reply(json=answer))
    model = "google/gemini-3-pro-image-preview"
    sdk = openai.OpenAI(api_key=KEY, base_url=server.base_url, max_retries=0).chat.completions.create(
        model=model, messages=[{"role": "user", "content": "x"}], extra_body={"modalities": ["image", "text"]}
    )
    return sdk, imgbench(OpenRouterProvider(ProviderSettings(base_url=server.base_url, api_key=KEY)), model)


def sdk_chat_images(sdk: Any) -> list[bytes]:
    # `images` is OpenRouter's extension: the SDK's message model keeps it as an extra field.
    extra = sdk.choices[0].message.model_extra or {}
    return [base64.b64decode(i["image_url"]["url"].split(",", 1)[1]) for i in extra.get("images") or []]


@pytest.mark.parametrize(
    "answer",
    [
        openrouter_answer([RED]),
        openrouter_answer([RED], content="Here is the cube you asked for."),  # text before the image
        openrouter_answer([RED, BLUE]),
        openrouter_answer([BLUE], usage=False),
    ],
    ids=["image", "text-then-image", "several", "no-usage"],
)
def test_openrouter_answers_read_as_the_openai_sdk_reads_them(servers, answer) -> None:
    sdk, ours = openrouter_both(servers("openrouter"), answer)
    assert isinstance(ours, GenerationResult), ours
    assert [img.data for img in ours.images] == sdk_chat_images(sdk)
    assert ours.usage == (sdk.usage.model_dump(exclude_none=True) if sdk.usage else None)


def test_openrouter_content_filter_finish_fails_as_the_sdk_reports_it(servers) -> None:
    sdk, ours = openrouter_both(servers("openrouter"), openrouter_answer([], finish="content_filter"))
    assert sdk.choices[0].finish_reason == "content_filter" and not sdk_chat_images(sdk)
    assert isinstance(ours, ProviderError) and ours.kind == "content_policy" and ours.http_status == 200
