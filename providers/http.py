"""The one shared httpx client, and turning HTTP into results or classified ProviderErrors.

Every adapter sends through :func:`send` and reads images through :func:`download_image` /
:func:`decode_b64_image`, so timeouts, size caps, error classification and key redaction are
decided once, here.
"""

from __future__ import annotations

import base64
import binascii
import functools
import importlib
import ssl
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urljoin

import httpx

from providers.addresses import checked_address, is_loopback_host, origin, pinned
from providers.base import ImageData, ProviderError
from providers.errors import classify, error_details, parse_retry_after, redact

__all__ = [  # the error helpers live in providers.errors; adapters reach them through here too
    "classify",
    "decode_b64_image",
    "download_image",
    "error_details",
    "is_loopback_host",
    "make_client",
    "parse_retry_after",
    "raise_for_status",
    "redact",
    "send",
    "ssl_context",
    "warm_up",
]

# Image generation can take minutes (gpt-image-2 high quality > 2 min), so reads wait long; the
# runner's asyncio.timeout(settings.timeout_s) is what bounds a whole attempt.
TIMEOUT = httpx.Timeout(connect=15.0, read=300.0, write=60.0, pool=600.0)
# Pool waits are long on purpose: the runner's semaphores already cap concurrency per provider.
LIMITS = httpx.Limits(max_connections=256, max_keepalive_connections=64, keepalive_expiry=30.0)
MAX_RESPONSE_BYTES = 256 * 1024 * 1024  # a 4K PNG as base64 is ~40 MB; several of them still fit
MAX_IMAGE_BYTES = 64 * 1024 * 1024
MAX_REDIRECTS = 3
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
_SECRET_HEADERS = ("authorization", "x-goog-api-key", "x-api-key", "api-key")


@functools.cache
def _version() -> str:
    # Not ``tui.__version__``: providers never import tui.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("imgbench")
    except PackageNotFoundError:
        return "0+unknown"


_ssl_lock = threading.Lock()
_ssl_cached: list[ssl.SSLContext] = []


def ssl_context() -> ssl.SSLContext:
    """One TLS context for the process: loading the CA bundle takes 40-50 ms, and a TUI session makes a client
    for every batch of runs. Safe to call from any thread."""
    with _ssl_lock:
        if not _ssl_cached:
            _ssl_cached.append(httpx.create_ssl_context())
        return _ssl_cached[0]


# What httpx imports on a client's first request, not when it is imported: ~40 ms in a fresh process.
_FIRST_REQUEST_MODULES = ("h11", "httpcore", "anyio._backends._asyncio", "anyio.streams.tls", "sniffio")


def _prepare() -> None:
    ssl_context()
    _version()  # importlib.metadata reads the installed distributions: ~10 ms
    for name in _FIRST_REQUEST_MODULES:
        importlib.import_module(name)


def warm_up() -> None:
    """Make the first run's requests as fast as the later ones: build the TLS context and import what the first
    request would, in the background, while the user (or the CLI) is still composing."""
    if not _ssl_cached:
        # Not a daemon: a process that exits at once (a bad argument) waits the ~50 ms for it, where a daemon
        # thread still importing C extensions while the interpreter shuts down can crash it.
        threading.Thread(target=_prepare, name="imgbench-http-warm-up").start()


