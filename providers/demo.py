"""The offline demo provider: deterministic images, configurable latency and failures.

Clearly not a real model: every image carries a "DEMO" band, and every model label says so.
It is what a fresh install with no keys runs, and what most tests drive.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from providers.base import (
    CallContext,
    GenerationRequest,
    GenerationResult,
    ImageData,
    ModelInfo,
    ProviderError,
    ProviderSettings,
)
from providers.params import RESOLUTION_TIERS, fit_box, nearest_aspect, parse_size, requested_ratio

MAX_SIDE = 4096  # the largest real models make (4K tiers)
MIN_SIDE = 64


@dataclass(frozen=True)
class DemoStyle:
    name: str
    label: str
    note: str
    aspects: tuple[str, ...] | None  # None: any shape
    long_side: int
    flaky: bool  # follows fail_rate; the steady model never fails


STYLES: dict[str, DemoStyle] = {
    "mosaic": DemoStyle("mosaic", "Mosaic (demo)", "any shape, never fails", None, 640, False),
    "aurora": DemoStyle(
        "aurora",
        "Aurora (demo)",
        "snaps to 1:1, 3:2, 2:3, 16:9, 9:16",
        ("1:1", "3:2", "2:3", "16:9", "9:16"),
        768,
        True,
    ),
    "sketch": DemoStyle("sketch", "Sketch (demo)", "square only, small, flaky", ("1:1",), 512, True),
}


def _asked_long_side(params: Mapping[str, Any]) -> int | None:
    if params.get("size"):
        return max(parse_size(str(params["size"])))
    if params.get("resolution"):
        return RESOLUTION_TIERS.get(str(params["resolution"]).strip().upper())
    return None


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


class DemoProvider:
    name = "demo"

    def __init__(self, settings: ProviderSettings | None = None) -> None:
        self.settings = settings or ProviderSettings(concurrency=64)
        self.latency_ms = float(self.settings.options.get("latency_ms", 1500))
        self.fail_rate = float(self.settings.options.get("fail_rate", 0.0))

    def models(self) -> list[ModelInfo]:
        return [
            ModelInfo(
                id=f"demo:{s.name}",
                provider="demo",
                name=s.name,
                label=s.label,
                demo=True,
                note=f"offline demo output, not a real model; {s.note}",
                takes_mask=True,  # accepted (and not drawn) so the mask flow can be tried without any key
            )
            for s in STYLES.values()
        ]

    def available(self) -> tuple[bool, str]:
        return True, "offline, no key needed"

    def effective_params(self, model: str, params: Mapping[str, Any], n_refs: int) -> dict[str, Any]:
        """The size asked for (``size``, else ``resolution``'s long side, else the style's own), up to 4096 px, in
        the style's shapes: mosaic any (an exact ``size`` as given), aurora five aspects, sketch square."""
        style = self._style(model)
        ratio = requested_ratio(params) or 1.0
        long_side = max(MIN_SIDE, min(MAX_SIDE, _asked_long_side(params) or style.long_side))
        if style.aspects is not None:
            aspect = nearest_aspect(ratio, style.aspects)
            w, h = (int(x) for x in aspect.split(":"))
            ratio = w / h
        if style.aspects is None and params.get("size") and max(parse_size(str(params["size"]))) <= MAX_SIDE:
            width, height = parse_size(str(params["size"]))
        else:
            width, height = fit_box(ratio, long_side, multiple=16)
        out: dict[str, Any] = {"size": f"{width}x{height}"}
        if style.aspects is not None:
            out["aspect"] = aspect
        if params.get("seed") is not None:
            out["seed"] = params["seed"]
        return out

    async def generate(self, request: GenerationRequest, ctx: CallContext) -> GenerationResult:
        style = self._style(request.model)
        effective = self.effective_params(request.model, request.params, len(request.references))
        # The picture is made while the simulated server "thinks", so latency_ms is the wall time a run takes.
        refs = [ref.read() for ref in request.references]
        render = asyncio.ensure_future(
            asyncio.to_thread(render_demo_image, style.name, request.prompt, refs, effective, request.run_key)
        )
        try:
            await asyncio.sleep(self.latency_ms / 1000)
            ctx.on_first_byte()
            if style.flaky and self.fail_rate > 0:
                roll = _rng(request.run_key, request.attempt, "fail").random()
                if roll < self.fail_rate:
                    kind = ("rate_limit", "server", "content_policy")[int(roll / self.fail_rate * 3) % 3]
                    raise ProviderError(
                        kind,  # type: ignore[arg-type]
                        f"demo provider simulated a {kind.replace('_', ' ')} failure (fail_rate={self.fail_rate})",
                        http_status={"rate_limit": 429, "server": 500, "content_policy": 400}[kind],
                        retry_after=0.05 if kind == "rate_limit" else None,
                    )
            data = await render
        finally:
            render.cancel()
        return GenerationResult(
            images=[ImageData(data, "image/png")],
            params_effective=effective,
            usage={"demo": True},
            cost_usd=0.0,
        )

    @staticmethod
    def _style(model: str) -> DemoStyle:
        try:
            return STYLES[model]
        except KeyError:
            raise ProviderError(
                "bad_request", f"unknown demo model {model!r}; demo models: {', '.join(STYLES)}", http_status=404
            ) from None


