"""An AI judge over Gemini ``models/{model}:generateContent``: the instructions as ``systemInstruction``, the text
and images as parts, and the answer asked for as JSON with ``responseMimeType`` and ``responseSchema``."""

from __future__ import annotations

import base64
from typing import Any

from providers import pricing
from providers.base import CallContext, ProviderError
from providers.judge_base import INSTRUCTIONS, JUDGE_VERDICTS, JudgeAnswer, JudgeRequest, parse_answer, user_text
from providers.judge_chat import _HttpJudge, images_of

# Gemini's Schema object (an OpenAPI subset): upper-case types, no additionalProperties.
RESPONSE_SCHEMA: dict[str, Any] = {
    "type": "OBJECT",
    "properties": {
        "items": {
            "type": "ARRAY",
            "items": {
                "type": "OBJECT",
                "properties": {
                    "id": {"type": "STRING"},
                    "verdict": {"type": "STRING", "enum": list(JUDGE_VERDICTS), "format": "enum"},
                    "evidence": {"type": "STRING"},
                },
                "required": ["id", "verdict", "evidence"],
                # Gemini orders properties alphabetically unless told: id first, the evidence after the verdict.
                "propertyOrdering": ["id", "verdict", "evidence"],
            },
        }
    },
    "required": ["items"],
}
BLOCKED = {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "IMAGE_SAFETY", "RECITATION"}


class GeminiJudge(_HttpJudge):
    def headers(self) -> dict[str, str]:
        if not self.settings.api_key:
            raise ProviderError("auth", f"no API key for {self.name}: {self.available()[1]}")
        return {"x-goog-api-key": self.settings.api_key}  # a header, never ?key=: URLs end up in logs

    def body(self, request: JudgeRequest) -> dict[str, Any]:
        parts: list[dict[str, Any]] = [{"text": user_text(request)}]
        parts += [
            {"inline_data": {"mime_type": im.mime, "data": base64.b64encode(im.data).decode()}}
            for im in images_of(request)
        ]
        return {
            "contents": [{"role": "user", "parts": parts}],
            "systemInstruction": {"parts": [{"text": INSTRUCTIONS}]},
            "generationConfig": {
                "temperature": 0,
                "responseMimeType": "application/json",
                "responseSchema": RESPONSE_SCHEMA,
            },
        }

    async def judge(self, request: JudgeRequest, ctx: CallContext) -> JudgeAnswer:
        data = await self.post(f"models/{request.model}:generateContent", self.body(request), ctx)
        block = (data.get("promptFeedback") or {}).get("blockReason") if isinstance(data, dict) else None
        if block:
            raise ProviderError("content_policy", f"Gemini blocked the question ({block})", http_status=200)
        candidates = data.get("candidates")
        if not isinstance(candidates, list) or not candidates or not isinstance(candidates[0], dict):
            raise ProviderError("bad_response", "Gemini answered without any candidate", http_status=200)
        candidate = candidates[0]
        reason = str(candidate.get("finishReason") or "")
        if reason in BLOCKED:
            raise ProviderError("content_policy", f"Gemini stopped with finishReason {reason}", http_status=200)
        content = candidate.get("content") if isinstance(candidate.get("content"), dict) else {}
        texts = [
            p["text"]
            for p in content.get("parts") or []
            if isinstance(p, dict) and not p.get("thought") and isinstance(p.get("text"), str)
        ]
        answer = parse_answer("".join(texts), [q.id for q in request.questions], self.name)
        usage = data.get("usageMetadata") if isinstance(data.get("usageMetadata"), dict) else None
        answer.usage = usage
        if usage and isinstance(usage.get("promptTokenCount"), int):
            out = (usage.get("candidatesTokenCount") or 0) + (usage.get("thoughtsTokenCount") or 0)
            answer.cost_usd = pricing.cost_from_tokens(
                self.name, request.model, {"text_input": usage["promptTokenCount"], "text_output": int(out)}
            )
        return answer
