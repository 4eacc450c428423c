"""fal.ai through its queue: submit, follow the status (streamed, else polled), fetch the result, download the images.

The model id is the endpoint path (``fal:fal-ai/flux-2-pro``); any path is accepted. A run that is
cancelled (by the user or the runner's timeout) sends fal's cancel request so no paid work is left behind.
"""

from __future__ import annotations

import asyncio
import base64
import codecs
import contextlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from providers import pricing
from providers.base import CallContext, GenerationRequest, GenerationResult, ModelInfo, ProviderError
from providers.common import (
    HttpAdapter,
    box_for_area,
    client_for,
    data_uri,
    model_info,
    nearest_tier,
    read_refs,
    wanted,
)
from providers.http import classify, download_image, json_body, send
from providers.params import nearest_aspect

# Every 0.1 s (as fal's own client polls) while most images land, then backing off to once a second.
POLL_FIRST_S, POLL_FAST_FOR_S, POLL_GROWTH, POLL_MAX_S = 0.1, 5.0, 1.25, 1.0
POLL_TIMEOUT = httpx.Timeout(30.0, connect=15.0)
CANCEL_TIMEOUT_S = 5.0
MAX_STREAM_EVENT_CHARS = 1024 * 1024  # a status event is a few hundred bytes; logs stay off
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
NANO_ASPECTS = ("21:9", "16:9", "3:2", "4:3", "5:4", "1:1", "4:5", "3:4", "2:3", "9:16")


@dataclass(frozen=True)
class FalModel:
    label: str
    shape: str  # "image_size" ({width, height}) or "aspect_ratio"
    edit_path: str | None = None  # where a request with references goes
    resolutions: tuple[str, ...] = ()
    t2i: bool = True
    # Inpainting endpoints take one image as `image_url` and a black-and-white mask as `mask_url`.
    mask_field: str | None = None
    max_refs: int = 16


MODELS: dict[str, FalModel] = {
    "fal-ai/flux-2-pro": FalModel("FLUX.2 [pro]", "image_size", "fal-ai/flux-2-pro/edit"),
    "fal-ai/flux-2-dev": FalModel("FLUX.2 [dev]", "image_size"),
    "fal-ai/flux/dev": FalModel("FLUX.1 [dev]", "image_size"),
    "fal-ai/nano-banana": FalModel("Nano Banana", "aspect_ratio", "fal-ai/nano-banana/edit"),
    "fal-ai/nano-banana/edit": FalModel("Nano Banana edit", "aspect_ratio", "fal-ai/nano-banana/edit", t2i=False),
    "fal-ai/nano-banana-2": FalModel(
        "Nano Banana 2", "aspect_ratio", "fal-ai/nano-banana-2/edit", ("0.5K", "1K", "2K", "4K")
    ),
    "fal-ai/bytedance/seedream/v4/text-to-image": FalModel(
        "Seedream 4", "image_size", "fal-ai/bytedance/seedream/v4/edit"
    ),
    "bytedance/seedream/v5/lite/text-to-image": FalModel(
        "Seedream 5 lite", "image_size", "bytedance/seedream/v5/lite/edit"
    ),
    "fal-ai/flux-pro/v1/fill": FalModel(
        "FLUX.1 Fill [pro] (inpainting)", "none", t2i=False, mask_field="mask_url", max_refs=1
    ),
    "xai/grok-imagine-image": FalModel(
        "Grok Imagine Image (via fal)", "aspect_ratio", "xai/grok-imagine-image/edit", ("1K", "2K")
    ),
}


class _Progress:
    """Turns fal statuses into progress lines (each said once); tells when the request is COMPLETED."""

    def __init__(self, report: Callable[[str], None]) -> None:
        self._report = report
        self._last = ""

    def update(self, status: dict[str, Any]) -> bool:
        state = status.get("status")
        if state == "COMPLETED":
            # A failed request is COMPLETED too; its result URL then answers with the classified error.
            return True
        if state == "IN_QUEUE":
            message = f"in fal queue, position {status.get('queue_position', '?')}"
        elif state == "IN_PROGRESS":
            message = "generating on fal"
        else:
            raise ProviderError("bad_response", f"fal reported an unknown request status {state!r}")
        if message != self._last:
            self._report(message)
            self._last = message
        return False


class _StreamTooLarge(Exception):
    pass


