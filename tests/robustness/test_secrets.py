"""Secrets: the keys file's permissions, and planted keys that must never surface anywhere.

Keys are planted in the environment and in credentials.toml, sessions run against the demo models and against
loopback servers for every real adapter that *echo the credentials they were sent* in their error answers (JSON
messages, error codes, HTML pages, plain text, OpenRouter's ``metadata.raw``). Then the session is exported,
reported, listed, previewed, and the TUI's screens are rendered. Every file under the config, data and cache
directories (except credentials.toml itself), every captured stdout and stderr, and every screenshot is scanned:
zero hits, whether whole or split across a screenshot's text spans.
"""

from __future__ import annotations

import base64
import html
import os
import re
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.robustness.answer_server import Answer, AnswerServer, Request
from tests.robustness.hostile_support import png
from tests.robustness.support import run_cli
from tests.tui_support import workers_idle
from tui.core import credentials

CORE = "KEY-0123456789abcdef"  # in every planted key; it must never be seen, whole or with a prefix cut off
ENV_KEYS = {"OPENAI_API_KEY": "openai", "GEMINI_API_KEY": "gemini", "LOCAL_GATEWAY_KEY": "local"}
STORED_KEYS = ("xai", "fal", "openrouter")


def planted(provider: str) -> str:
    return f"PLANTED-{CORE}-{provider}"


# -- permissions -----------------------------------------------------------------------------------------------
def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_keys_file_is_created_0600_in_a_0700_directory(tmp_path: Path) -> None:
    old = os.umask(0)  # a careless umask must not widen anything
    try:
        path = tmp_path / "fresh" / "config" / "credentials.toml"
        credentials.store_key("xai", planted("xai"), path)
        assert mode(path) == 0o600 and mode(path.parent) == 0o700
        assert credentials.permission_problem(path) is None
        # An existing, too-open directory is tightened when a key is stored into it.
        other = tmp_path / "open-dir" / "credentials.toml"
        other.parent.mkdir(mode=0o777)
        other.parent.chmod(0o777)
        credentials.store_key("fal", planted("fal"), other)
        assert mode(other) == 0o600 and mode(other.parent) == 0o700
        # Rewrites (another key, a removal) keep 0600 and leave no temp file behind.
        credentials.store_key("gemini", planted("gemini"), path)
        assert credentials.remove_key("xai", path)
        assert mode(path) == 0o600
        assert sorted(p.name for p in path.parent.iterdir()) == ["credentials.toml"]
    finally:
        os.umask(old)


@pytest.mark.parametrize(("file_mode", "dir_mode", "names"), [(0o644, 0o700, "600"), (0o600, 0o755, "700")])
def test_wider_permissions_warn_on_load_and_are_fixed(
    tmp_path: Path, file_mode: int, dir_mode: int, names: str
) -> None:
    path = tmp_path / f"cfg-{file_mode:o}-{dir_mode:o}" / "credentials.toml"
    credentials.store_key("xai", planted("xai"), path)
    path.chmod(file_mode)
    path.parent.chmod(dir_mode)
    problem = credentials.permission_problem(path)
    assert problem is not None and f"should be {names}" in problem and "imgbench keys fix-permissions" in problem
    assert CORE not in problem
    with pytest.warns(credentials.InsecureCredentialsWarning, match=f"should be {names}"):
        assert credentials.load_stored(path) == {"xai": planted("xai")}
    credentials.fix_permissions(path)
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert credentials.permission_problem(path) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert credentials.load_stored(path) == {"xai": planted("xai")}


def test_cli_reports_and_fixes_wide_permissions(config_dir: Path) -> None:
    path = config_dir / "credentials.toml"
    credentials.store_key("xai", planted("xai"), path)
    path.chmod(0o644)
    listed = run_cli("keys", "list")
    assert listed.returncode == 0
    assert "imgbench: warning:" in listed.stderr and "should be 600" in listed.stderr
    fixed = run_cli("keys", "fix-permissions")
    assert fixed.returncode == 0, fixed.stderr
    assert mode(path) == 0o600 and mode(config_dir) == 0o700
    again = run_cli("keys", "list")
    assert "warning" not in again.stderr
    for proc in (listed, fixed, again):
        assert CORE not in proc.stdout + proc.stderr


