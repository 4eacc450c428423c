"""Pinned: what a provider's answer is taken to mean (a mutation campaign found these unguarded).

Each test goes through the real adapter and Runner against a loopback server, so it holds whichever layer
classifies; the unit checks beside them say where the rule lives.
"""

from __future__ import annotations

from providers.errors import classify
from providers.openai import OpenAIProvider
from tests.providers.conftest import run_prompt
from tests.providers.loopback import Reply

GEN = "/v1/images/generations"


def test_out_of_credit_is_not_a_rate_limit_and_is_not_retried(servers, point) -> None:
    server = servers("openai")
    point("openai", server)
    body = {"error": {"message": "You have run out of credits. Add more to continue.", "code": "billing_hard_limit"}}
    server.script("POST", GEN, Reply(402, body), Reply(402, body), Reply(402, body))
    (run,) = run_prompt(["openai:gpt-image-2"]).runs
    assert run.status == "failed"
    assert run.error.kind != "rate_limit" and run.error.http_status == 402
    assert len(server.requests) == 1 and run.attempts == 1, "an empty account is asked again"
    assert not classify(402, "out of credit", provider="openai").retryable


def test_a_refusal_known_only_by_its_words_is_content_policy(servers, point) -> None:
    words = (
        "Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed."
    )
    assert classify(400, words, None, provider="openai").kind == "content_policy"
    assert classify(400, "Invalid value for 'size'", None, provider="openai").kind == "bad_request"
    server = servers("openai")
    point("openai", server)
    server.script("POST", GEN, Reply(400, {"error": {"message": words, "type": "invalid_request_error"}}))
    (run,) = run_prompt(["openai:gpt-image-2"]).runs
    assert run.status == "failed" and run.error.kind == "content_policy"
    assert "safety system" in run.error.message and len(server.requests) == 1


def test_an_unsupported_quality_is_not_sent_and_is_recorded_as_ignored(servers, point) -> None:
    effective = OpenAIProvider.effective_params(object.__new__(OpenAIProvider), "gpt-image-2", {"quality": "ultra"}, 0)
    assert "quality" not in effective and "quality" in effective["ignored"]
    server = servers("openai")
    point("openai", server)
    (run,) = run_prompt(["openai:gpt-image-2"], params={"quality": "ultra"}).runs
    assert run.status == "succeeded"
    (request,) = server.requests
    assert "quality" not in request.json, request.json
    assert "quality" in run.params_effective.get("ignored", [])
    assert run.params_requested.get("quality") == "ultra"


async def test_a_transport_error_that_quotes_the_key_is_redacted() -> None:
    """A proxy or TLS library may put what it was sent into its error text; the run record must never hold it."""
    import httpx

    from providers.base import ProviderError
    from providers.http import send

    key = "PLANTED-transport-0123456789abcdef"

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"connection reset while sending {request.headers['authorization']}", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
        try:
            await send(client, "POST", "https://api.openai.com/v1/images/generations", provider="openai",
                       headers={"Authorization": f"Bearer {key}"}, json={})  # fmt: skip
        except ProviderError as exc:
            error = exc
    assert error.kind == "network"
    assert key not in str(error) and key[:8] not in str(error) and "connection reset" in str(error)


def test_an_error_code_that_echoes_the_key_is_redacted() -> None:
    import httpx

    from providers.base import ProviderError
    from providers.http import raise_for_status

    key = "PLANTED-code-0123456789abcdef"
    request = httpx.Request(
        "POST", "https://api.x.ai/v1/images/generations", headers={"Authorization": f"Bearer {key}"}
    )
    body = {"error": {"message": "bad request", "code": f"invalid_key:{key}"}}
    response = httpx.Response(400, json=body, request=request)
    try:
        raise_for_status(response, "xai")
    except ProviderError as exc:
        error = exc
    assert error.provider_code and key not in error.provider_code and "invalid_key" in error.provider_code


