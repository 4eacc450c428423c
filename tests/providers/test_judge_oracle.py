"""The judge wire formats against the vendors' official SDKs as request oracles: the same logical question (one
output, an edit's two references, three checklist items) sent by the SDK and by imgbench's judge adapter to one
recording loopback server, compared after tests.providers.oracle's normalisation; every remaining difference is
listed with its reason. The answers each SDK's server shape carries are read back into verdicts."""

from __future__ import annotations

import asyncio
from typing import Any

import openai
import pytest
from google import genai
from google.genai import types as gtypes

from providers.base import CallContext, ProviderSettings
from providers.judge_base import ANSWER_SCHEMA, INSTRUCTIONS, SCHEMA_NAME, JudgeImage, JudgeRequest, Question, user_text
from providers.judge_chat import ChatJudge, OpenRouterJudge, ResponsesJudge, image_uri
from providers.judge_gemini import RESPONSE_SCHEMA, GeminiJudge
from tests.providers.judge_loopback import JudgeLoopback
from tests.providers.loopback import png_bytes
from tests.providers.oracle import assert_same, differences

KEY = "PLANTED-KEY-judge-0123456789"
ACCEPT = {
    "header.accept: SDK 'application/json', imgbench '*/*'": "imgbench reads any answer and classifies a non-JSON "
    "one itself (HTML error pages from proxies); the APIs answer JSON either way",
}
REQUEST = JudgeRequest(
    model="vision-model-1",
    prompt="a red cube on a wooden table, the reference's lighting",
    questions=(Question("c1", "A red cube"), Question("c2", "A wooden table"), Question("c3", "Soft lighting")),
    image=JudgeImage(png_bytes((40, 30), (200, 20, 20))),
    references=(JudgeImage(png_bytes((32, 32), (90, 60, 30))), JudgeImage(png_bytes((30, 20), (10, 10, 10)))),
)


