"""The shared HTTP layer: error classification, Retry-After, downloads, base64, redaction."""

from __future__ import annotations

import base64
import time
from email.utils import formatdate

import httpx
import pytest

from providers.base import ProviderError
from providers.http import (
    check_download_url,
    decode_b64_image,
    download_image,
    make_client,
    parse_retry_after,
    raise_for_status,
    redact,
    send,
    ssl_context,
    warm_up,
)
from tests.providers.conftest import mock_response
from tests.providers.loopback import Reply, png_bytes


def _error(response: httpx.Response, provider: str = "openai") -> ProviderError:
    with pytest.raises(ProviderError) as info:
        raise_for_status(response, provider)
    return info.value


def test_client_is_configured() -> None:
    client = make_client()
    assert client.timeout.connect == 15 and client.timeout.read == 300
    assert client.timeout.write == 60 and client.timeout.pool == 600
    assert client.follow_redirects is False
    assert client.headers["user-agent"].startswith("imgbench/")


def test_tls_context_is_built_once_whoever_asks_first(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from providers import http

    built: list[str] = []
    real = httpx.create_ssl_context

    def create(*args, **kwargs):
        built.append(threading.current_thread().name)
        time.sleep(0.05)  # slow enough that the threads below overlap
        return real(*args, **kwargs)

    monkeypatch.setattr(http, "_ssl_cached", [])
    monkeypatch.setattr(httpx, "create_ssl_context", create)
    before = set(threading.enumerate())
    warm_up()
    (warming,) = [t for t in set(threading.enumerate()) - before if t.name == "imgbench-http-warm-up"]
    # A daemon thread still importing C extensions when a quick `imgbench` exits can crash the interpreter (SIGSEGV
    # seen in the crash suite); a plain thread is waited for.
    assert not warming.daemon
    contexts: list[object] = []
    threads = [threading.Thread(target=lambda: contexts.append(ssl_context())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1, built
    assert len({id(c) for c in contexts}) == 1 and contexts[0] is ssl_context()
    transport = make_client()._transport
    assert transport.pool_for(httpx.URL("https://api.openai.com/v1"))._pool._ssl_context is contexts[0]


async def test_each_origin_gets_its_own_pool_behind_one_client(servers, client) -> None:
    a, b = servers("openai"), servers("xai")
    for server in (a, b, a):
        assert (await download_image(client, f"{server.url}/files/x.png")).data == server.image
    transport = client._transport
    pools = {origin[2]: pool for origin, pool in transport._pools.items()}  # by port: both are 127.0.0.1
    assert len(pools) == 2, pools  # one per server; the second request to `a` reused its pool
    assert transport.pool_for(httpx.URL(f"{a.url}/other")) is pools[httpx.URL(a.url).port]
    assert [len(pool._pool.connections) for pool in pools.values()] == [1, 1]  # keep-alive within each origin
    await client.aclose()
    assert transport._pools == {}


@pytest.mark.parametrize(
    ("status", "body", "kind", "retryable"),
    [
        (401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}, "auth", False),
        (403, {"error": {"message": "Your organization must be verified", "code": None}}, "auth", False),
        (
            400,
            {
                "error": {
                    "message": "Your request was rejected by the safety system.",
                    "type": "image_generation_user_error",
                    "code": "moderation_blocked",
                }
            },
            "content_policy",
            False,
        ),
        (400, {"error": {"message": "Blocked", "code": "content_policy_violation"}}, "content_policy", False),
        (
            400,
            {
                "error": {
                    "message": "Unknown parameter: 'response_format'.",
                    "code": "unknown_parameter",
                    "param": "response_format",
                }
            },
            "bad_request",
            False,
        ),
        (404, {"error": {"message": "The model `x` does not exist"}}, "bad_request", False),
        (
            422,
            {"detail": [{"loc": ["body", "prompt"], "msg": "field required", "type": "missing"}]},
            "bad_request",
            False,
        ),
        (
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
            "content_policy",
            False,
        ),
        (
            400,
            {
                "error": {
                    "code": 400,
                    "message": "API key not valid. Please pass a valid API key.",
                    "status": "INVALID_ARGUMENT",
                    "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}],
                }
            },
            "auth",
            False,
        ),
        (408, {"error": {"message": "timeout"}}, "timeout", True),
        (409, {"error": {"message": "conflict"}}, "server", True),
        (500, {"error": {"message": "The server had an error"}}, "server", True),
        (503, {"detail": "Runner unavailable", "error_type": "runner_scheduling_failure"}, "server", True),
        (
            429,
            {
                "error": {
                    "message": "You exceeded your current quota",
                    "type": "insufficient_quota",
                    "code": "insufficient_quota",
                }
            },
            "rate_limit",
            False,
        ),
    ],
)
def test_classification_keeps_the_providers_words(status: int, body: dict, kind: str, retryable: bool) -> None:
    err = _error(mock_response(status, body))
    assert (err.kind, err.retryable, err.http_status) == (kind, retryable, status)
    first = body.get("error", {}).get("message") if isinstance(body.get("error"), dict) else None
    if first:
        assert first in err.message
    if kind == "auth":
        assert "API key" in err.message


def test_xai_error_shapes() -> None:
    assert (
        _error(mock_response(400, {"code": "Client specified an invalid argument", "error": "bad size"})).message
        == "bad size"
    )
    assert _error(mock_response(422, {"error": "Invalid field"})).message == "Invalid field"


def test_gemini_429_retry_delay() -> None:
    body = {
        "error": {
            "code": 429,
            "message": "You exceeded your current quota",
            "status": "RESOURCE_EXHAUSTED",
            "details": [
                {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": []},
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "27s"},
            ],
        }
    }
    err = _error(mock_response(429, [body]), "gemini")
    assert err.kind == "rate_limit" and err.retry_after == 27.0 and err.provider_code == "RESOURCE_EXHAUSTED"


def test_retry_after_forms() -> None:
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert parse_retry_after({"retry-after": "2"}) == 2.0
    assert parse_retry_after({"retry-after": "0.25"}) == 0.25
    now = time.time()
    date = formatdate(now + 30, usegmt=True)
    assert 28 <= parse_retry_after({"retry-after": date}, now=now) <= 31
    assert parse_retry_after({"retry-after": "soon"}) is None
    err = _error(mock_response(429, {"error": {"message": "slow down"}}, headers={"retry-after": "3"}))
    assert err.kind == "rate_limit" and err.retry_after == 3.0 and err.retryable


def test_should_retry_header_wins() -> None:
    err = _error(mock_response(500, {"error": {"message": "x"}}, headers={"x-should-retry": "false"}))
    assert err.retryable is False
    err = _error(mock_response(504, {"detail": "Request timed out"}, headers={"x-fal-request-timeout-type": "user"}))
    assert err.kind == "timeout" and err.retryable is False


def test_fal_408_for_its_own_start_deadline_is_not_retried_and_a_plain_408_is() -> None:
    user = {"x-fal-request-timeout-type": "user"}
    err = _error(mock_response(408, {"detail": "Request timed out"}, headers=user), "fal")
    assert (err.kind, err.retryable) == ("timeout", False)
    err = _error(mock_response(408, {"detail": "Request timed out"}), "fal")
    assert (err.kind, err.retryable) == ("timeout", True)
    err = _error(mock_response(409, {"detail": "Conflict"}, headers=user), "fal")  # only a timeout can be ours
    assert (err.kind, err.retryable) == ("server", True)


@pytest.mark.parametrize(("status", "kind"), [(499, "bad_request"), (500, "server")])
def test_server_errors_start_at_500(status: int, kind: str) -> None:
    # 499 is nginx's "client closed request": a 4xx, so not a server fault that another attempt would fix.
    assert _error(mock_response(status, {"error": {"message": "closed"}})).kind == kind


def test_a_fal_infrastructure_error_keeps_its_words_and_its_error_type_as_the_code() -> None:
    body = {"detail": "Image generation was blocked", "error_type": "content_policy_violation"}
    err = _error(mock_response(422, body), "fal")
    assert (err.message, err.provider_code, err.kind) == ("Image generation was blocked", "content_policy_violation",
                                                          "content_policy")  # fmt: skip
    err = _error(mock_response(400, {"detail": "Bad input", "error_type": 7}), "fal")
    assert (err.message, err.provider_code) == ("Bad input", None)


def test_a_bare_message_and_code_body_keeps_both() -> None:
    body = {"message": "Your request was rejected", "code": "moderation_blocked"}
    err = _error(mock_response(400, body))
    assert (err.message, err.provider_code, err.kind) == ("Your request was rejected", "moderation_blocked",
                                                          "content_policy")  # fmt: skip
    err = _error(mock_response(400, {"message": "Unknown model", "code": 404}))
    assert (err.message, err.provider_code, err.kind) == ("Unknown model", None, "bad_request")


def test_an_error_list_is_read_from_its_first_object_whatever_follows() -> None:
    body = [{"error": {"message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}}, None]
    err = _error(mock_response(429, body), "gemini")
    assert (err.message, err.provider_code) == ("Quota exceeded", "RESOURCE_EXHAUSTED")


def test_a_negative_retry_after_is_no_wait() -> None:
    assert parse_retry_after({"retry-after-ms": "-1500"}) == 0.0
    assert parse_retry_after({"retry-after": "-2"}) == 0.0
    err = _error(mock_response(429, {"error": {"message": "slow down"}}, headers={"retry-after-ms": "-200"}))
    assert err.retry_after == 0.0


def test_of_two_keys_one_the_start_of_the_other_the_longer_is_redacted_whole() -> None:
    short, long = "PLANTED-0123456789", "PLANTED-0123456789-and-then-more"
    for secrets in ([short, long], [long, short]):
        assert redact(f"got {long} and {short}.", secrets) == "got [redacted] and [redacted]."


def test_html_and_text_bodies_become_short_messages() -> None:
    html = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>" + b"x" * 5000 + b"</body></html>"
    err = _error(mock_response(502, content=html, headers={"content-type": "text/html"}))
    assert err.message == "HTML error page: 502 Bad Gateway" and err.kind == "server"
    err = _error(mock_response(400, content=b"plain words " * 100, headers={"content-type": "text/plain"}))
    assert len(err.message) <= 300 and err.message.startswith("plain words")


def test_keys_are_redacted_from_messages() -> None:
    body = {"error": {"message": "Incorrect API key provided: fake-SECRETKEY123. Find yours at …"}}
    err = _error(mock_response(401, body))
    assert "fake-SECRETKEY123" not in str(err) and "[redacted]" in err.message


def test_decode_b64_image() -> None:
    png = png_bytes()
    raw = base64.b64encode(png).decode()
    assert decode_b64_image(raw) == png
    assert decode_b64_image("data:image/png;base64," + raw) == png
    assert decode_b64_image(raw[:40] + "\n" + raw[40:]) == png
    for bad in ("", "not base64 at all!", "data:image/png,abc", "abc"):
        with pytest.raises(ProviderError) as info:
            decode_b64_image(bad)
        assert info.value.kind == "bad_response"


def test_download_url_rules() -> None:
    check_download_url("https://cdn.example.com/a.png")
    check_download_url("http://127.0.0.1:9/a.png")
    check_download_url("http://localhost/a.png")
    check_download_url("http://[::1]:8080/a.png")
    check_download_url("http://gateway.lan:8080/img/a.png", trusted=("http://gateway.lan:8080/v1",))
    for url in ("http://cdn.example.com/a.png", "ftp://x/a.png", "file:///etc/passwd", "http://gateway.lan:9/a"):
        with pytest.raises(ProviderError) as info:
            check_download_url(url, trusted=("http://gateway.lan:8080/v1",))
        assert info.value.kind == "bad_response"


async def test_download_image(servers, client) -> None:
    server = servers("openai")
    image = await download_image(client, f"{server.url}/files/ok.png")
    assert image.mime == "image/png" and image.data == server.image
    assert "authorization" not in server.requests[-1].headers  # no key to a CDN

    server.files["gone.png"] = Reply(404, {"error": "not found"})
    server.files["big.png"] = Reply(body=b"\x89PNG\r\n\x1a\n" + b"0" * 5000, headers={"Content-Type": "image/png"})
    server.files["page.png"] = Reply(body=b"<html>login</html>", headers={"Content-Type": "text/html"})
    server.files["junk.png"] = Reply(body=b"GIF-not-really", headers={"Content-Type": "image/png"})
    for name, words in (("gone", "HTTP 404"), ("big", "cap"), ("page", "text/html"), ("junk", "not an image")):
        with pytest.raises(ProviderError) as info:
            await download_image(client, f"{server.url}/files/{name}.png", max_bytes=1000)
        assert info.value.kind == "bad_response" and words in info.value.message


async def test_download_follows_checked_redirects(servers, client) -> None:
    server = servers("openai")
    server.files["moved.png"] = Reply(302, body=b"", headers={"Location": "/files/ok.png"})
    assert (await download_image(client, f"{server.url}/files/moved.png")).data == server.image
    server.files["away.png"] = Reply(302, body=b"", headers={"Location": "http://example.com/a.png"})
    with pytest.raises(ProviderError, match="plain http"):
        await download_image(client, f"{server.url}/files/away.png")


async def test_transport_errors_are_classified(client) -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with pytest.raises(ProviderError) as info:
        await send(
            client,
            "POST",
            f"http://127.0.0.1:{port}/v1/x",
            provider="openai",
            headers={"Authorization": "Bearer fake-NOPE-123456"},
            json={},
        )
    assert info.value.kind == "network" and "fake-NOPE-123456" not in str(info.value)


async def test_read_timeout_is_a_timeout(servers) -> None:
    server = servers("openai")
    server.script("POST", "/v1/images", Reply(delay=5))
    async with make_client(timeout=httpx.Timeout(0.2)) as client:
        with pytest.raises(ProviderError) as info:
            await send(client, "POST", f"{server.base_url}/images/generations", provider="openai", json={})
    assert info.value.kind == "timeout" and info.value.retryable


def test_the_shared_client_honours_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx reads proxy variables only for its default transport; the per-origin pools must read them too."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):  # lowercase wins in urllib: none here
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "gateway.internal,127.0.0.1")
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    transport = make_client()._transport
    cases = {
        "https://api.openai.com/v1/images": "http://proxy.example:3128",
        "https://gateway.internal/v1": None,
        "http://127.0.0.1:8080/v1": None,
        "http://api.example/v1": None,  # no HTTP_PROXY set
    }
    assert {url: transport.proxy_for(httpx.URL(url)) for url in cases} == cases
    assert type(transport.pool_for(httpx.URL("https://api.openai.com/v1"))._pool).__name__ == "AsyncHTTPProxy"