class PerOriginTransport(httpx.AsyncBaseTransport):
    """One connection pool per origin behind the one shared client.

    httpcore's pool walks every connection it holds on each request and each response closed, so one pool serving
    six providers at once costs O(connections x requests): over 36 parallel runs on five loopback servers, pools per
    origin finished ~50 ms sooner. Limits apply per origin; the runner's semaphores cap concurrency anyway.
    """

    def __init__(self, **options: Any) -> None:
        import urllib.request

        self._options = options
        self._pools: dict[tuple[bytes, bytes, int | None], httpx.AsyncHTTPTransport] = {}
        # httpx reads HTTP(S)_PROXY / ALL_PROXY / NO_PROXY only for its own default transport: honour them here.
        self._proxies = {k: v for k, v in urllib.request.getproxies_environment().items() if v}
        self._bypass = urllib.request.proxy_bypass_environment

    def proxy_for(self, url: httpx.URL) -> str | None:
        proxy = self._proxies.get(url.scheme) or self._proxies.get("all")
        if not proxy or self._bypass(f"{url.host}:{url.port}" if url.port else url.host):
            return None
        return proxy

    def pool_for(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        origin = (url.raw_scheme, url.raw_host, url.port)
        pool = self._pools.get(origin)
        if pool is None:
            pool = self._pools[origin] = httpx.AsyncHTTPTransport(proxy=self.proxy_for(url), **self._options)
        return pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.pool_for(request.url).handle_async_request(request)

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()


def make_client(**overrides: Any) -> httpx.AsyncClient:
    """The client one runner shares across every provider and run."""
    options: dict[str, Any] = {
        "transport": PerOriginTransport(verify=ssl_context(), limits=LIMITS),
        "timeout": TIMEOUT,
        "follow_redirects": False,  # a redirect could carry the Authorization header elsewhere
        "headers": {"User-Agent": f"imgbench/{_version()}"},
    }
    options.update(overrides)
    return httpx.AsyncClient(**options)


# -- secrets ----------------------------------------------------------------------------------
def request_secrets(request: httpx.Request | None) -> list[str]:
    """The credentials a request carries (auth headers, ``key=`` query), to scrub from any message."""
    if request is None:
        return []
    found = []
    for name in _SECRET_HEADERS:
        value = request.headers.get(name, "")
        token = value.split(" ", 1)[1] if name == "authorization" and " " in value else value
        if len(token) >= 4:
            found.append(token)
    found += [v for k, v in parse_qsl(request.url.query.decode("ascii", "replace")) if k == "key" and len(v) >= 4]
    return found


def raise_for_status(response: httpx.Response, provider: str) -> None:
    """Raise the classified ProviderError for a non-2xx response (its body must have been read)."""
    if response.is_success:
        return
    try:
        request: httpx.Request | None = response.request
    except RuntimeError:  # a Response built by hand has none
        request = None
    secrets = request_secrets(request)
    message, code, delay = error_details(response.content, response.headers.get("content-type", ""), secrets)
    message = redact(message, secrets)
    code = redact(code, secrets) if code else code  # some servers echo what they were sent in the code too
    raise classify(response.status_code, message, code, provider=provider, headers=response.headers, retry_after=delay)


def transport_error(exc: httpx.HTTPError, provider: str, secrets: Iterable[str | None] = ()) -> ProviderError:
    detail = redact(str(exc) or type(exc).__name__, secrets)
    if isinstance(exc, httpx.TimeoutException):
        return ProviderError("timeout", f"{provider}: {type(exc).__name__} ({detail})")
    return ProviderError("network", f"{provider}: {type(exc).__name__}: {detail}")


# -- sending ----------------------------------------------------------------------------------
async def _read_capped(response: httpx.Response, max_bytes: int, what: str) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ProviderError("bad_response", f"{what} is {int(declared)} bytes, over the {max_bytes} byte cap")
    buf = bytearray()
    async for chunk in response.aiter_bytes():
        buf += chunk
        if len(buf) > max_bytes:
            raise ProviderError("bad_response", f"{what} is over the {max_bytes} byte cap; stopped reading")
    return bytes(buf)


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    provider: str,
    on_first_byte: Callable[[], None] | None = None,
    max_bytes: int = MAX_RESPONSE_BYTES,
    check: bool = True,
    **kwargs: Any,
) -> httpx.Response:
    """One request, body read under a cap; transport failures and (with ``check``) HTTP errors classified."""
    request = client.build_request(method, url, **kwargs)
    secrets = request_secrets(request)
    try:
        response = await client.send(request, stream=True)
        try:
            if on_first_byte is not None:
                on_first_byte()
            body = await _read_capped(response, max_bytes, f"the {provider} response")
        finally:
            await response.aclose()
    except httpx.HTTPError as exc:
        raise transport_error(exc, provider, secrets) from None
    # A fresh response holding the decoded body: the streamed one has been consumed and closed.
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in ("content-encoding",)]
    result = httpx.Response(response.status_code, headers=headers, content=body, request=request)
    if check:
        raise_for_status(result, provider)
    return result


