"""The demo provider makes what was asked, up to 4096 px: the size, or the aspect at the resolution tier's long
side, in each style's shapes; the same request gives the same bytes; a whole run stores that size."""

from __future__ import annotations

import io
import math

import pytest
from PIL import Image

from providers.demo import MAX_SIDE, DemoProvider, render_demo_image

ASKS = [
    {},
    {"size": "2048x2048"},
    {"size": "1536x1024"},
    {"size": "1000x3000"},
    {"aspect": "16:9", "resolution": "4K"},
    {"aspect": "2:3", "resolution": "2K"},
    {"resolution": "1K"},
    {"size": "8192x8192"},
]


def picture(model: str, params: dict) -> tuple[dict, Image.Image]:
    effective = DemoProvider().effective_params(model, params, 0)
    data = render_demo_image(model, "a kite", [], effective, "run-1")
    assert data == render_demo_image(model, "a kite", [], effective, "run-1"), "deterministic"
    img = Image.open(io.BytesIO(data))
    img.load()
    return effective, img


@pytest.mark.parametrize("params", ASKS, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "nothing")
@pytest.mark.parametrize("model", ["mosaic", "aurora", "sketch"])
def test_the_picture_is_the_size_recorded_and_the_size_asked(model: str, params: dict) -> None:
    effective, img = picture(model, params)
    w, h = (int(x) for x in effective["size"].split("x"))
    assert img.size == (w, h) and img.format == "PNG"
    assert max(w, h) <= MAX_SIDE
    asked = params.get("size")
    if asked:
        aw, ah = (int(x) for x in asked.split("x"))
        if model == "mosaic" and max(aw, ah) <= MAX_SIDE:
            assert (w, h) == (aw, ah)  # any shape: exactly as asked
        assert max(w, h) == min(MAX_SIDE, max(aw, ah)) or model != "mosaic"
    elif "resolution" in params:
        tier = {"1K": 1024, "2K": 2048, "4K": 4096}[params["resolution"]]
        assert max(w, h) == tier
    if model == "sketch":
        assert w == h
    if model == "aurora":
        assert effective["aspect"] in ("1:1", "3:2", "2:3", "16:9", "9:16")
        ratio = [int(x) for x in effective["aspect"].split(":")]
        assert math.isclose(w / h, ratio[0] / ratio[1], rel_tol=0.02)
    if "aspect" in params and model == "mosaic":
        aw, ah = (int(x) for x in params["aspect"].split(":"))
        assert math.isclose(w / h, aw / ah, rel_tol=0.02)


def test_a_large_picture_is_still_a_picture() -> None:
    """Drawn small and scaled up: not one flat colour, and the demo band is there at the bottom."""
    _, img = picture("mosaic", {"size": "4096x4096"})
    rgb = img.convert("RGB")
    assert len(rgb.resize((64, 64)).getcolors(4096) or []) > 8
    assert rgb.getpixel((4096 // 2, 4095)) == (0, 0, 0)  # the black DEMO band


def test_a_run_stores_the_size_asked(fast_demo, capsys) -> None:
    from tui.cli.main import main
    from tui.core.store import Store

    assert main(["run", "--prompt", "a kite", "--model", "demo:mosaic", "--size", "2048x1536", "-q"]) == 0
    session_id = capsys.readouterr().out.strip().splitlines()[-1]
    store = Store()
    (run,) = store.load(session_id).runs
    (image,) = run.images
    assert (image.width, image.height) == (2048, 1536)
    assert Image.open(store.abspath(session_id, image.path)).size == (2048, 1536)
    assert run.params_effective["size"] == "2048x1536"
