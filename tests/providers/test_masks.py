"""Edit masks: checked before a run, sent as OpenAI's ``mask`` part and as fal's ``mask_url``, refused up front for
models that cannot take one. Loopback servers only."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from providers.base import CallContext, GenerationRequest, ProviderError, ProviderSettings, ReferenceInput, sha256_hex
from providers.fal import FalProvider
from tests.providers.conftest import FAST_RETRY, multipart_as_schema_object, validate_openai
from tests.providers.loopback import png_bytes
from tui.core.validation import InputError

SIZE = (32, 24)


def mask_png(size: tuple[int, int] = SIZE, *, hole: bool = True, mode: str = "RGBA") -> bytes:
    """Opaque black, with a fully transparent rectangle (the region to edit) on the left half."""
    image = Image.new(mode, size, (0, 0, 0, 255) if mode == "RGBA" else 0)
    if hole and mode == "RGBA":
        for x in range(size[0] // 2):
            for y in range(size[1]):
                image.putpixel((x, y), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every provider has a (planted) key, so what is refused is refused for the mask; nothing is sent."""
    from tests.providers.conftest import KEY_ENV

    for name, var in KEY_ENV.items():
        monkeypatch.setenv(var, f"PLANTED-KEY-{name}-0123456789")


@pytest.fixture
def files(tmp_path: Path):
    def make(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return make


def build(models: list[str], refs: list[Path], mask: Path | None, preset_id: str | None = None, **extra):
    from tui.core.compose import CaseSpec, SessionSpec, build_session
    from tui.core.context import Context

    ctx = Context()
    case = CaseSpec(preset_id=preset_id, refs=[(None, p) for p in refs], mask=mask, **extra)
    if preset_id is None:
        case.prompt = "replace the left half with a window"
    spec = SessionSpec(cases=[case], models=models)
    return ctx, build_session(spec, store=ctx.store, registry=ctx.registry, catalog=ctx.catalog)


def execute(ctx, session):
    from tui.core.runner import Runner

    return asyncio.run(Runner(ctx.store, ctx.registry, session, retry=FAST_RETRY).execute())


# -- checked before a run ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "words"),
    [
        (lambda: png_bytes(SIZE), "no alpha channel"),
        (lambda: mask_png(SIZE, hole=False), "no fully transparent pixel"),
        (lambda: mask_png((16, 16)), "the mask is 16x16 but the first reference is 32x24"),
        (lambda: _jpeg(SIZE), "must be a PNG"),
        (lambda: b"not an image at all", "not"),
    ],
    ids=["no-alpha", "nothing-to-edit", "wrong-size", "jpeg", "garbage"],
)
def test_a_bad_mask_is_a_clear_error_and_writes_nothing(files, data, words: str) -> None:
    ref = files("ref.png", png_bytes(SIZE))
    bad = files("mask.png", data())
    with pytest.raises(InputError) as info:
        build(["demo:mosaic"], [ref], bad)
    assert words in str(info.value) and "mask.png" in str(info.value)
    from tui.core import paths

    assert not paths.sessions_dir().exists() or not any(paths.sessions_dir().iterdir())


def test_a_mask_without_a_reference_is_refused(files) -> None:
    with pytest.raises(InputError, match="give one"):
        build(["demo:mosaic"], [], files("mask.png", mask_png()))


def _jpeg(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("model", "words"),
    [
        ("xai:grok-imagine-image", "takes no edit mask"),
        ("gemini:gemini-3-pro-image-preview", "takes no edit mask"),
        ("openrouter:google/gemini-3-pro-image-preview", "takes no edit mask"),
        ("fal:fal-ai/flux-2-pro", "takes no edit mask"),
        ("openai:dall-e-3", "takes no edit mask"),
        ("openai:gpt-image-2.5-flare", "takes no edit mask"),  # outside the catalog: conservative
    ],
)
def test_models_that_cannot_take_a_mask_are_refused_up_front(files, keys, model: str, words: str) -> None:
    ref, mask = files("ref.png", png_bytes(SIZE)), files("mask.png", mask_png())
    with pytest.raises(InputError, match=words):
        build([model], [ref], mask)