@pytest.fixture
def judge_server():
    started: list[JudgeLoopback] = []

    def start(flavour: str, **kwargs: Any) -> JudgeLoopback:
        server = JudgeLoopback(flavour, **kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def ask(judge: Any) -> Any:
    async def go() -> Any:
        from providers.http import make_client

        async with make_client() as client:
            return await judge.judge(REQUEST, CallContext(client=client))

    return asyncio.run(go())


def chat_content() -> list[dict[str, Any]]:
    images = [REQUEST.image, *REQUEST.references]
    return [{"type": "text", "text": user_text(REQUEST)}] + [
        {"type": "image_url", "image_url": {"url": image_uri(im)}} for im in images
    ]


def chat_sdk(client: openai.OpenAI, **extra: Any) -> None:
    client.chat.completions.create(
        model=REQUEST.model,
        messages=[{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": chat_content()}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": ANSWER_SCHEMA},
        },
        temperature=0,
        **extra,
    )


def _verdicts(answer: Any) -> dict[str, str]:
    return {k: v.verdict for k, v in answer.items.items()}


def test_openai_chat_judge_matches_the_sdk(judge_server) -> None:
    server = judge_server("judge_openai", verdicts={"c2": "fail", "c3": "partial"})
    chat_sdk(openai.OpenAI(api_key=KEY, base_url=server.base_url, max_retries=0))
    answer = ask(ChatJudge("openai", ProviderSettings(base_url=server.base_url, api_key=KEY)))
    sdk, ours = server.judge_calls()[-2:]
    assert_same(sdk, ours, ACCEPT)
    assert _verdicts(answer) == {"c1": "pass", "c2": "fail", "c3": "partial"}
    assert answer.items["c2"].evidence == "seen for c2"


def test_openai_responses_judge_matches_the_sdk(judge_server) -> None:
    server = judge_server("judge_openai", verdicts={"c1": "na"})
    images = [REQUEST.image, *REQUEST.references]
    content = [{"type": "input_text", "text": user_text(REQUEST)}]
    content += [{"type": "input_image", "image_url": image_uri(im), "detail": "auto"} for im in images]
    openai.OpenAI(api_key=KEY, base_url=server.base_url, max_retries=0).responses.create(
        model=REQUEST.model,
        instructions=INSTRUCTIONS,
        input=[{"role": "user", "content": content}],
        text={"format": {"type": "json_schema", "name": SCHEMA_NAME, "strict": True, "schema": ANSWER_SCHEMA}},
        temperature=0,
    )
    answer = ask(ResponsesJudge("openai", ProviderSettings(base_url=server.base_url, api_key=KEY)))
    sdk, ours = server.judge_calls()[-2:]
    detail = {
        f"body.input[0].content[{i}].detail: only the SDK sends it ('auto')": "the SDK's types require `detail` on "
        "an input_image; the API's default is auto, which imgbench leaves to it"
        for i in range(1, 4)
    }
    assert_same(sdk, ours, {**ACCEPT, **detail})
    assert _verdicts(answer) == {"c1": "na", "c2": "pass", "c3": "pass"}


def test_openrouter_judge_matches_the_openai_sdk_at_openrouter(judge_server) -> None:
    server = judge_server("judge_openrouter", verdicts={"c3": "fail"})
    client = openai.OpenAI(api_key=KEY, base_url=server.base_url, max_retries=0)
    chat_sdk(client, extra_headers={"X-OpenRouter-Title": "imgbench"})
    answer = ask(OpenRouterJudge("openrouter", ProviderSettings(base_url=server.base_url, api_key=KEY)))
    sdk, ours = server.judge_calls()[-2:]
    assert_same(sdk, ours, ACCEPT)
    assert _verdicts(answer)["c3"] == "fail" and answer.cost_usd == pytest.approx(0.00123)


def test_compatible_endpoint_judge_needs_no_key_on_loopback_and_speaks_chat(judge_server) -> None:
    from providers.judge_catalog import make_judge

    server = judge_server("judge_compat")
    chat_sdk(openai.OpenAI(api_key="unused", base_url=server.base_url, max_retries=0))
    judge = make_judge("local", ProviderSettings(base_url=server.base_url), "chat", endpoint=True)
    assert judge.available()[0]
    answer = ask(judge)
    sdk, ours = server.judge_calls()[-2:]
    no_key = {"header.authorization: only the SDK sends it ('Bearer unused')": "a local endpoint without a key "
              "gets no Authorization header; the SDK cannot send none"}  # fmt: skip
    assert_same(sdk, ours, {**ACCEPT, **no_key})
    assert _verdicts(answer) == {"c1": "pass", "c2": "pass", "c3": "pass"}


def test_gemini_judge_matches_google_genai(judge_server) -> None:
    server = judge_server("judge_gemini", verdicts={"c1": "fail"})
    http = gtypes.HttpOptions(base_url=server.url, api_version="v1beta")
    sdk_client = genai.Client(api_key=KEY, http_options=http)  # kept: a collected Client closes its transport
    parts = [gtypes.Part(text=user_text(REQUEST))]
    parts += [gtypes.Part.from_bytes(data=im.data, mime_type=im.mime) for im in (REQUEST.image, *REQUEST.references)]
    sdk_client.models.generate_content(
        model=REQUEST.model,
        contents=[gtypes.Content(role="user", parts=parts)],
        config=gtypes.GenerateContentConfig(
            system_instruction=INSTRUCTIONS,
            temperature=0,
            response_mime_type="application/json",
            response_schema=gtypes.Schema.model_validate(RESPONSE_SCHEMA),
        ),
    )
    answer = ask(GeminiJudge("gemini", ProviderSettings(base_url=server.base_url, api_key=KEY)))
    sdk, ours = server.judge_calls()[-2:]
    got = differences(sdk, ours)
    spelled = [d for d in got if ".inlineData: only the SDK" in d or ".inline_data: only imgbench" in d]
    assert len(spelled) == 2 * 3, got  # the output and two references
    expected = dict.fromkeys(spelled, "proto3 JSON takes both spellings (as the image adapter's oracle notes)")
    expected.update(_gemini_known())
    assert_same(sdk, ours, expected)
    assert _verdicts(answer) == {"c1": "fail", "c2": "pass", "c3": "pass"}


def _gemini_known() -> dict[str, str]:
    """The other differences from google-genai, each with its reason."""
    ordering = "body.generationConfig.responseSchema.properties.items.items."
    return {
        f"{ordering}property_ordering: only the SDK sends it (['id', 'verdict', 'evidence'])": "proto3 JSON: the "
        "same field, property_ordering (the SDK) or propertyOrdering (imgbench, as the REST docs write it)",
        f"{ordering}propertyOrdering: only imgbench sends it (['id', 'verdict', 'evidence'])": "the same field",
        "body.systemInstruction.role: only the SDK sends it ('user')": "the SDK marks the system instruction's role "
        "as user; the REST docs give the instruction without one",
    }