class _SSEParser:
    """Server-Sent Events read incrementally: bytes in, each complete event's data out.

    Lines end in CRLF, LF or CR (also split across chunks); ``data:`` lines of one event are joined
    with newlines; a blank line ends the event; comments (``:`` heartbeats) and other fields
    (``event:``, ``id:``, ``retry:``) are skipped; an event cut off by the end of the stream is dropped.
    """

    def __init__(self, max_chars: int = MAX_STREAM_EVENT_CHARS) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._max = max_chars
        self._buffer = ""
        self._data: list[str] = []
        self._size = 0
        self._after_cr = False
        self._started = False

    def feed(self, chunk: bytes) -> list[str]:
        text = self._decoder.decode(chunk)
        if not self._started and text:
            text, self._started = text.removeprefix("\ufeff"), True
        if self._after_cr and text:
            text, self._after_cr = text.removeprefix("\n"), False  # the LF of a CRLF split across chunks
        if text:
            self._after_cr = text.endswith("\r")
        *lines, self._buffer = _LINE_BREAK.split(self._buffer + text)
        if len(self._buffer) > self._max:
            raise _StreamTooLarge
        events = []
        for line in lines:
            if not line:
                data = "\n".join(self._data)
                self._data, self._size = [], 0
                if data:
                    events.append(data)
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                if name == "data":
                    value = value.removeprefix(" ")
                    self._data.append(value)
                    self._size += len(value) + 1
                    if self._size > self._max:
                        raise _StreamTooLarge
        return events


