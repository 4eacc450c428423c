"""Fixtures for the real adapters: loopback servers, env pointing at them, OpenAI schema validation."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers.base import ReferenceInput, sha256_hex
from providers.retry import RetryPolicy
from tests.providers.loopback import Loopback, png_bytes
from tui.core.credentials import ENV_VARS

KEY_ENV = {name: names[0] for name, names in ENV_VARS.items()}  # each provider's first key variable
SCHEMA_FILE = Path(__file__).with_name("openai-images-openapi.yaml")
FAST_RETRY = RetryPolicy(max_attempts=3, base_s=0.01, cap_s=0.05)


@pytest.fixture
def servers() -> Iterator[Callable[..., Loopback]]:
    started: list[Loopback] = []

    def start(flavour: str, **kwargs: Any) -> Loopback:
        server = Loopback(flavour, **kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def point(monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    """Point a built-in provider at a loopback server (IMGBENCH_<NAME>_BASE_URL) with a key in its env var."""

    def point(provider: str, server: Loopback, key: str | None = None) -> str:
        key = key or f"test-{provider}-key-0123456789"
        monkeypatch.setenv(f"IMGBENCH_{provider.upper()}_BASE_URL", server.base_url)
        monkeypatch.setenv(KEY_ENV[provider], key)
        return key

    return point


@pytest.fixture
def refs(tmp_path: Path) -> Callable[[int], tuple[ReferenceInput, ...]]:
    def make(n: int) -> tuple[ReferenceInput, ...]:
        out = []
        for i in range(n):
            data = png_bytes((32 + i, 32), (10 * i, 100, 50))
            path = tmp_path / f"ref-{i}.png"
            path.write_bytes(data)
            out.append(ReferenceInput(path=path, mime="image/png", sha256=sha256_hex(data), width=32 + i, height=32))
        return tuple(out)

    return make


@pytest.fixture
async def client() -> Any:
    from providers.http import make_client

    async with make_client() as c:
        yield c


def run_prompt(
    models: list[str],
    *,
    prompt: str = "a red cube on a table",
    ref_files: list[Path] | None = None,
    retry: RetryPolicy = FAST_RETRY,
    params: dict[str, Any] | None = None,
) -> Any:
    """Build a one-case session and drive it through the real Runner; returns the finished Session."""
    from tui.core.compose import CaseSpec, SessionSpec, build_session
    from tui.core.context import Context
    from tui.core.model import Params
    from tui.core.runner import Runner

    ctx = Context()
    spec = SessionSpec(
        cases=[CaseSpec(prompt=prompt, refs=[(None, p) for p in ref_files or []])],
        models=models,
        params=Params(**(params or {})),
    )
    session = build_session(spec, store=ctx.store, registry=ctx.registry, catalog=ctx.catalog)
    return asyncio.run(Runner(ctx.store, ctx.registry, session, retry=retry).execute())


# -- OpenAI schema ------------------------------------------------------------------------------
_validators: dict[str, Any] = {}


def _validator(schema_name: str) -> Any:
    if schema_name not in _validators:
        import jsonschema
        import yaml

        doc = yaml.safe_load(SCHEMA_FILE.read_text("utf-8"))
        root = {"$ref": f"#/components/schemas/{schema_name}", "components": doc["components"]}
        _validators[schema_name] = (
            jsonschema.Draft202012Validator(root),
            set(doc["components"]["schemas"][schema_name]["properties"]),
        )
    return _validators[schema_name]


def validate_openai(schema_name: str, body: dict[str, Any]) -> None:
    """Valid against the official schema, and no field the schema does not know (it allows extras)."""
    validator, known = _validator(schema_name)
    unknown = set(body) - known
    assert not unknown, f"fields not in {schema_name}: {sorted(unknown)}"
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, "; ".join(e.message for e in errors)


def multipart_as_schema_object(parts: list[tuple[str, Any, str | None]]) -> dict[str, Any]:
    """Multipart fields as the object CreateImageEditRequest describes (``image[]`` parts -> an array)."""
    names = [name for name, _, _ in parts]
    assert not ("image" in names and "image[]" in names), "both image and image[] sent"
    assert names.count("image") <= 1, "repeated `image` parts (OpenAI answers duplicate_parameter)"
    obj: dict[str, Any] = {}
    for name, value, filename in parts:
        if name == "image[]":
            obj.setdefault("image", []).append("<binary>")
        elif filename:
            obj[name] = "<binary>"
        elif name in ("n", "output_compression", "partial_images"):
            obj[name] = int(value)
        elif name == "stream":
            obj[name] = value == "true"
        else:
            obj[name] = value
    return obj


def mock_response(
    status: int, body: Any = None, headers: dict[str, str] | None = None, content: bytes | None = None
) -> httpx.Response:
    request = httpx.Request(
        "POST", "https://api.example.test/v1/x", headers={"Authorization": "Bearer fake-SECRETKEY123"}
    )
    if content is None:
        return httpx.Response(status, json=body, headers=headers, request=request)
    return httpx.Response(status, content=content, headers=headers, request=request)
