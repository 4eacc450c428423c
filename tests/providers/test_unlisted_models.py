"""Model names outside the catalog run (conservatively, unpriced), and `imgbench models --refresh` asks the providers.

Everything on loopback servers: the providers' model lists are scripted in the shapes their APIs document.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from providers.base import CallContext, GenerationRequest, ProviderError, ProviderSettings
from providers.gemini import GeminiProvider
from providers.openai import OpenAIProvider
from tests.providers.conftest import run_prompt
from tests.providers.loopback import Reply
from tui.core.config import Config
from tui.core.registry import build_registry
from tui.core.validation import InputError

NEW_OPENAI = "gpt-image-2.5-flare"  # listed by the OpenAI SDK, not by imgbench's catalog


def test_a_name_outside_the_catalog_resolves_with_conservative_capabilities() -> None:
    registry = build_registry(Config(), {})
    info = registry.info(f"openai:{NEW_OPENAI}")
    assert info is not None and not info.catalogued and "unknown to the catalog" in info.note
    assert registry.catalogued("openai:gpt-image-2") and not registry.catalogued(f"openai:{NEW_OPENAI}")
    gemini = registry.info("gemini:gemini-4-flash-image")
    assert gemini.max_refs == 3  # the fewest any Gemini image model takes
    with pytest.raises(InputError, match="unknown model"):
        registry.resolve("demo:nope")  # the demo provider's models are fixed
    with pytest.raises(InputError, match="unknown provider"):
        registry.resolve("nope:gpt-image-2")


def test_unlisted_openai_model_sends_only_what_every_gpt_image_model_takes() -> None:
    p = OpenAIProvider(ProviderSettings())
    assert p.effective_params(NEW_OPENAI, {"aspect": "16:9", "quality": "high"}, 2) == {
        "endpoint": "images/edits",
        "size": "1536x1024",  # a standard size, not gpt-image-2's free sizes
        "quality": "high",
    }


def test_unlisted_gemini_model_sends_no_image_size() -> None:
    eff = GeminiProvider(ProviderSettings()).effective_params("gemini-4-flash-image", {"resolution": "4K"}, 0)
    assert "imageSize" not in eff and eff["ignored"] == ["resolution (1K only)"]


async def test_unlisted_gemini_model_refuses_more_references_than_the_least(servers, client, refs) -> None:
    server = servers("gemini")
    adapter = GeminiProvider(ProviderSettings(base_url=server.base_url, api_key="PLANTED-KEY-g-0123456789"))
    with pytest.raises(ProviderError, match="at most 3"):
        await adapter.generate(GenerationRequest("gemini-4-flash-image", "x", references=refs(4)), CallContext(client))
    assert not server.requests


def test_an_unlisted_model_runs_end_to_end_unpriced(servers, point) -> None:
    server = servers("openai")
    point("openai", server)
    session = run_prompt([f"openai:{NEW_OPENAI}"])
    (run,) = session.runs
    assert run.status == "succeeded" and run.cost_usd is None  # usage came back, but there is no price for it
    assert server.requests[0].json["model"] == NEW_OPENAI


def test_a_case_an_unlisted_model_cannot_take_is_refused_before_running(servers, point, tmp_path) -> None:
    from tests.providers.loopback import png_bytes

    server = servers("gemini")
    point("gemini", server)
    files = []
    for i in range(4):
        path = tmp_path / f"r{i}.png"
        path.write_bytes(png_bytes())
        files.append(path)
    with pytest.raises(InputError, match="at most 3 reference"):
        run_prompt(["gemini:gemini-4-flash-image"], ref_files=files)
    assert not server.requests


# -- imgbench models --refresh -----------------------------------------------------------------------------------
def script_lists(servers):
    openai = servers("openai")
    openai.script("GET", "/v1/models", Reply(json={"object": "list", "data": [
        {"id": "gpt-image-2", "object": "model", "created": 1, "owned_by": "system"},
        {"id": NEW_OPENAI, "object": "model", "created": 2, "owned_by": "system"},
        {"id": "gpt-5", "object": "model", "created": 3, "owned_by": "system"},  # not an image model
        {"id": "whisper-1", "object": "model", "created": 4, "owned_by": "openai-internal"},
    ]}))  # fmt: skip
    openrouter = servers("openrouter")
    openrouter.script("GET", "/api/v1/models", Reply(json={"data": [
        {"id": "black-forest-labs/flux.3-pro", "architecture": {"output_modalities": ["image"]}},
        {"id": "openai/gpt-5", "architecture": {"output_modalities": ["text"]}},  # ignored the query: filtered here
    ]}))  # fmt: skip
    gemini = servers("gemini")
    gemini.script(
        "GET",
        "/v1beta/models",
        Reply(
            json={
                "models": [{"name": "models/gemini-2.5-flash", "supportedGenerationMethods": ["generateContent"]}],
                "nextPageToken": "page-2",
            }
        ),
        Reply(
            json={
                "models": [
                    {
                        "name": "models/gemini-4-flash-image",
                        "supportedGenerationMethods": ["generateContent", "countTokens"],
                    },
                    {"name": "models/imagen-5.0-generate-001", "supportedGenerationMethods": ["predict"]},
                ]
            }
        ),
    )
    xai = servers("xai")
    xai.script("GET", "/v1/image-generation-models", Reply(500, {"error": "internal error", "code": "internal"}))
    return openai, openrouter, gemini, xai


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "tui.launch", *args], capture_output=True, text=True, env=dict(os.environ), timeout=60
    )


def test_refresh_asks_each_provider_and_caches_the_answer_with_its_date(servers, point) -> None:
    openai, openrouter, gemini, xai = script_lists(servers)
    for name, server in (("openai", openai), ("openrouter", openrouter), ("gemini", gemini), ("xai", xai)):
        point(name, server)
    from tui.core import model_lists

    lists = model_lists.refresh(build_registry(Config(), None))
    assert lists["openai"].models == ["gpt-image-2", NEW_OPENAI]
    assert lists["openrouter"].models == ["black-forest-labs/flux.3-pro"]
    assert lists["gemini"].models == ["gemini-4-flash-image"]  # both pages read, only generateContent image models
    assert lists["xai"].models == [] and "internal error" in lists["xai"].error
    assert all(entry.fetched_at.endswith("Z") for entry in lists.values())
    assert openai.requests[0].headers["authorization"].startswith("Bearer test-openai")
    assert "output_modalities=image" in openrouter.requests[0].path
    assert "pageToken=page-2" in gemini.requests[1].path and "x-goog-api-key" in gemini.requests[1].headers
    cached = json.loads(model_lists.cache_file().read_text())
    assert cached["providers"]["openai"]["models"] == ["gpt-image-2", NEW_OPENAI]
    # The refreshed names now show, marked, and the catalog's own entries keep their labels.
    statuses = {m.info.id: m for m in build_registry(Config(), None).models()}
    assert not statuses[f"openai:{NEW_OPENAI}"].info.catalogued
    assert statuses["openai:gpt-image-2"].info.catalogued and statuses["openai:gpt-image-2"].info.label == "GPT Image 2"
    assert not statuses["gemini:gemini-4-flash-image"].info.catalogued


def test_models_refresh_cli_marks_unknown_names(servers, point) -> None:
    openai, *_ = script_lists(servers)
    point("openai", openai)
    done = cli("models", "--refresh")
    assert done.returncode == 0, done.stderr
    assert "openai: 2 image models" in done.stderr
    line = next(line for line in done.stdout.splitlines() if f"openai:{NEW_OPENAI}" in line)
    assert "unknown to the catalog" in line and line.startswith("ok ")
    assert "retired" in next(line for line in done.stdout.splitlines() if "openai:dall-e-3" in line)
    listed = json.loads(cli("models", "--json").stdout)  # from the cache now, no network
    entry = next(m for m in listed if m["id"] == f"openai:{NEW_OPENAI}")
    assert entry["catalogued"] is False and len(openai.requests) == 1


def test_a_broken_cache_is_ignored(tmp_path) -> None:
    from tui.core import model_lists

    model_lists.cache_file().parent.mkdir(parents=True, exist_ok=True)
    for junk in ("{not json", json.dumps({"providers": {"openai": {"fetched_at": 3, "models": "x"}}}), "[]"):
        model_lists.cache_file().write_text(junk)
        assert model_lists.load() == {}
        assert build_registry(Config(), {}).extra_names == {}