def json_body(response: httpx.Response, provider: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        excerpt = " ".join(redact(response.text, request_secrets(response.request)).split())[:120]
        raise ProviderError(
            "bad_response", f"{provider} answered with a body that is not JSON: {excerpt!r}", http_status=200
        ) from None
    if not isinstance(data, dict):
        raise ProviderError("bad_response", f"{provider} answered with JSON that is not an object")
    return data


# -- images -----------------------------------------------------------------------------------
def sniff_mime(data: bytes) -> str | None:
    for magic, mime in _IMAGE_MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def decode_b64_image(value: str) -> bytes:
    """Bytes of a base64 image, with or without a ``data:...;base64,`` prefix."""
    if not isinstance(value, str) or not value.strip():
        raise ProviderError("bad_response", "the provider sent an empty base64 image")
    text = value.strip()
    if text.startswith("data:"):
        header, sep, text = text.partition(",")
        if not sep or ";base64" not in header:
            raise ProviderError("bad_response", "the provider sent a data URI that is not base64")
    text = "".join(text.split())
    try:
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ProviderError("bad_response", "the provider sent invalid base64 image data") from None


def image_from_b64(value: str) -> ImageData:
    data = decode_b64_image(value)
    mime = sniff_mime(data)
    if mime is None:
        raise ProviderError("bad_response", "the provider's base64 data is not a PNG, JPEG, WebP or GIF image")
    return ImageData(data, mime)


def check_download_url(url: str, trusted: Iterable[str | None] = ()) -> None:
    """https anywhere; plain http only to loopback or to the origin of a base URL the user configured (or to a name,
    when a loopback base URL is configured: ``checked_address`` then requires it to resolve to loopback). Where
    https may lead (public addresses only) is ``checked_address``'s to say, once the host is resolved."""
    scheme, host, port = origin(url)
    if not host or scheme not in ("http", "https"):
        raise ProviderError("bad_response", f"the provider sent an image URL imgbench will not fetch: {url[:80]!r}")
    trusted = [base for base in trusted if base]
    if scheme == "https" or is_loopback_host(host) or any(origin(base) == (scheme, host, port) for base in trusted):
        return
    if any(is_loopback_host(origin(base)[1]) for base in trusted):
        return
    raise ProviderError("bad_response", f"refusing to download an image over plain http from {host}")


async def download_image(
    client: httpx.AsyncClient,
    url: str,
    *,
    max_bytes: int | None = None,
    provider: str = "provider",
    trusted: Iterable[str | None] = (),
) -> ImageData:
    """Fetch an image URL at once (they expire), without credentials, under a size cap."""
    if url.startswith("data:"):
        return image_from_b64(url)
    max_bytes = MAX_IMAGE_BYTES if max_bytes is None else max_bytes
    trusted = tuple(trusted)
    for _hop in range(MAX_REDIRECTS + 1):
        check_download_url(url, trusted)
        address = await checked_address(url, trusted)
        target, pin = pinned(url, address)
        try:
            response = await client.send(client.build_request("GET", target, **pin), stream=True)
            try:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                if response.status_code != 200:
                    raise ProviderError(
                        "bad_response",
                        f"the {provider} image URL answered HTTP {response.status_code} (expired or missing?)",
                        http_status=response.status_code,
                    )
                ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if ctype and not (ctype.startswith("image/") or ctype.endswith("octet-stream")):
                    raise ProviderError("bad_response", f"the {provider} image URL sent {ctype}, not an image")
                data = await _read_capped(response, max_bytes, f"the {provider} image")
            finally:
                await response.aclose()
        except httpx.HTTPError as exc:
            raise transport_error(exc, f"{provider} image download") from None
        mime = sniff_mime(data)
        if mime is None:
            raise ProviderError("bad_response", f"the {provider} image URL sent bytes that are not an image")
        return ImageData(data, mime)
    raise ProviderError("bad_response", f"the {provider} image URL redirected more than {MAX_REDIRECTS} times")