# -- a server that repeats every credential it is sent ---------------------------------------------------------
def _echo_answer(request: Request, png: str) -> Answer:
    """Every provider's wire shape under one port (``/openai/v1``, ``/gemini/v1beta``…). The OpenAI route answers
    the prompt "a red cube" with an image; everything else is an error that quotes the request's credentials."""
    said = [request.headers.get(h, "") for h in ("authorization", "x-goog-api-key", "x-api-key", "api-key")]
    said.append(urlsplit(request.path).query)
    echo = " | ".join(s for s in said if s)
    provider, body = request.path.split("/")[1], request.body
    if provider == "openai" and b"a red cube" in body:
        return Answer(200, {"created": 1, "data": [{"b64_json": png}]}, {"X-Echo": echo})
    if provider == "openai" and b"in the code" in body:
        return Answer(400, {"error": {"message": "rejected", "code": echo, "param": echo}}, {"X-Echo": echo})
    if provider == "openai":
        payload = {"error": {"message": f"Incorrect API key provided: {echo}", "code": "invalid_api_key"}}
        return Answer(401, payload, {"X-Echo": echo})
    if provider == "gemini":
        payload = {
            "error": {
                "code": 400,
                "message": f"API key not valid. {echo}",
                "status": "INVALID_ARGUMENT",
                "details": [{"reason": "API_KEY_INVALID", "metadata": {"key": echo}}],
            }
        }
        return Answer(400, payload, {"X-Echo": echo})
    if provider == "openrouter":
        payload = {"error": {"message": "No auth credentials found", "code": 401, "metadata": {"raw": echo}}}
        return Answer(401, payload, {"X-Echo": echo})
    if provider == "fal":
        return Answer(401, {"detail": f"Invalid key: {echo}"}, {"X-Echo": echo})
    if provider == "xai":
        page = f"<html><title>403 for {echo}</title><body>{echo}</body></html>"
        return Answer(403, page, {"Content-Type": "text/html", "X-Echo": echo})
    # the configured gateway: a plain-text 500, retried at once
    headers = {"Content-Type": "text/plain", "Retry-After": "0", "X-Echo": echo}
    return Answer(500, f"upstream rejected {echo}", headers)


@pytest.fixture
def echo_world(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AnswerServer]:
    """Keys planted in the environment and in credentials.toml; every adapter pointed at the echo server."""
    image = base64.b64encode(png((200, 30, 30), (24, 16))).decode()
    with AnswerServer(lambda request: _echo_answer(request, image)) as server:
        for var, provider in ENV_KEYS.items():
            monkeypatch.setenv(var, planted(provider))
        for provider in ("openai", "xai", "gemini", "fal", "openrouter"):
            monkeypatch.setenv(f"IMGBENCH_{provider.upper()}_BASE_URL", f"{server.url}/{provider}")
        (config_dir / "config.toml").write_text(
            "[providers.demo]\nlatency_ms = 0\n\n"
            f'[endpoints.local]\nbase_url = "{server.url}/local/v1"\nmodels = ["flux-dev"]\n'
            'key_env = "LOCAL_GATEWAY_KEY"\n'
        )
        for provider in STORED_KEYS:
            credentials.store_key(provider, planted(provider))
        # A stored key that the environment shadows: on disk, never used, never shown either.
        credentials.store_key("openai", planted("openai-stored"))
        yield server


MODELS = (
    "demo:mosaic",
    "openai:gpt-image-2",
    "xai:grok-imagine-image",
    "gemini:gemini-2.5-flash-image",
    "fal:fal-ai/flux-2-pro",
    "openrouter:google/gemini-2.5-flash-image",
    "local:flux-dev",
)


def scan(text: str, where: str) -> list[str]:
    flat = html.unescape(re.sub(r"<[^>]+>", "", text))  # an SVG's text, its spans joined
    return [f"{where}: {m}" for m in ("PLANTED-", CORE, "0123456789abcdef") if m in text or m in flat]


def scan_tree(root: Path, skip: Path) -> list[str]:
    hits = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and path != skip:
            hits += scan(path.read_bytes().decode("latin-1"), str(path))
    return hits


async def settle(app, pilot) -> None:
    """Until the screen's workers (listings, tables) are done and what they send is painted."""
    await pilot.pause(0.1)
    await workers_idle(app)
    await pilot.pause(0.2)