def test_the_runner_scrubs_the_key_even_when_an_adapter_lets_it_through(servers, point, monkeypatch) -> None:
    """Defence in depth, tested alone: with the HTTP layer's redaction switched off, nothing stored holds the key."""
    from providers import errors, http

    server = servers("openai")
    key = point("openai", server, "PLANTED-runner-0123456789abcdef")
    for layer in (http, errors):  # errors.redact is the body's redaction, http.redact the message's and the code's
        monkeypatch.setattr(layer, "redact", lambda text, secrets: text)
    body = {"error": {"message": f"Incorrect API key provided: {key}", "code": f"bad:{key}"}}
    server.script("POST", GEN, Reply(400, body))
    session = run_prompt(["openai:gpt-image-2"])
    (run,) = session.runs
    assert run.status == "failed"
    assert key not in run.error.message and key not in (run.error.provider_code or "")
    from tui.core.store import Store

    assert key not in Store().session_file(session.id).read_text()


def test_an_error_without_a_message_is_described_by_its_type() -> None:
    from providers.errors import error_details

    message, code, _ = error_details(b'{"error": {"type": "server_error"}}', "application/json")
    assert message == "server_error" and code == "server_error"
    message, _, _ = error_details(b'{"error": {"message": "the model is overloaded", "type": "x"}}', "application/json")
    assert message == "the model is overloaded"


def test_a_long_error_body_is_cut_to_300_characters() -> None:
    from providers.errors import error_details

    text = "word " * 2000
    message, _, _ = error_details(text.encode(), "text/plain")
    assert len(message) == 300 and message.startswith("word word")
    message, _, _ = error_details(b'{"detail": [' + b'"' + text.encode() + b'"]}', "application/json")
    assert len(message) == 300 and message.startswith('{"detail"')  # a list with nothing usable: the raw body, cut


def test_the_servers_own_retry_advice_wins_and_is_read_as_a_word() -> None:
    headers = {"x-should-retry": "TRUE"}  # lowered before comparing: a new string, so an identity test would fail
    assert classify(400, "try again", provider="openai", headers=headers).retryable is True
    assert classify(500, "no", provider="openai", headers={"x-should-retry": "false"}).retryable is False


def test_a_server_error_reads_retry_after_unless_the_body_said_how_long() -> None:
    import httpx

    headers = httpx.Headers({"Retry-After": "7"})
    assert classify(503, "busy", provider="openai", headers=headers).retry_after == 7.0
    assert classify(503, "busy", provider="openai", headers=headers, retry_after=2.0).retry_after == 2.0
    assert classify(503, "busy", provider="openai").retry_after is None


def test_moderation_reasons_are_named_ten_at_most() -> None:
    import json

    from providers.errors import error_details

    reasons = [f"reason-{i:02d}" for i in range(12)]
    body = {"error": {"message": "Your input was flagged", "code": 403, "metadata": {"reasons": reasons}}}
    message, _, _ = error_details(json.dumps(body).encode(), "application/json")
    assert "reason-09" in message and "reason-10" not in message


def test_redaction_takes_the_whole_key_and_only_the_key() -> None:
    from providers.errors import redact

    key = "PLANTED-redact-0123456789abcdef"
    assert redact(f"auth failed for {key}; try again", [key]) == "auth failed for [redacted]; try again"
    assert redact(f"cut: {key[:12]}…", [key]) == "cut: [redacted]…"  # a prefix of 8+ characters is the key too
    assert redact(f"{key}{key}", [key]) == "[redacted][redacted]"
    assert redact("PLANTED-redact is a word", [key]) == "[redacted] is a word"  # 14 characters of the key
    assert redact("code abcd here", ["abcd"]) == "code [redacted] here"  # short secrets: exact matches only
    assert redact("code abc here", ["abc"]) == "code abc here"  # under 4 characters nothing is a secret


def test_a_zero_or_negative_retry_after_means_now() -> None:
    from providers.errors import parse_retry_after

    assert parse_retry_after({"retry-after": "0"}) == 0.0
    assert parse_retry_after({"retry-after": "-5"}) == 0.0
    assert parse_retry_after({"retry-after": "2.5"}) == 2.5
