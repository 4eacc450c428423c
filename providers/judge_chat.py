"""An AI judge over OpenAI chat completions with image input: OpenAI, OpenRouter, xAI and any OpenAI-compatible
endpoint (``[endpoints.NAME]``). The answer is asked for as structured JSON (``response_format`` json_schema).
OpenAI's Responses API, the other shape it offers for the same thing, is ``ResponsesJudge``."""

from __future__ import annotations

import base64
from typing import Any

from providers import pricing
from providers.base import CallContext, ProviderError, ProviderSettings
from providers.common import base_url_of, client_for, key_state
from providers.http import json_body, send
from providers.judge_base import (
    ANSWER_SCHEMA,
    INSTRUCTIONS,
    MAX_ANSWER_BYTES,
    SCHEMA_NAME,
    JudgeAnswer,
    JudgeImage,
    JudgeRequest,
    parse_answer,
    user_text,
)


def image_uri(image: JudgeImage) -> str:
    return f"data:{image.mime};base64,{base64.b64encode(image.data).decode('ascii')}"


def images_of(request: JudgeRequest) -> list[JudgeImage]:
    """The generated image first, then the references in their order (what ``user_text`` says)."""
    return [request.image, *request.references]


class _HttpJudge:
    demo = False
    needs_key = True

    def __init__(self, name: str, settings: ProviderSettings, default_base_url: str = "") -> None:
        self.name = name
        self.settings = settings
        self.default_base_url = default_base_url

    @property
    def base_url(self) -> str:
        return base_url_of(self.settings, self.default_base_url)

    def available(self) -> tuple[bool, str]:
        return key_state(self.settings, self.name, needs_key=self.needs_key)

    def headers(self) -> dict[str, str]:
        if self.settings.api_key:
            return {"Authorization": f"Bearer {self.settings.api_key}"}
        if self.needs_key:
            raise ProviderError("auth", f"no API key for {self.name}: {self.available()[1]}")
        return {}

    async def post(self, path: str, body: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
        async with client_for(ctx) as client:
            response = await send(
                client, "POST", f"{self.base_url}/{path}", provider=self.name, headers=self.headers(), json=body,
                on_first_byte=ctx.on_first_byte, max_bytes=MAX_ANSWER_BYTES,
            )  # fmt: skip
        return json_body(response, self.name)

    def cost(self, model: str, usage: dict[str, Any] | None) -> float | None:
        """OpenRouter says what a call cost; elsewhere tokens x the price table, or unknown."""
        if not usage:
            return None
        said = usage.get("cost")
        if isinstance(said, int | float) and not isinstance(said, bool) and said >= 0:
            return float(said)
        inp = usage.get("prompt_tokens", usage.get("input_tokens"))
        out = usage.get("completion_tokens", usage.get("output_tokens"))
        if not isinstance(inp, int) or not isinstance(out, int):
            return None
        # A vision model bills the image as input tokens at the text input rate.
        return pricing.cost_from_tokens(self.name, model, {"text_input": inp, "text_output": out})


class ChatJudge(_HttpJudge):
    """``POST {base}/chat/completions``: a system message, then the text and the images as ``image_url`` parts."""

    def body(self, request: JudgeRequest) -> dict[str, Any]:
        content: list[dict[str, Any]] = [{"type": "text", "text": user_text(request)}]
        content += [{"type": "image_url", "image_url": {"url": image_uri(im)}} for im in images_of(request)]
        return {
            "model": request.model,
            "messages": [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": content}],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": ANSWER_SCHEMA},
            },
            "temperature": 0,
        }

    async def judge(self, request: JudgeRequest, ctx: CallContext) -> JudgeAnswer:
        data = await self.post("chat/completions", self.body(request), ctx)
        if isinstance(data.get("error"), dict):  # OpenRouter: an upstream failure with HTTP 200
            message = str(data["error"].get("message") or "the upstream model failed")
            raise ProviderError("server", f"{self.name}: {message[:300]}", http_status=200)
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise ProviderError("bad_response", f"{self.name} answered without choices", http_status=200)
        message = choices[0].get("message") if isinstance(choices[0].get("message"), dict) else {}
        if isinstance(message.get("refusal"), str) and message["refusal"]:
            raise ProviderError(
                "content_policy", f"{self.name} refused to judge: {message['refusal'][:300]}", http_status=200
            )
        text = message.get("content")
        if isinstance(text, list):  # some gateways send content parts even for text
            text = "".join(p.get("text", "") for p in text if isinstance(p, dict) and isinstance(p.get("text"), str))
        answer = parse_answer(text if isinstance(text, str) else "", [q.id for q in request.questions], self.name)
        answer.usage = data.get("usage") if isinstance(data.get("usage"), dict) else None
        answer.cost_usd = self.cost(request.model, answer.usage)
        return answer


class OpenRouterJudge(ChatJudge):
    """Chat completions; every answer carries usage.cost (no `usage.include`: deprecated, as the image adapter
    found with OpenRouter's own SDK), and the app's name under the header that SDK sends."""

    def headers(self) -> dict[str, str]:
        return {**super().headers(), "X-OpenRouter-Title": "imgbench"}


class ResponsesJudge(_HttpJudge):
    """OpenAI's ``POST {base}/responses``: ``instructions``, ``input_text`` and ``input_image`` parts, and the schema
    as ``text.format``; the answer is the ``output_text`` of the ``message`` output items."""

    def body(self, request: JudgeRequest) -> dict[str, Any]:
        content: list[dict[str, Any]] = [{"type": "input_text", "text": user_text(request)}]
        content += [{"type": "input_image", "image_url": image_uri(im)} for im in images_of(request)]
        return {
            "model": request.model,
            "instructions": INSTRUCTIONS,
            "input": [{"role": "user", "content": content}],
            "text": {"format": {"type": "json_schema", "name": SCHEMA_NAME, "strict": True, "schema": ANSWER_SCHEMA}},
            "temperature": 0,
        }

    async def judge(self, request: JudgeRequest, ctx: CallContext) -> JudgeAnswer:
        data = await self.post("responses", self.body(request), ctx)
        texts, refusal = [], ""
        for item in data.get("output") or []:
            if not isinstance(item, dict) or item.get("type") != "message":
                continue
            for part in item.get("content") or []:
                if isinstance(part, dict) and part.get("type") == "output_text" and isinstance(part.get("text"), str):
                    texts.append(part["text"])
                elif isinstance(part, dict) and part.get("type") == "refusal":
                    refusal = str(part.get("refusal") or "refused")
        if refusal and not texts:
            raise ProviderError("content_policy", f"{self.name} refused to judge: {refusal[:300]}", http_status=200)
        if data.get("status") not in (None, "completed") and not texts:
            reason = (data.get("incomplete_details") or {}).get("reason") if isinstance(data, dict) else None
            raise ProviderError(
                "bad_response", f"{self.name}: the response is {data.get('status')} ({reason or 'no reason'})"
            )
        answer = parse_answer("".join(texts), [q.id for q in request.questions], self.name)
        answer.usage = data.get("usage") if isinstance(data.get("usage"), dict) else None
        answer.cost_usd = self.cost(request.model, answer.usage)
        return answer