DRAW_SIDE = 1024  # larger pictures are drawn at this size and scaled up: a 4096² PNG in ~0.1 s, not ~1.5 s


def render_demo_image(style: str, prompt: str, refs: list[bytes], effective: Mapping[str, Any], run_key: str) -> bytes:
    """Deterministic picture of (style, prompt, references, size, run key), exactly the size in ``effective``.

    Up to ``DRAW_SIDE`` it is drawn as it is; a larger one is drawn at a whole fraction of its size, reduced to
    256 colours and scaled up pixel for pixel, which keeps the PNG small and its encoding cheap."""
    from PIL import Image

    width, height = (int(x) for x in str(effective["size"]).split("x"))
    rng = _rng(style, prompt, run_key, *(hashlib.sha256(r).hexdigest() for r in refs))
    factor = -(-max(width, height) // DRAW_SIDE)  # ceiling division
    img = _draw(style, rng, refs, max(1, width // factor), max(1, height // factor))
    if factor > 1:
        img = img.quantize(256, method=Image.Quantize.MEDIANCUT).resize((width, height), Image.Resampling.NEAREST)
    out = io.BytesIO()
    img.save(out, "PNG", compress_level=1)
    return out.getvalue()


def _draw(style: str, rng: random.Random, refs: list[bytes], width: int, height: int):
    from PIL import Image, ImageDraw, ImageOps

    base = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    img = Image.new("RGB", (width, height), base)
    draw = ImageDraw.Draw(img)

    if refs:
        # Image-to-image: start from the references side by side, then restyle.
        panel_w = width // len(refs)
        for i, raw in enumerate(refs):
            try:
                with Image.open(io.BytesIO(raw)) as ref:
                    ref.draft("RGB", (panel_w, height))
                    panel = ImageOps.fit(ref.convert("RGB"), (panel_w, height))
            except Exception:
                continue  # the store validated references; a vanished file just leaves the panel plain
            img.paste(panel, (i * panel_w, 0))

    if style == "mosaic":
        tile = max(16, min(width, height) // 8)
        for y in range(0, height, tile):
            for x in range(0, width, tile):
                if refs and rng.random() < 0.6:
                    continue
                colour = tuple(max(0, min(255, c + rng.randint(-90, 90))) for c in base)
                draw.rectangle((x, y, x + tile - 2, y + tile - 2), fill=colour)
    elif style == "aurora":
        for _ in range(7):
            r = rng.randint(min(width, height) // 8, min(width, height) // 3)
            cx, cy = rng.randrange(width), rng.randrange(height)
            colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=colour, width=max(2, r // 6))
    else:
        for _ in range(24):
            x0, y0 = rng.randrange(width), rng.randrange(height)
            x1, y1 = rng.randrange(width), rng.randrange(height)
            draw.line((x0, y0, x1, y1), fill=(30, 30, 30), width=2)

    band = max(14, height // 14)
    draw.rectangle((0, height - band, width, height), fill=(0, 0, 0))
    draw.text((6, height - band + (band - 11) // 2), f"DEMO {style} - not a real model", fill=(255, 220, 0))
    return img
