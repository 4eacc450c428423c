"""`imgbench run` end to end over four loopback providers, the export it produces, and key secrecy."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from tests.providers.conftest import multipart_as_schema_object, validate_openai
from tests.providers.loopback import Reply, gemini_answer
from tui.cli.main import main
from tui.core import credentials

MODELS = ["openai:gpt-image-2", "xai:grok-imagine-image", "gemini:gemini-2.5-flash-image", "fal:fal-ai/flux-2-pro"]


@pytest.fixture
def tier_a_refs(make_image) -> list[str]:
    return [
        f"tier-a/cat4={make_image('person.png', (72, 128), (90, 60, 40))}",
        f"tier-a/cat5={make_image('scene.png', (128, 96), (30, 90, 30))}",
        f"tier-a/cat6#1={make_image('identity.png', (64, 64), (200, 150, 120))}",
        f"tier-a/cat6#2={make_image('style.jpg', (64, 64), (20, 20, 160), 'JPEG')}",
        f"tier-a/cat6#3={make_image('scene6.png', (96, 64), (120, 120, 120))}",
    ]


@pytest.fixture
def four(servers, point) -> dict[str, object]:
    started = {name: servers(name, latency=0.05) for name in ("openai", "xai", "gemini", "fal")}
    for name, server in started.items():
        point(name, server)
    return started


def _run(capsys, tier_a_refs: list[str]) -> tuple[int, str, str]:
    argv = ["run", "--preset", "tier-a"]
    for model in MODELS:
        argv += ["--model", model]
    for ref in tier_a_refs:
        argv += ["--ref", ref]
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out.strip().splitlines()[-1], err


def test_tier_a_on_four_providers(four, tier_a_refs, capsys) -> None:
    four["openai"].script(
        "POST",
        "/v1/images/generations",
        Reply(429, {"error": {"message": "Rate limit reached"}}, headers={"retry-after-ms": "20"}),
    )
    four["xai"].script("POST", "/v1/images/generations", Reply(json={"data": []}))
    four["gemini"].script("POST", "/v1beta/models", Reply(json=gemini_answer([], finish="IMAGE_SAFETY")))

    code, session_id, err = _run(capsys, tier_a_refs)
    assert code == 3, err  # two scripted content-policy blocks
    assert main(["sessions", "export", session_id]) == 0
    doc = json.loads(capsys.readouterr().out)

    runs = doc["runs"]
    assert len(runs) == 24
    assert all(r["status"] in ("succeeded", "failed") for r in runs)
    failed = [r for r in runs if r["status"] == "failed"]
    assert sorted((r["model"], r["error"]["kind"]) for r in failed) == [
        ("gemini:gemini-2.5-flash-image", "content_policy"),
        ("xai:grok-imagine-image", "content_policy"),
    ]
    assert any("IMAGE_SAFETY" in r["error"]["message"] for r in failed)
    assert all(r["error"].get("http_status") == 200 for r in failed)

    retried = [r for r in runs if r["attempts"] == 2]
    assert [r["model"] for r in retried] == ["openai:gpt-image-2"]
    assert [a["outcome"] for a in retried[0]["attempt_log"]] == ["rate_limit", "ok"]

    cases = {c["id"]: c for c in doc["cases"]}
    for run in runs:
        case = cases[run["case_id"]]
        assert run["params_effective"], run["model"]
        if run["status"] == "succeeded":
            assert run["images"] and Path(run["images"][0]["path"]).is_file()
        model, preset = run["model"], case["preset_id"]
        eff = run["params_effective"]
        if preset == "tier-a/cat4":  # aspect 9:16 from the preset, i2i with one reference
            assert {
                "openai:gpt-image-2": eff.get("size") == "768x1360",
                "xai:grok-imagine-image": eff.get("aspect_ratio") == "9:16",
                "gemini:gemini-2.5-flash-image": eff.get("aspectRatio") == "9:16",
                "fal:fal-ai/flux-2-pro": eff.get("endpoint") == "fal-ai/flux-2-pro/edit",
            }[model]
    costs = {r["model"]: r.get("cost_usd") for r in runs if r["status"] == "succeeded"}
    assert costs["openai:gpt-image-2"] > 0 and costs["xai:grok-imagine-image"] == 0.02
    assert costs["gemini:gemini-2.5-flash-image"] > 0 and costs["fal:fal-ai/flux-2-pro"] is None

    # The wire: six cases per provider; cat6's three references in slot order.
    for call in four["openai"].calls("POST", "/images/generations"):
        validate_openai("CreateImageRequest", call.json)
    for call in four["openai"].calls("POST", "/images/edits"):
        validate_openai("CreateImageEditRequest", multipart_as_schema_object(call.form()))
    edits = four["openai"].calls("POST", "/images/edits")
    assert len(edits) == 3 and len(four["openai"].calls("POST", "/images/generations")) == 4
    assert sorted(sum(1 for n, _, f in e.form() if f) for e in edits) == [1, 1, 3]
    assert sum(1 for r in four["fal"].calls("POST")) == 6 and len(four["gemini"].calls("POST")) == 6


def test_no_key_leaks_anywhere(servers, point, tier_a_refs, capsys, tmp_path, monkeypatch) -> None:
    planted = {
        "openai": "PLANTED-openai-a1b2c3d4e5f6",
        "xai": "xai-PLANTED-b2c3d4e5f6a1",
        "gemini": "PLANTED-gemini-c3d4e5f6a1b2",
        "fal": "fal-PLANTED-d4e5f6a1b2c3:secretpart",
    }
    started = {name: servers(name) for name in planted}
    point("openai", started["openai"], planted["openai"])
    point("xai", started["xai"], planted["xai"])
    for name in ("gemini", "fal"):  # these two from credentials.toml, set through the CLI
        monkeypatch.setenv(f"IMGBENCH_{name.upper()}_BASE_URL", started[name].base_url)
        monkeypatch.setattr("sys.stdin", io.StringIO(planted[name] + "\n"))
        assert main(["keys", "set", name]) == 0
    # Servers that echo the key back in their error text, as some gateways do.
    echo = {"error": {"message": f"Incorrect API key provided: {planted['openai']}", "type": "invalid_request_error"}}
    started["openai"].script("POST", "/v1/images", Reply(401, echo))
    started["fal"].script("POST", "/fal-ai", Reply(403, {"detail": f"key {planted['fal']} is not allowed"}))
    started["gemini"].script(
        "POST",
        "/v1beta/models",
        Reply(
            400,
            {
                "error": {
                    "code": 400,
                    "status": "INVALID_ARGUMENT",
                    "message": f"API key not valid: {planted['gemini']}",
                }
            },
        ),
    )

    code, session_id, _ = _run(capsys, tier_a_refs)
    assert code == 3
    assert main(["sessions", "export", session_id]) == 0
    assert main(["sessions", "export", session_id, "-o", str(tmp_path / "data" / "export.json")]) == 0
    assert main(["keys", "list"]) == 0
    assert main(["keys", "list", "--json"]) == 0
    assert main(["models"]) == 0
    out, err = capsys.readouterr()
    assert credentials.mask(planted["openai"]) in out  # the masked form only
    assert "[redacted]" in out  # the echoed key was scrubbed from the stored error

    for key in planted.values():
        assert key not in out and key not in err
    scanned = 0
    for root in ("config", "data", "cache"):
        for path in (tmp_path / root).rglob("*"):
            if path.is_file() and path.name != "credentials.toml":
                text = path.read_bytes()
                scanned += 1
                for key in planted.values():
                    assert key.encode() not in text, f"{key} found in {path}"
    assert scanned > 24
    creds = tmp_path / "config" / "credentials.toml"
    assert oct(os.stat(creds).st_mode & 0o777) == "0o600"
    assert oct(os.stat(creds.parent).st_mode & 0o777) == "0o700"