def test_an_inpainting_model_without_a_mask_is_refused_up_front(files, keys) -> None:
    with pytest.raises(InputError, match="needs a mask"):
        build(["fal:fal-ai/flux-pro/v1/fill"], [files("ref.png", png_bytes(SIZE))], None)


# -- sent --------------------------------------------------------------------------------------------------------
def test_openai_gets_the_mask_as_its_own_part(servers, point, files) -> None:
    server = servers("openai")
    point("openai", server)
    ref_data, mask_data = png_bytes(SIZE), mask_png()
    ctx, session = build(["openai:gpt-image-2"], [files("ref.png", ref_data)], files("mask.png", mask_data))
    assert [r.role for r in session.cases[0].references] == [None, "mask"]
    done = execute(ctx, session)
    assert done.runs[0].status == "succeeded", done.runs[0].error
    parts = server.requests[0].form()
    assert [(n, v) for n, v, f in parts if f] == [("image", ref_data), ("mask", mask_data)]
    validate_openai("CreateImageEditRequest", multipart_as_schema_object(parts))


def test_a_session_read_back_from_its_file_sends_the_mask_once_as_the_mask(servers, point, files) -> None:
    # A resume (or any later process) runs the session as decoded from its file, whose role strings are not the
    # literals the code compares them with: the mask must still go out as the mask only, never as another image.
    server = servers("openai")
    point("openai", server)
    ref_data, mask_data = png_bytes(SIZE), mask_png()
    ctx, built = build(["openai:gpt-image-2"], [files("ref.png", ref_data)], files("mask.png", mask_data))
    done = execute(ctx, ctx.store.load(built.id))
    assert done.runs[0].status == "succeeded", done.runs[0].error
    parts = server.requests[0].form()
    assert [(n, v) for n, v, f in parts if f] == [("image", ref_data), ("mask", mask_data)]


def test_the_demo_takes_a_mask_so_the_flow_can_be_tried_offline(files, fast_demo) -> None:
    ctx, session = build(["demo:mosaic"], [files("ref.png", png_bytes(SIZE))], files("mask.png", mask_png()))
    assert execute(ctx, session).runs[0].status == "succeeded"


async def test_fal_fill_gets_one_image_url_and_a_black_and_white_mask_url(servers, client, tmp_path) -> None:
    server = servers("fal")
    ref_path, mask_path = tmp_path / "ref.png", tmp_path / "mask.png"
    ref_path.write_bytes(png_bytes(SIZE))
    mask_path.write_bytes(mask_png())

    def input_of(path: Path) -> ReferenceInput:
        data = path.read_bytes()
        return ReferenceInput(path, "image/png", sha256_hex(data), *SIZE)

    adapter = FalProvider(ProviderSettings(base_url=server.url, api_key="PLANTED-KEY-fal-0123456789"))
    request = GenerationRequest(
        "fal-ai/flux-pro/v1/fill", "a window", references=(input_of(ref_path),), mask=input_of(mask_path),
        params={"aspect": "16:9"},
    )  # fmt: skip
    result = await adapter.generate(request, CallContext(client=client))
    submit = server.requests[0]
    assert submit.path == "/fal-ai/flux-pro/v1/fill"
    body = submit.json
    assert set(body) == {"prompt", "image_url", "mask_url"} and "image_urls" not in body
    assert result.params_effective["ignored"] == ["size (the output follows the input image)"]
    mask = Image.open(io.BytesIO(base64.b64decode(body["mask_url"].split(",", 1)[1])))
    assert mask.mode == "L" and mask.size == SIZE
    assert mask.getpixel((0, 0)) == 255 and mask.getpixel((SIZE[0] - 1, 0)) == 0  # white: paint; black: keep


