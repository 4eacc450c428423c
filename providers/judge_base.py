"""What every AI judge wire format shares: the question it is asked, the instructions, the answer's JSON schema,
and reading the answer back (strictly: a judge's words are a provider's answer, hostile until checked).

A judge is shown the output image (pixels only), the references of an edit case, the prompt the image was made
for and the checklist items to answer: never a model, provider, file or session name.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from providers.base import CallContext, ProviderError, ProviderSettings

PROMPT_VERSION = "1"
JUDGE_VERDICTS = ("pass", "fail", "partial", "na")
MAX_ANSWER_BYTES = 2 * 1024 * 1024  # a checklist answer is a few hundred bytes; more is not an answer
MAX_EVIDENCE = 300  # characters of evidence kept per item

INSTRUCTIONS = (
    "You are a strict, careful judge of generated images. You are shown one generated image (the first image), "
    "for an edit also the reference images it was made from (after it, in order), the prompt it was made for, "
    "and a checklist. For each checklist item decide whether the generated image meets it: "
    '"pass" (fully met), "partial" (partly met), "fail" (not met) or "na" (the item cannot apply to this image). '
    "Judge only what is visible; do not guess who or what made the image. Give one short sentence of evidence "
    "per item, naming what you see. Answer every item exactly once, by its id, as JSON matching the schema."
)

ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "verdict": {"type": "string", "enum": list(JUDGE_VERDICTS)},
                    "evidence": {"type": "string"},
                },
                "required": ["id", "verdict", "evidence"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["items"],
    "additionalProperties": False,
}
SCHEMA_NAME = "checklist_verdicts"


def prompt_hash() -> str:
    """What identifies the judge's instructions: a new wording or schema is a new judge (and a new cache)."""
    text = json.dumps([PROMPT_VERSION, INSTRUCTIONS, ANSWER_SCHEMA], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class JudgeImage:
    data: bytes  # a bare PNG (no metadata): the pixels only
    mime: str = "image/png"


@dataclass(frozen=True)
class Question:
    id: str
    criterion: str


@dataclass(frozen=True)
class JudgeRequest:
    model: str  # the provider's own model name (after "provider:")
    prompt: str  # what the image was generated for
    questions: tuple[Question, ...]
    image: JudgeImage
    references: tuple[JudgeImage, ...] = ()


@dataclass
class ItemAnswer:
    verdict: str
    evidence: str


@dataclass
class JudgeAnswer:
    items: dict[str, ItemAnswer]
    raw: str  # the model's text as received (the caller redacts, sanitises and caps it)
    usage: dict[str, Any] | None = None
    cost_usd: float | None = None
    missing: list[str] = field(default_factory=list)  # asked, not answered (or answered unreadably)
    problems: list[str] = field(default_factory=list)  # one line each: what was wrong with the answer


class Judge(Protocol):
    name: str
    settings: ProviderSettings
    demo: bool

    def available(self) -> tuple[bool, str]: ...

    async def judge(self, request: JudgeRequest, ctx: CallContext) -> JudgeAnswer: ...


def user_text(request: JudgeRequest) -> str:
    """The question as text: the prompt and the items, numbered by their ids. No names of any kind."""
    lines = [
        "Prompt the image was generated for:",
        request.prompt,
        "",
        f"Reference images shown after the generated image: {len(request.references)}."
        if request.references
        else "No reference images.",
        "",
        "Checklist (answer each id):",
    ]
    lines += [f"- {q.id}: {q.criterion}" for q in request.questions]
    return "\n".join(lines)


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.S)
_ALIASES = {"n/a": "na", "not applicable": "na", "n.a.": "na"}


def _verdict(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    word = value.strip().lower()
    word = _ALIASES.get(word, word)
    return word if word in JUDGE_VERDICTS else None


def parse_answer(text: str, asked: Mapping[str, str] | list[str] | tuple[str, ...], who: str) -> JudgeAnswer:
    """The verdicts in a judge's text. An answer that is not the JSON asked for raises a clear ``bad_response``;
    one that is JSON but leaves items unanswered (or answers them with words that are not verdicts) keeps what it
    did answer and names the rest in ``missing`` / ``problems``."""
    wanted = list(asked)
    if not isinstance(text, str) or not text.strip():
        raise ProviderError("bad_response", f"{who} answered with no text", http_status=200)
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1)
    try:
        data = json.loads(body)
    except ValueError:
        start, end = body.find("{"), body.rfind("}")
        try:
            data = json.loads(body[start : end + 1]) if 0 <= start < end else None
        except ValueError:
            data = None
        if data is None:
            excerpt = " ".join(body.split())[:80]
            raise ProviderError(
                "bad_response", f"{who} answered with text that is not the JSON asked for: {excerpt!r}", http_status=200
            ) from None
    entries = data.get("items") if isinstance(data, dict) else data
    if isinstance(entries, dict):  # {"c1": {"verdict": …}} or {"c1": "pass"}
        entries = [{"id": k, **(v if isinstance(v, dict) else {"verdict": v})} for k, v in entries.items()]
    if not isinstance(entries, list):
        raise ProviderError("bad_response", f"{who} answered JSON without an `items` list", http_status=200)
    answer = JudgeAnswer({}, text)
    for entry in entries:
        if not isinstance(entry, dict):
            answer.problems.append("an item that is not an object")
            continue
        item_id = entry.get("id")
        if not isinstance(item_id, str) or item_id not in wanted:
            answer.problems.append(f"an answer for {str(item_id)[:40]!r}, which was not asked")
            continue
        if item_id in answer.items:
            answer.problems.append(f"{item_id} answered twice (the first answer kept)")
            continue
        verdict = _verdict(entry.get("verdict"))
        if verdict is None:
            answer.problems.append(f"{item_id}: {str(entry.get('verdict'))[:40]!r} is not a verdict")
            continue
        evidence = entry.get("evidence")
        answer.items[item_id] = ItemAnswer(verdict, evidence if isinstance(evidence, str) else "")
    answer.missing = [i for i in wanted if i not in answer.items]
    return answer
