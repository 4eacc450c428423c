"""Loopback servers that answer as AI judges: OpenAI chat completions and Responses (``judge_openai``), Gemini
generateContent (``judge_gemini``), OpenRouter (``judge_openrouter``) and a compatible endpoint (``judge_compat``).

Each reads the checklist ids out of the question it was sent (the ``- ID: criterion`` lines) and answers every one
with ``verdicts.get(id, "pass")``, wrapped in its wire format; ``script`` still wins, as on every Loopback.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.providers.loopback import Loopback, Recorded, Reply

JUDGE_PREFIX = {"judge_openai": "/v1", "judge_gemini": "/v1beta", "judge_openrouter": "/api/v1", "judge_compat": "/v1"}
_ITEM = re.compile(r"^- (?P<id>[^:\n]+): ", re.M)


def question_text(rec: Recorded) -> str:
    """The text part of a judge request, whatever its wire format."""
    body = rec.json
    if "messages" in body:
        content = body["messages"][-1]["content"]
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    if "input" in body:
        return "".join(p.get("text", "") for p in body["input"][0]["content"])
    return "".join(p.get("text", "") for p in body["contents"][0]["parts"])


def asked_ids(rec: Recorded) -> list[str]:
    return _ITEM.findall(question_text(rec))


def answer_text(ids: list[str], verdicts: dict[str, str]) -> str:
    items = [{"id": i, "verdict": verdicts.get(i, "pass"), "evidence": f"seen for {i}"} for i in ids]
    return json.dumps({"items": items})


def chat_reply(text: str, usage: dict[str, Any] | None = None) -> Reply:
    message = {"role": "assistant", "content": text, "refusal": None}
    return Reply(json={
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": usage or {"prompt_tokens": 900, "completion_tokens": 60, "total_tokens": 960},
    })  # fmt: skip


def responses_reply(text: str) -> Reply:
    return Reply(json={
        "id": "resp_1", "object": "response", "created_at": 1, "status": "completed", "model": "m",
        "output": [{"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                    "content": [{"type": "output_text", "text": text, "annotations": []}]}],
        "usage": {"input_tokens": 900, "output_tokens": 60, "total_tokens": 960},
    })  # fmt: skip


def gemini_reply(text: str) -> Reply:
    return Reply(json={
        "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 900, "candidatesTokenCount": 60, "totalTokenCount": 960},
        "modelVersion": "gemini-2.5-flash",
    })  # fmt: skip


class JudgeLoopback(Loopback):
    def __init__(self, flavour: str, verdicts: dict[str, str] | None = None, **kwargs: Any) -> None:
        self.verdicts = dict(verdicts or {})
        super().__init__(flavour, **kwargs)

    @property
    def base_url(self) -> str:
        return self.url + JUDGE_PREFIX[self.flavour]

    def judge_calls(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST"]

    def _text(self, rec: Recorded) -> str:
        return answer_text(asked_ids(rec), self.verdicts)

    def _install_judge_openai(self) -> None:
        self._route("POST", r"/v1/chat/completions", lambda rec, _m: chat_reply(self._text(rec)))
        self._route("POST", r"/v1/responses", lambda rec, _m: responses_reply(self._text(rec)))

    _install_judge_compat = _install_judge_openai

    def _install_judge_openrouter(self) -> None:
        usage = {"prompt_tokens": 900, "completion_tokens": 60, "total_tokens": 960, "cost": 0.00123}
        self._route("POST", r"/api/v1/chat/completions", lambda rec, _m: chat_reply(self._text(rec), usage))

    def _install_judge_gemini(self) -> None:
        self._route(
            "POST", r"/v1beta/models/(?P<model>[^/:]+):generateContent", lambda rec, _m: gemini_reply(self._text(rec))
        )