async def test_an_adapter_called_on_its_own_refuses_a_mask_it_cannot_send(servers, client, tmp_path) -> None:
    from providers.xai import XAIProvider

    server = servers("xai")
    path = tmp_path / "m.png"
    path.write_bytes(mask_png())
    ref = ReferenceInput(path, "image/png", sha256_hex(path.read_bytes()), *SIZE)
    adapter = XAIProvider(ProviderSettings(base_url=server.base_url, api_key="PLANTED-KEY-x-0123456789"))
    with pytest.raises(ProviderError, match="takes no edit mask"):
        await adapter.generate(
            GenerationRequest("grok-imagine-image", "x", references=(ref,), mask=ref), CallContext(client)
        )
    assert not server.requests


# -- presets and the command line ------------------------------------------------------------------------------
MASK_PRESET = """\
schema_version = 1
id = "mine/inpaint"
title = "Inpaint a window"
category = "Editing"
mode = "i2i"
prompt = "Replace the masked region with a tall window."

[[reference_slots]]
id = "room"
description = "A photo of a room"

[[reference_slots]]
id = "region"
description = "Where the window goes"
role = "mask"

[[checklist]]
id = "c1"
criterion = "Window"
check = "There is a tall window where the mask was"
"""


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui.launch", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=120)  # fmt: skip


def test_a_preset_mask_slot_is_filled_with_ref_hash_mask(files, fast_demo: Path) -> None:
    (fast_demo / "presets").mkdir()
    (fast_demo / "presets" / "inpaint.toml").write_text(MASK_PRESET)
    ref, mask = files("room.png", png_bytes(SIZE)), files("region.png", mask_png())
    missing = cli("run", "--preset", "mine/inpaint", "--model", "demo:mosaic", "--ref", f"mine/inpaint={ref}")
    assert (
        missing.returncode == 2 and "mask (Where the window goes): pass --ref mine/inpaint#mask=FILE" in missing.stderr
    )
    done = cli("run", "--preset", "mine/inpaint", "--model", "demo:mosaic", "--ref", f"mine/inpaint={ref}",
               "--ref", f"mine/inpaint#mask={mask}")  # fmt: skip
    assert done.returncode == 0, done.stderr
    exported = json.loads(cli("sessions", "export", done.stdout.strip()).stdout)
    roles = [(r.get("slot"), r.get("role")) for r in exported["cases"][0]["references"]]
    assert roles == [("room", None), ("mask", "mask")]


def test_prompt_cases_take_dash_dash_mask(files, keys, fast_demo: Path) -> None:
    ref, mask = files("room.png", png_bytes(SIZE)), files("region.png", mask_png())
    done = cli("run", "--prompt", "a window", "--ref", str(ref), "--mask", str(mask), "--model", "demo:mosaic")
    assert done.returncode == 0, done.stderr
    bad = cli("run", "--prompt", "a window", "--ref", str(ref), "--mask", str(ref), "--model", "demo:mosaic")
    assert bad.returncode == 2 and "no alpha channel" in bad.stderr and bad.stderr.count("\n") == 1
    refused = cli("run", "--prompt", "x", "--ref", str(ref), "--mask", str(mask), "--model", "xai:grok-imagine-image")
    assert refused.returncode == 2 and "takes no edit mask" in refused.stderr
    alone = cli("run", "--preset", "tier-a/cat1", "--mask", str(mask), "--model", "demo:mosaic")
    assert alone.returncode == 2 and "--mask goes with --prompt" in alone.stderr


def test_a_second_mask_role_slot_is_a_preset_error(tmp_path: Path) -> None:
    from presets import PresetError, load_preset_file

    path = tmp_path / "two.toml"
    path.write_text(MASK_PRESET + '\n[[reference_slots]]\nid = "again"\ndescription = "x"\nrole = "mask"\n')
    with pytest.raises(PresetError, match="one mask slot"):
        load_preset_file(path)
    path.write_text(MASK_PRESET.replace('role = "mask"', 'role = "stencil"'))
    with pytest.raises(PresetError, match="role must be one of image, mask"):
        load_preset_file(path)