async def screenshots(session_id: str) -> dict[str, str]:
    """Home, Compose, Keys, and the session's Run, Review and Results screens, every run highlighted in turn."""
    from screens.compose import ComposeScreen
    from screens.keys import KeysScreen
    from screens.registry import build_app
    from screens.results import ResultsScreen
    from screens.review import ReviewScreen
    from screens.run import RunScreen

    shots: dict[str, str] = {}
    app = build_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        shots["home"] = app.export_screenshot()
        for name, screen in (("compose", ComposeScreen()), ("keys", KeysScreen())):
            app.push_screen(screen)
            await settle(app, pilot)
            shots[name] = app.export_screenshot()
            app.pop_screen()
        app.push_screen(RunScreen(session_id))
        await settle(app, pilot)
        table = app.screen.query_one("#runs")
        for row in range(table.row_count):
            table.move_cursor(row=row)
            await pilot.pause(0.05)
            shots[f"run-row-{row}"] = app.export_screenshot()
        app.pop_screen()
        for name, screen in (("review", ReviewScreen(session_id)), ("results", ResultsScreen(session_id))):
            app.push_screen(screen)
            await settle(app, pilot)  # Results fills its tables from a worker: leaving before that raises
            shots[name] = app.export_screenshot()
            app.pop_screen()
    return shots


async def test_planted_keys_never_surface(echo_world: AnswerServer, config_dir: Path, tmp_path: Path) -> None:
    outputs: dict[str, str] = {}

    def cli(name: str, *args: str) -> str:
        proc = run_cli(*args)
        outputs[f"{name} stdout"], outputs[f"{name} stderr"] = proc.stdout, proc.stderr
        assert proc.returncode in (0, 3), f"{args}: {proc.stderr}"
        return proc.stdout

    models = [a for m in MODELS for a in ("--model", m)]
    prompts = ["--prompt", "a red cube", "--prompt", "a blue cone", "--prompt", "put the key in the code"]
    session_id = cli("run", "run", *prompts, *models).strip()
    assert echo_world.requests >= 12, "the adapters never reached the echo server"

    from tui.core.store import Store

    session = Store().load(session_id)
    by_model = {}
    for run in session.runs:
        by_model.setdefault(run.model, []).append(run)
    # The servers did see the keys (the test would prove nothing otherwise), and the runs failed as they should.
    assert {r.status for r in by_model["demo:mosaic"]} == {"succeeded"}
    assert any(r.status == "succeeded" for r in by_model["openai:gpt-image-2"])
    for model in MODELS[2:]:
        assert {r.status for r in by_model[model]} == {"failed"}, model
    assert {r.error.kind for r in by_model["xai:grok-imagine-image"]} == {"auth"}
    assert {r.error.kind for r in by_model["gemini:gemini-2.5-flash-image"]} == {"auth"}
    assert any("[redacted]" in (r.error.message if r.error else "") for r in session.runs)

    export = tmp_path / "export.json"
    cli("export", "sessions", "export", session_id, "-o", str(export))
    cli("export-stdout", "sessions", "export", session_id)
    cli("list", "sessions", "list", "--json")
    cli("report-md", "report", session_id)
    cli("report-html", "report", session_id, "--format", "html")
    cli("report-json", "report", session_id, "--format", "json")
    cli("sheet", "report", session_id, "--sheet", str(tmp_path / "sheet.png"))
    cli("leaderboard", "leaderboard")
    cli("keys", "keys", "list")
    cli("keys-json", "keys", "list", "--json")
    cli("models", "models", "--json")
    cli("locate", "locate")
    cli("preview", "preview", session_id, "--cols", "100", "--rows", "30", "--mode", "halfblock")
    before_retry, asked = Store().load(session_id), echo_world.requests
    cli("resume", "sessions", "resume", session_id, "--retry-failed")
    # The retry asked the servers again, with the keys, for exactly the failed runs; what succeeded stayed as it was.
    retried = Store().load(session_id)
    failed = [r for r in before_retry.runs if r.status == "failed"]
    assert failed and echo_world.requests >= asked + len(failed)
    for old, new in zip(before_retry.runs, retried.runs, strict=True):
        if old.status == "succeeded":
            assert (new.status, new.attempts, new.images) == (old.status, old.attempts, old.images), old.id
        elif old.status == "failed":
            assert new.attempts > old.attempts and new.error is not None, old.id
    outputs["resumed session.json"] = Store().session_file(session_id).read_text()

    shots = await screenshots(session_id)
    assert credentials.mask(planted("xai")) in shots["keys"]  # the screen does list the keys, masked

    hits = []
    for name, text in outputs.items():
        hits += scan(text, name)
    for name, svg in shots.items():
        hits += scan(svg, f"screenshot {name}")
    for root in (config_dir, Path(os.environ["IMGBENCH_DATA_DIR"]), Path(os.environ["IMGBENCH_CACHE_DIR"])):
        if root.exists():
            hits += scan_tree(root, skip=config_dir / "credentials.toml")
    hits += scan(export.read_text(), "export file")
    assert not hits, "planted keys surfaced:\n" + "\n".join(hits)
    # credentials.toml itself holds them, so the scan above would have seen them had it not skipped it.
    assert CORE in (config_dir / "credentials.toml").read_text()
