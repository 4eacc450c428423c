"""Pinned: each layer of the key redaction alone, so either can break without the other hiding it.

The HTTP layer redacts a provider's answer before cutting it to length (a cut can leave too little of a key to
recognise); the runner scrubs again whatever an adapter lets through, in errors, retries, progress lines and the
words of a successful answer. Here an adapter the test controls says the key outright, with no HTTP layer.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from providers.base import GenerationResult, ImageData, ProviderError
from providers.http import raise_for_status
from providers.openai import OpenAIProvider
from tests.providers.conftest import FAST_RETRY, KEY_ENV
from tests.providers.loopback import png_bytes
from tui.core.compose import CaseSpec, SessionSpec, build_session
from tui.core.context import Context
from tui.core.runner import RunEvent, Runner

KEY = "PLANTED-layer-0123456789abcdef"


def _error_of(body: bytes, content_type: str) -> ProviderError:
    request = httpx.Request(
        "POST", "https://api.openai.com/v1/images/generations", headers={"Authorization": f"Bearer {KEY}"}
    )
    with pytest.raises(ProviderError) as info:
        raise_for_status(
            httpx.Response(500, content=body, headers={"content-type": content_type}, request=request), "openai"
        )
    return info.value


@pytest.mark.parametrize("kept", [4, 7])
def test_a_key_the_length_cut_would_split_is_redacted_before_the_cut(kept: int) -> None:
    """300 characters are kept of a plain body; a key straddling the cut would leave ``kept`` of its characters,
    too few for a second redaction after the cut to recognise."""
    body = ("x" * (300 - kept) + KEY + " and more").encode()
    message = _error_of(body, "text/plain").message
    assert KEY[:kept] not in message and message.startswith("xxx"), message
    assert len(message) <= 300


def test_a_key_in_a_moderation_excerpt_is_redacted_before_its_cut() -> None:
    raw = "y" * 295 + KEY
    body = f'{{"error": {{"message": "flagged", "metadata": {{"raw": "{raw}"}}}}}}'.encode()
    message = _error_of(body, "application/json").message
    assert message.startswith("flagged: yyy") and KEY[:5] not in message, message


class _Leaky:
    """What an adapter that lets the key through would do: say it in every field it can."""

    def __init__(self, fail_first: int, fail_always: bool = False) -> None:
        self.calls, self.fail_first, self.fail_always = 0, fail_first, fail_always

    async def generate(self, provider: OpenAIProvider, request: Any, ctx: Any) -> GenerationResult:
        self.calls += 1
        key = provider.settings.api_key
        ctx.on_progress(f"queued behind {key}")
        if self.fail_always or self.calls <= self.fail_first:
            raise ProviderError("server", f"upstream said {key}", http_status=500, provider_code=f"code-{key}")
        return GenerationResult(
            [ImageData(png_bytes(), "image/png")],
            params_effective={"size": "1024x1024", "echo": key, key: "as a key"},
            revised_prompt=f"a red cube ({key})",
            usage={"note": [f"billed to {key}"]},
        )


def _drive(monkeypatch: pytest.MonkeyPatch, leaky: _Leaky) -> tuple[Any, list[RunEvent], str]:
    monkeypatch.setenv(KEY_ENV["openai"], KEY)
    monkeypatch.setattr(OpenAIProvider, "generate", lambda self, request, ctx: leaky.generate(self, request, ctx))
    ctx = Context()
    spec = SessionSpec(cases=[CaseSpec(prompt="a red cube")], models=["openai:gpt-image-2"])
    session = build_session(spec, store=ctx.store, registry=ctx.registry, catalog=ctx.catalog)
    events: list[RunEvent] = []
    runner = Runner(ctx.store, ctx.registry, session, retry=FAST_RETRY, listener=events.append)
    finished = asyncio.run(runner.execute())
    return finished.runs[0], events, ctx.store.session_file(session.id).read_text()


def _said(events: list[RunEvent]) -> str:
    parts = [e.message for e in events]
    for e in events:
        if e.run is not None:
            parts += [repr(e.run.error), repr(e.run.usage), repr(e.run.params_effective), str(e.run.revised_prompt)]
    return "\n".join(parts)


def test_the_runner_scrubs_a_failure_an_adapter_let_through(monkeypatch) -> None:
    run, events, stored = _drive(monkeypatch, _Leaky(0, fail_always=True))
    assert run.status == "failed" and run.attempts == FAST_RETRY.max_attempts
    assert "upstream said [redacted]" in run.error.message and run.error.provider_code == "code-[redacted]"
    assert any(e.kind == "retrying" for e in events) and any("[redacted]" in e.message for e in events)
    for text in (stored, _said(events)):
        assert KEY[:8] not in text


def test_the_runner_scrubs_a_success_an_adapter_let_through(monkeypatch) -> None:
    run, events, stored = _drive(monkeypatch, _Leaky(1))
    assert run.status == "succeeded" and run.attempts == 2
    assert run.revised_prompt == "a red cube ([redacted])"
    assert run.usage == {"note": ["billed to [redacted]"]}
    assert run.params_effective == {"size": "1024x1024", "echo": "[redacted]", "[redacted]": "as a key"}
    retried = [e.run for e in events if e.kind == "retrying"]
    assert retried and all(r.error.message == "upstream said [redacted]" for r in retried)
    for text in (stored, _said(events)):
        assert KEY[:8] not in text