def black_and_white_mask(png: bytes) -> bytes:
    """imgbench's mask (OpenAI's convention: fully transparent pixels are edited) as FLUX Fill wants it: white where
    to paint, black where to keep; so every model edits the same region."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        alpha = image.convert("RGBA").getchannel("A")
    out = io.BytesIO()
    alpha.point(lambda a: 255 if a == 0 else 0).convert("L").save(out, "PNG")
    return out.getvalue()


def _app_id(path: str) -> str:
    """owner/app: status and result URLs never carry the subpath (fal's documented gotcha)."""
    return "/".join(path.split("/")[:2])


class FalProvider(HttpAdapter):
    name = "fal"
    unlisted_max_refs = 16  # fal passes image_urls on to the model; its own limit answers as a 422
    default_base_url = "https://queue.fal.run"

    def models(self) -> list[ModelInfo]:
        return [
            model_info(
                self.name,
                path,
                spec.label,
                modes=("t2i", "i2i") if spec.t2i else ("i2i",),
                max_refs=spec.max_refs,
                needs_mask=spec.mask_field is not None,
            )
            for path, spec in MODELS.items()
        ]

    def _spec(self, model: str) -> FalModel:
        return MODELS.get(model) or FalModel(model, "image_size")

    def effective_params(self, model: str, params: Mapping[str, Any], n_refs: int) -> dict[str, Any]:
        spec, want = self._spec(model), wanted(params)
        out: dict[str, Any] = {"endpoint": (spec.edit_path or model) if n_refs else model}
        ignored = []
        if spec.shape == "aspect_ratio":
            if want.ratio is not None:
                out["aspect_ratio"] = nearest_aspect(want.ratio, NANO_ASPECTS)
            if want.scale_px and spec.resolutions:
                tier = nearest_tier(want.scale_px, spec.resolutions)
                out["resolution"] = tier.lower() if model.startswith("xai/") else tier
            elif want.scale_px:
                ignored.append("resolution")
        elif spec.shape == "none":  # the output follows the input image
            if want.size or want.ratio is not None or want.tier_px:
                ignored.append("size (the output follows the input image)")
        elif want.size or want.ratio is not None or want.tier_px:
            if want.size:
                width, height = (max(16, v // 16 * 16) for v in want.size)
            else:
                tier = want.tier_px or 1024
                width, height = box_for_area(want.ratio or 1.0, tier * tier)
            out["image_size"] = {"width": width, "height": height}
        if want.seed is not None:
            out["seed"] = want.seed
        if want.quality and want.quality != "auto":
            ignored.append("quality")
        if ignored:
            out["ignored"] = ignored
        return out

    def _same_origin(self, url: Any) -> bool:
        """The key only goes back to fal's own host: a status URL pointing elsewhere is not followed."""
        if not isinstance(url, str):
            return False
        a, b = urlsplit(url), urlsplit(self.base_url)
        return (a.scheme, a.netloc) == (b.scheme, b.netloc)

    async def generate(self, request: GenerationRequest, ctx: CallContext) -> GenerationResult:
        spec = self._spec(request.model)
        n_refs = len(request.references)
        self.check_refs(request.model, n_refs, spec.max_refs, ("t2i", "i2i") if spec.t2i else ("i2i",))
        self.check_mask(request.model, request.mask is not None, takes=spec.mask_field is not None,
                        needs=spec.mask_field is not None)  # fmt: skip
        effective = self.effective_params(request.model, request.params, n_refs)
        body: dict[str, Any] = {"prompt": request.prompt}
        body.update({k: v for k, v in effective.items() if k not in ("endpoint", "ignored")})
        if n_refs:
            uris = [data_uri(ref, data) for ref, data in await read_refs(request.references)]
            if spec.mask_field:
                body["image_url"] = uris[0]
            else:
                body["image_urls"] = uris
        if request.mask is not None and spec.mask_field:
            ((_, mask_png),) = await read_refs((request.mask,))
            body[spec.mask_field] = "data:image/png;base64," + base64.b64encode(
                await asyncio.to_thread(black_and_white_mask, mask_png)
            ).decode("ascii")
        headers = {"Authorization": f"Key {self.key()}"}
        path = effective["endpoint"]
        async with client_for(ctx) as client:
            submitted = json_body(
                await send(client, "POST", f"{self.base_url}/{path}", provider=self.name, headers=headers, json=body),
                self.name,
            )
            request_id = submitted.get("request_id")
            if not isinstance(request_id, str) or not request_id:
                raise ProviderError("bad_response", "fal accepted the request without a request_id")
            base = f"{self.base_url}/{_app_id(path)}/requests/{request_id}"
            urls = {
                key: submitted[key] if self._same_origin(submitted.get(key)) else f"{base}{suffix}"
                for key, suffix in (("status_url", "/status"), ("response_url", ""), ("cancel_url", "/cancel"))
            }
            try:
                final = await self._wait(client, urls["status_url"], headers, ctx)
                result = await send(
                    client,
                    "GET",
                    urls["response_url"],
                    provider=self.name,
                    headers=headers,
                    on_first_byte=ctx.on_first_byte,
                )
            except asyncio.CancelledError:
                await self._cancel(client, urls["cancel_url"], headers)
                raise
            output = json_body(result, self.name)
            if final.get("error") and not output.get("images"):
                raise classify(500, str(final["error"]), final.get("error_type"), provider=self.name)
            images = await self._images(client, output)
        effective["request_id"] = request_id  # lets a paid result be found again on fal's dashboard
        return GenerationResult(
            images=images,
            params_effective=effective,
            usage={"request_id": request_id, **({"timings": output["timings"]} if "timings" in output else {})},
            cost_usd=pricing.cost_per_image(self.name, request.model, len(images)),
        )

    async def _wait(
        self, client: httpx.AsyncClient, url: str, headers: dict[str, str], ctx: CallContext
    ) -> dict[str, Any]:
        """The final (COMPLETED) status: from the streamed status if fal serves it, else by polling."""
        progress = _Progress(ctx.on_progress)
        final = await self._stream(client, url, headers, progress)
        if final is not None:
            return final
        return await self._poll(client, url, headers, progress)

    async def _stream(
        self, client: httpx.AsyncClient, url: str, headers: dict[str, str], progress: _Progress
    ) -> dict[str, Any] | None:
        """Follow ``{status_url}/stream`` (SSE) to COMPLETED; None when it is not served or ends early.

        The stream URL is the status URL's, so it stays on fal's own host (see ``_same_origin``).
        """
        parts = urlsplit(url)
        stream_url = urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/stream"))
        parser = _SSEParser()
        try:
            async with client.stream(
                "GET",
                stream_url,
                headers={**headers, "Accept": "text/event-stream"},
                timeout=POLL_TIMEOUT,
            ) as response:
                media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if not response.is_success or media_type != "text/event-stream":
                    return None
                async for chunk in response.aiter_bytes():
                    for data in parser.feed(chunk):
                        try:
                            status = json.loads(data)
                        except ValueError:
                            return None  # not fal's status object: polling knows what to do
                        if not isinstance(status, dict):
                            return None
                        if progress.update(status):
                            return status
        except (httpx.HTTPError, _StreamTooLarge):
            pass  # refused, timed out or broken: polling continues from where the stream left off
        return None

    async def _poll(
        self, client: httpx.AsyncClient, url: str, headers: dict[str, str], progress: _Progress
    ) -> dict[str, Any]:
        delay = POLL_FIRST_S
        fast_until = asyncio.get_running_loop().time() + POLL_FAST_FOR_S
        while True:
            await asyncio.sleep(delay)
            if asyncio.get_running_loop().time() > fast_until:
                delay = min(POLL_MAX_S, delay * POLL_GROWTH)
            status = json_body(
                await send(client, "GET", url, provider=self.name, headers=headers, timeout=POLL_TIMEOUT), self.name
            )
            if progress.update(status):
                return status

    async def _cancel(self, client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> None:
        # Best effort and bounded: a cancel that cannot reach fal must not hold the user's cancel up.
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CANCEL_TIMEOUT_S):
                await client.put(url, headers=headers)

    async def _images(self, client: httpx.AsyncClient, output: dict[str, Any]) -> list[Any]:
        items = output.get("images")
        if not isinstance(items, list) and isinstance(output.get("image"), dict):
            items = [output["image"]]  # some endpoints answer with a single `image`
        if not isinstance(items, list) or not items:
            raise ProviderError("bad_response", "fal's result holds no images", http_status=200)
        flags = output.get("has_nsfw_concepts")
        flags = flags if isinstance(flags, list) else []
        # One flag per image: a flagged one is the safety checker's black placeholder, not an output.
        kept = [item for i, item in enumerate(items) if not (i < len(flags) and flags[i] is True)]
        if not kept:
            raise ProviderError(
                "content_policy", "fal's safety checker flagged the output (has_nsfw_concepts)", http_status=200
            )
        images = []
        for item in kept:
            url = item.get("url") if isinstance(item, dict) else None
            if not isinstance(url, str):
                raise ProviderError("bad_response", "a fal image has no url")
            images.append(await download_image(client, url, provider=self.name, trusted=(self.settings.base_url,)))
        return images
