"""The OpenAI Images request and response shape, which OpenAI, xAI and the compatible gateways share."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx

from providers.base import ImageData, ProviderError, ReferenceInput
from providers.common import read_refs
from providers.http import download_image, image_from_b64, send


async def post_images(
    client: httpx.AsyncClient, url: str, *, provider: str, headers: Mapping[str, str], model: str, prompt: str,
    fields: Mapping[str, Any], references: Iterable[ReferenceInput], on_first_byte: Callable[[], None],
    mask: ReferenceInput | None = None,
) -> httpx.Response:  # fmt: skip
    """JSON for a generation; multipart for an edit, one reference as ``image`` and several as ``image[]``
    (a repeated ``image`` is rejected as a duplicate_parameter), the mask as a ``mask`` file part."""
    refs = await read_refs(references)
    if not refs:
        body = {"model": model, "prompt": prompt, **fields}
        return await send(client, "POST", url, provider=provider, headers=dict(headers), json=body,
                          on_first_byte=on_first_byte)  # fmt: skip
    field = "image" if len(refs) == 1 else "image[]"
    files = [
        (field, (f"reference-{i + 1}.{(ref.mime or 'image/png').split('/')[-1]}", data, ref.mime))
        for i, (ref, data) in enumerate(refs)
    ]
    if mask is not None:
        ((_, mask_data),) = await read_refs((mask,))
        files.append(("mask", ("mask.png", mask_data, "image/png")))
    form = {"model": model, "prompt": prompt}
    form.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()})
    return await send(client, "POST", url, provider=provider, headers=dict(headers), data=form, files=files,
                      on_first_byte=on_first_byte)  # fmt: skip


async def images_from_data(
    items: list[Any], *, client: httpx.AsyncClient, provider: str, label: str, trusted: tuple[str | None, ...],
    check: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[list[ImageData], str | None]:  # fmt: skip
    """The images of a ``data`` list (base64 or URLs downloaded at once, as they expire) and the revised prompt."""
    images: list[ImageData] = []
    revised = None
    for item in items:
        if not isinstance(item, dict):
            raise ProviderError("bad_response", f"{label} `data` holds something that is not an object")
        if check is not None:
            check(item)
        if item.get("b64_json"):
            images.append(image_from_b64(item["b64_json"]))
        elif item.get("url"):
            images.append(await download_image(client, item["url"], provider=provider, trusted=trusted))
        else:
            raise ProviderError("bad_response", f"a {label} image has neither b64_json nor url")
        revised = revised or item.get("revised_prompt")
    return images, revised
