"""Retries, timeouts and classification through the real Runner, against loopback servers."""

from __future__ import annotations

from providers.retry import RetryPolicy
from tests.providers.conftest import run_prompt
from tests.providers.loopback import Reply

GEN = "/v1/images/generations"


def test_401_is_never_retried(servers, point) -> None:
    server = servers("openai")
    point("openai", server)
    server.script(
        "POST",
        GEN,
        Reply(
            401,
            {
                "error": {
                    "message": "Incorrect API key provided: te**89.",
                    "type": "invalid_request_error",
                    "code": "invalid_api_key",
                }
            },
        ),
    )
    (run,) = run_prompt(["openai:gpt-image-2"]).runs
    assert run.status == "failed" and run.attempts == 1 and len(server.requests) == 1
    assert run.error.kind == "auth" and run.error.http_status == 401
    assert "Incorrect API key provided" in run.error.message and "API key" in run.error.message


def test_429_with_retry_after_then_success(servers, point) -> None:
    server = servers("openai")
    point("openai", server)
    server.script(
        "POST",
        GEN,
        Reply(429, {"error": {"message": "Rate limit reached for images per minute"}}, headers={"Retry-After": "1"}),
    )
    (run,) = run_prompt(["openai:gpt-image-2"]).runs
    first, second = server.requests
    assert run.status == "succeeded" and run.attempts == 2
    assert second.at - first.at >= 1.0  # the server's wait was honoured, not the 10 ms backoff
    assert [a.outcome for a in run.attempt_log] == ["rate_limit", "ok"]
    assert run.attempt_log[0].http_status == 429 and run.attempt_log[0].wait_s >= 1.0
    assert run.images and run.cost_usd is not None


def test_retry_after_ms_is_read_first(servers, point) -> None:
    server = servers("openai")
    point("openai", server)
    server.script(
        "POST", GEN, Reply(429, {"error": {"message": "slow"}}, headers={"retry-after-ms": "300", "Retry-After": "30"})
    )
    (run,) = run_prompt(["openai:gpt-image-2"]).runs
    first, second = server.requests
    assert run.status == "succeeded" and 0.3 <= second.at - first.at < 5


def test_unreasonable_retry_after_gives_up_clearly(servers, point) -> None:
    server = servers("openai")
    point("openai", server)
    server.script(
        "POST", GEN, Reply(429, {"error": {"message": "try again in an hour"}}, headers={"Retry-After": "3600"})
    )
    (run,) = run_prompt(["openai:gpt-image-2"]).runs
    assert run.status == "failed" and run.attempts == 1 and run.error.kind == "rate_limit"
    assert "3600 s" in run.error.message and "try again in an hour" in run.error.message


def test_500_then_success(servers, point) -> None:
    server = servers("xai")
    point("xai", server)
    server.script("POST", "/v1/images", Reply(500, {"error": {"message": "The server had an error"}}))
    (run,) = run_prompt(["xai:grok-imagine-image"]).runs
    assert run.status == "succeeded" and run.attempts == 2
    assert [(a.outcome, a.http_status) for a in run.attempt_log] == [("server", 500), ("ok", None)]
    assert run.cost_usd == 0.02


def test_hung_response_times_out_then_retries(servers, point, config_dir) -> None:
    server = servers("gemini")
    point("gemini", server)
    (config_dir / "config.toml").write_text("[providers.gemini]\ntimeout_s = 0.5\n")
    server.script("POST", "/v1beta/models", Reply(delay=30))
    (run,) = run_prompt(["gemini:gemini-2.5-flash-image"]).runs
    assert run.status == "succeeded" and run.attempts == 2
    assert run.attempt_log[0].outcome == "timeout"


def test_hung_every_time_fails_as_timeout(servers, point, config_dir) -> None:
    server = servers("openrouter")
    point("openrouter", server)
    (config_dir / "config.toml").write_text("[providers.openrouter]\ntimeout_s = 0.3\n")
    server.script("POST", "/api/v1/chat", Reply(delay=30), Reply(delay=30))
    (run,) = run_prompt(
        ["openrouter:google/gemini-2.5-flash-image"], retry=RetryPolicy(max_attempts=2, base_s=0.01)
    ).runs
    assert run.status == "failed" and run.error.kind == "timeout" and run.attempts == 2
    assert "0 s" in run.error.message or "within" in run.error.message


def test_malformed_body_is_bad_response_and_not_retried(servers, point) -> None:
    server = servers("openai")
    point("openai", server)
    server.script("POST", GEN, Reply(body=b'{"created": 1, "data": [', headers={"Content-Type": "application/json"}))
    (run,) = run_prompt(["openai:gpt-image-2"]).runs
    assert run.status == "failed" and run.attempts == 1 and run.error.kind == "bad_response"


def test_fal_queue_through_the_runner_with_references(servers, point, make_image) -> None:
    server = servers("fal", latency=0.2)
    point("fal", server)
    ref = make_image("subject.png", (40, 70))
    (run,) = run_prompt(["fal:fal-ai/flux-2-pro"], ref_files=[ref], params={"aspect": "9:16"}).runs
    assert run.status == "succeeded", run.error
    assert run.params_effective["endpoint"] == "fal-ai/flux-2-pro/edit"
    assert run.params_effective["image_size"] == {"width": 768, "height": 1360}
    assert run.ttfb_ms is not None and run.images[0].format == "PNG"
    assert server.jobs["req-1"]["input"]["image_urls"][0].startswith("data:image/png;base64,")


def test_a_retried_run_gets_its_full_retry_budget_again(servers, point) -> None:
    """`attempts` is the run's whole record; the budget of tries (max_attempts) is per execution."""
    import asyncio

    from tui.core.context import Context
    from tui.core.runner import Runner

    server = servers("openai")
    point("openai", server)
    busy = Reply(500, {"error": {"message": "The server had an error", "type": "server_error"}})
    server.script("POST", GEN, busy, busy, busy)
    (run,) = run_prompt(["openai:gpt-image-2"]).runs  # FAST_RETRY: 3 tries, all 500
    assert run.status == "failed" and run.attempts == 3 and run.error.kind == "server"

    server.script("POST", GEN, busy, busy)  # the retry: two more 500s, then the default success
    ctx = Context()
    session = ctx.store.load(ctx.store.list().sessions[0].id)
    retry = RetryPolicy(max_attempts=3, base_s=0.01, cap_s=0.05)
    done = asyncio.run(Runner(ctx.store, ctx.registry, session, retry=retry).execute(session.runs))
    (again,) = done.runs
    assert again.status == "succeeded", again.error
    assert again.attempts == 6 and [a.outcome for a in again.attempt_log][-3:] == ["server", "server", "ok"]
    assert len(server.calls("POST")) == 6
