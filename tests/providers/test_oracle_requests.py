"""The vendors' official SDKs as request oracles: for each provider and each logical call (text-to-image, an edit
with one and with three references, 16:9), the SDK's request and imgbench's are
recorded by the same loopback server and compared after the normalisation of ``tests.providers.oracle``.

The SDK side is written as each vendor documents the call; every difference that remains is listed below with its
reason (docs/sdk-differences.md is the same table for readers). xAI's SDK speaks gRPC, so the OpenAI SDK pointed at
xAI's base URL is the oracle for its REST API, as xAI documents; the same for OpenRouter's chat completions.
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass, field, replace
from typing import Any

import fal_client
import openai
import pytest
from google import genai
from google.genai import types as gtypes
from openrouter import OpenRouter

from providers.base import CallContext, GenerationRequest, ProviderSettings, ReferenceInput
from providers.fal import FalProvider
from providers.gemini import GeminiProvider
from providers.openai import OpenAIProvider
from providers.openrouter import OpenRouterProvider
from providers.xai import XAIProvider
from tests.providers.loopback import Loopback, Recorded
from tests.providers.oracle import assert_same, differences, normalise

KEY = "PLANTED-KEY-oracle-0123456789"
PROMPT = "a lighthouse at dusk, the reference's colours"

# Differences every request of a provider shows, with their reasons.
ACCEPT_JSON = {
    "header.accept: SDK 'application/json', imgbench '*/*'": "imgbench reads any answer and classifies a non-JSON "
    "one itself (HTML error pages from proxies); the APIs answer JSON either way",
}


@dataclass(frozen=True)
class Call:
    """One logical call: what a benchmark case asks, independent of any provider."""

    name: str
    n_refs: int = 0
    params: dict[str, Any] = field(default_factory=dict)


CALLS = [Call("t2i"), Call("edit-1", 1), Call("edit-3", 3), Call("16:9", 0, {"aspect": "16:9"})]


def data_uri(ref: ReferenceInput) -> str:
    return f"data:image/png;base64,{base64.b64encode(ref.read()).decode()}"


def files(refs: tuple[ReferenceInput, ...]) -> Any:
    """References as the OpenAI SDK takes them: one file, or a list for several."""
    tuples = [(ref.path.name, ref.read(), "image/png") for ref in refs]
    return tuples[0] if len(tuples) == 1 else tuples


def run_imgbench(adapter: Any, model: str, call: Call, refs: tuple[ReferenceInput, ...]) -> None:
    async def go() -> None:
        from providers.http import make_client

        async with make_client() as client:
            await adapter.generate(
                GenerationRequest(model, PROMPT, references=refs, params=call.params), CallContext(client=client)
            )

    asyncio.run(go())


def last_two(server: Loopback, contains: str) -> tuple[Recorded, Recorded]:
    sdk, ours = [r for r in server.requests if contains in r.path and r.method == "POST"][-2:]
    return sdk, ours


# -- OpenAI ---------------------------------------------------------------------------------------------------
def openai_sdk_call(client: openai.OpenAI, model: str, call: Call, refs: tuple[ReferenceInput, ...]) -> None:
    kwargs: dict[str, Any] = {"model": model, "prompt": PROMPT}
    if call.params.get("aspect") == "16:9":
        kwargs["size"] = "1360x768" if model == "gpt-image-2" else "1536x1024"  # imgbench's nearest allowed size
    if refs:
        if model == "gpt-image-1.5":
            kwargs["input_fidelity"] = "high"  # what identity-preserving edits want; gpt-image-2 must omit it
        client.images.edit(image=files(refs), **kwargs)
    else:
        client.images.generate(**kwargs)


@pytest.mark.parametrize("model", ["gpt-image-2", "gpt-image-1.5"])
@pytest.mark.parametrize("call", CALLS, ids=lambda c: c.name)
def test_openai_matches_the_sdk(servers, refs, model: str, call: Call) -> None:
    server = servers("openai")
    references = refs(call.n_refs)
    openai_sdk_call(openai.OpenAI(api_key=KEY, base_url=server.base_url, max_retries=0), model, call, references)
    run_imgbench(OpenAIProvider(ProviderSettings(base_url=server.base_url, api_key=KEY)), model, call, references)
    assert_same(*last_two(server, "/images/"), ACCEPT_JSON)


# -- xAI (the OpenAI SDK at xAI's base URL) -------------------------------------------------------------------
def xai_sdk_call(client: openai.OpenAI, model: str, call: Call, refs: tuple[ReferenceInput, ...]) -> None:
    extra = {"aspect_ratio": "16:9"} if call.params.get("aspect") == "16:9" else {}
    if not refs:
        client.images.generate(model=model, prompt=PROMPT, extra_body=extra or None)
        return
    # xAI's edits are JSON (the OpenAI SDK's images.edit is multipart, which xAI does not take): its docs call
    # the SDK's generic post with this body.
    parts = [{"url": data_uri(ref), "type": "image_url"} for ref in refs]
    body = {"model": model, "prompt": PROMPT, **({"image": parts[0]} if len(parts) == 1 else {"images": parts})}
    client.post("/images/edits", body=body, cast_to=openai.types.ImagesResponse)


@pytest.mark.parametrize("call", CALLS, ids=lambda c: c.name)
def test_xai_matches_the_openai_sdk_at_xai(servers, refs, call: Call) -> None:
    server = servers("xai")
    references = refs(call.n_refs)
    model = "grok-imagine-image"
    xai_sdk_call(openai.OpenAI(api_key=KEY, base_url=server.base_url, max_retries=0), model, call, references)
    run_imgbench(XAIProvider(ProviderSettings(base_url=server.base_url, api_key=KEY)), model, call, references)
    assert_same(*last_two(server, "/images/"), ACCEPT_JSON)


# -- Gemini (google-genai) ---------------------------------------------------------------------------------------
def gemini_sdk_call(client: genai.Client, model: str, call: Call, refs: tuple[ReferenceInput, ...]) -> None:
    contents: list[Any] = [PROMPT, *(gtypes.Part.from_bytes(data=ref.read(), mime_type="image/png") for ref in refs)]
    image_config = gtypes.ImageConfig(aspect_ratio="16:9") if call.params.get("aspect") == "16:9" else None
    client.models.generate_content(
        model=model,
        contents=contents,
        config=gtypes.GenerateContentConfig(response_modalities=["TEXT", "IMAGE"], image_config=image_config),
    )


INLINE_SPELLING = (
    "proto3 JSON takes both spellings: the SDK sends `inlineData` (lowerCamel) holding `mime_type`, imgbench the "
    "REST docs' `inline_data` / `mime_type`; the bytes are the same (compared after decoding)"
)


def gemini_differences(got: list[str], n_refs: int) -> dict[str, str]:
    """The inline-data spelling lines for each reference (their text holds the image token, so they are matched
    by their start and must be exactly two a reference)."""
    spelled = [d for d in got if ".inlineData: only the SDK" in d or ".inline_data: only imgbench" in d]
    assert len(spelled) == 2 * n_refs, got
    return dict.fromkeys(spelled, INLINE_SPELLING)


@pytest.mark.parametrize("call", CALLS, ids=lambda c: c.name)
def test_gemini_matches_google_genai(servers, refs, call: Call) -> None:
    server = servers("gemini")
    references = refs(call.n_refs)
    model = "gemini-3-pro-image-preview"
    http = gtypes.HttpOptions(base_url=server.url, api_version="v1beta")
    sdk_client = genai.Client(api_key=KEY, http_options=http)  # kept: a collected Client closes its transport
    gemini_sdk_call(sdk_client, model, call, references)
    run_imgbench(GeminiProvider(ProviderSettings(base_url=server.base_url, api_key=KEY)), model, call, references)
    sdk, ours = last_two(server, ":generateContent")
    assert_same(sdk, ours, gemini_differences(differences(sdk, ours), call.n_refs))


# -- fal (fal-client) ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", CALLS, ids=lambda c: c.name)
def test_fal_submit_matches_fal_client(servers, refs, call: Call, monkeypatch) -> None:
    server = servers("fal")
    references = refs(call.n_refs)
    model = "fal-ai/flux-2-pro"
    monkeypatch.setattr(fal_client.client, "QUEUE_URL_FORMAT", server.url + "/")  # the SDK hard-codes https
    arguments: dict[str, Any] = {"prompt": PROMPT}
    if call.params.get("aspect") == "16:9":
        arguments["image_size"] = {"width": 1360, "height": 768}
    application = model
    if references:
        application = "fal-ai/flux-2-pro/edit"
        arguments["image_urls"] = [fal_client.encode_file(ref.path) for ref in references]
    fal_client.SyncClient(key=KEY).submit(application, arguments)
    run_imgbench(FalProvider(ProviderSettings(base_url=server.url, api_key=KEY)), model, call, references)
    sdk, ours = [r for r in server.requests if r.method == "POST"][-2:]
    assert_same(sdk, ours, {})  # fal-client sends httpx's default Accept too: no difference left


# -- OpenRouter (its own official SDK, `openrouter`) ---------------------------------------------------------
def openrouter_sdk_call(client: OpenRouter, model: str, call: Call, refs: tuple[ReferenceInput, ...]) -> None:
    content: list[dict[str, Any]] = [{"type": "text", "text": PROMPT}]
    content += [{"type": "image_url", "image_url": {"url": data_uri(ref)}} for ref in refs]
    image_config = {"aspect_ratio": "16:9"} if call.params.get("aspect") == "16:9" else None
    client.chat.send(
        model=model,
        messages=[{"role": "user", "content": content}],
        modalities=["image", "text"],
        image_config=image_config,
        x_open_router_title="imgbench",  # the app attribution header, as the SDK names it
    )


OPENROUTER_SDK = {
    "body.stream: only the SDK sends it (False)": "the SDK spells out the default; imgbench never streams",
    **ACCEPT_JSON,
}


@pytest.mark.parametrize("call", CALLS, ids=lambda c: c.name)
def test_openrouter_matches_its_own_sdk(servers, refs, call: Call) -> None:
    server = servers("openrouter")
    references = refs(call.n_refs)
    model = "google/gemini-3-pro-image-preview"
    client = OpenRouter(api_key=KEY, server_url=server.base_url)
    openrouter_sdk_call(client, model, call, references)
    run_imgbench(OpenRouterProvider(ProviderSettings(base_url=server.base_url, api_key=KEY)), model, call, references)
    assert_same(*last_two(server, "/chat/completions"), OPENROUTER_SDK)


# -- the oracle can fail --------------------------------------------------------------------------------------
def _rewritten(rec: Recorded, change: Any) -> Recorded:
    body = json.loads(rec.body)
    change(body)
    return replace(rec, body=json.dumps(body).encode())


@pytest.mark.parametrize(
    ("what", "change", "line"),
    [
        ("a renamed field", lambda b: b.update(aspect=b.pop("size")), "body.size: only the SDK sends it"),
        ("an added field", lambda b: b.update(input_fidelity="high"), "body.input_fidelity: only imgbench sends it"),
        ("a changed value", lambda b: b.update(quality="medium"), "body.quality: SDK 'high', imgbench 'medium'"),
    ],
)
def test_a_deliberately_wrong_request_fails_the_oracle(servers, what: str, change: Any, line: str) -> None:
    server = servers("openai")
    openai.OpenAI(api_key=KEY, base_url=server.base_url, max_retries=0).images.generate(
        model="gpt-image-2", prompt=PROMPT, size="1360x768", quality="high"
    )
    run_imgbench(
        OpenAIProvider(ProviderSettings(base_url=server.base_url, api_key=KEY)),
        "gpt-image-2",
        Call("wrong", 0, {"aspect": "16:9", "quality": "high"}),
        (),
    )
    sdk, ours = last_two(server, "/images/")
    assert_same(sdk, ours, ACCEPT_JSON)  # the real request matches …
    wrong = _rewritten(ours, change)  # … and the same request with {what} does not
    assert any(d.startswith(line) for d in differences(sdk, wrong)), differences(sdk, wrong)
    with pytest.raises(AssertionError, match="new difference"):
        assert_same(sdk, wrong, ACCEPT_JSON)


def test_a_wrong_multipart_edit_fails_the_oracle(servers, refs) -> None:
    """A file sent under another field name (``image`` for three references) is caught too."""
    server = servers("openai")
    references = refs(3)
    openai_sdk_call(openai.OpenAI(api_key=KEY, base_url=server.base_url, max_retries=0), "gpt-image-2",
                    Call("edit-3", 3), references)  # fmt: skip
    run_imgbench(OpenAIProvider(ProviderSettings(base_url=server.base_url, api_key=KEY)), "gpt-image-2",
                 Call("edit-3", 3), references)  # fmt: skip
    sdk, ours = last_two(server, "/images/")
    wrong = replace(ours, body=ours.body.replace(b'name="image[]"', b'name="image"'))
    assert any(d.startswith("body.files[0]") for d in differences(sdk, wrong))


# -- the OpenAPI excerpt the schema tests use -------------------------------------------------------------------
SCHEMA_COMMIT_DATE = "2026-08-21"  # openai/openai-openapi f85dbe2: still the newest snapshot there on 2026-12-01


def test_openapi_excerpt_is_dated_and_agrees_with_the_sdk() -> None:
    """The excerpt is the newest openai-openapi snapshot available (fetched 2026-12-01: no newer commit than
    2026-08-21); the SDK (openai 3.57) is newer, so every field imgbench sends must be known to both."""
    import yaml
    from openai.types import image_edit_params, image_generate_params

    from tests.providers.conftest import SCHEMA_FILE

    doc = yaml.safe_load(SCHEMA_FILE.read_text("utf-8"))
    assert SCHEMA_COMMIT_DATE in doc["info"]["x-source"]
    schemas = doc["components"]["schemas"]
    sent = {"model", "prompt", "size", "quality", "input_fidelity", "image", "mask", "response_format"}
    assert sent <= set(schemas["CreateImageEditRequest"]["properties"])
    assert sent - {"image", "mask", "input_fidelity"} <= set(schemas["CreateImageRequest"]["properties"])
    assert sent <= set(image_edit_params.ImageEditParamsBase.__annotations__)
    generate = set(image_generate_params.ImageGenerateParamsBase.__annotations__)
    assert sent - {"image", "mask", "input_fidelity"} <= generate


# -- masks, where the model takes one ---------------------------------------------------------------------------
def mask_input(tmp_path: Any, first: ReferenceInput) -> ReferenceInput:
    from tests.providers.test_masks import mask_png

    path = tmp_path / "mask.png"
    path.write_bytes(mask_png((first.width, first.height)))
    return replace(first, path=path, sha256="")


def run_with_mask(adapter: Any, model: str, refs: tuple[ReferenceInput, ...], mask: ReferenceInput) -> None:
    async def go() -> None:
        from providers.http import make_client

        async with make_client() as client:
            await adapter.generate(GenerationRequest(model, PROMPT, references=refs, mask=mask), CallContext(client))

    asyncio.run(go())


@pytest.mark.parametrize("n_refs", [1, 3])
def test_openai_mask_matches_the_sdk(servers, refs, tmp_path, n_refs: int) -> None:
    server = servers("openai")
    references = refs(n_refs)
    mask = mask_input(tmp_path, references[0])
    client = openai.OpenAI(api_key=KEY, base_url=server.base_url, max_retries=0)
    client.images.edit(model="gpt-image-2", prompt=PROMPT, image=files(references),
                       mask=("mask.png", mask.read(), "image/png"))  # fmt: skip
    run_with_mask(OpenAIProvider(ProviderSettings(base_url=server.base_url, api_key=KEY)), "gpt-image-2",
                  references, mask)  # fmt: skip
    sdk, ours = last_two(server, "/images/")
    assert_same(sdk, ours, ACCEPT_JSON)
    assert [name for name, _type, _token in normalise(ours).body["files"]][-1] == "mask"


def test_fal_fill_mask_matches_fal_client(servers, refs, tmp_path, monkeypatch) -> None:
    from providers.fal import black_and_white_mask

    server = servers("fal")
    (reference,) = refs(1)
    mask = mask_input(tmp_path, reference)
    monkeypatch.setattr(fal_client.client, "QUEUE_URL_FORMAT", server.url + "/")
    arguments = {
        "prompt": PROMPT,
        "image_url": fal_client.encode_file(reference.path),
        # FLUX Fill: white paints, black keeps (fal's model page); imgbench's mask is transparent-where-to-edit.
        "mask_url": fal_client.encode(black_and_white_mask(mask.read()), "image/png"),
    }
    fal_client.SyncClient(key=KEY).submit("fal-ai/flux-pro/v1/fill", arguments)
    run_with_mask(FalProvider(ProviderSettings(base_url=server.url, api_key=KEY)), "fal-ai/flux-pro/v1/fill",
                  (reference,), mask)  # fmt: skip
    sdk, ours = [r for r in server.requests if r.method == "POST"][-2:]
    assert_same(sdk, ours, {})
