"""Where an image URL from a provider's answer may lead: only to public addresses (resolved, checked, and the
connection pinned to the checked address), except a configured endpoint's own origin, and loopback only when a
configured base URL is loopback itself (a test, a local server)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpx

from providers.base import ProviderError

# Tests on loopback servers call the download code directly, with no configured base URL to allow loopback by;
# the test suite's conftest turns this on (as it guards every other connection), nothing else does.
LOOPBACK_ALLOWED = False


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def is_loopback_host(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def checked_address(url: str, trusted: Iterable[str | None] = ()) -> str | None:
    """The address to connect to for an image URL from a provider's answer: its host resolved, every address
    checked to be public (a provider's answer must not make this machine call an internal service or the cloud
    metadata address), the first one returned. A configured endpoint's own origin is trusted as it is (None:
    connect as usual); loopback only when a configured base URL is loopback itself (a test, a local server), and
    plain http only there."""
    scheme, host, port = origin(url)
    trusted = [base for base in trusted if base]
    if any(origin(base) == (scheme, host, port) for base in trusted):
        return None
    loopback_ok = LOOPBACK_ALLOWED or any(is_loopback_host(origin(base)[1]) for base in trusted)
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
        addresses = [str(literal)]
    except ValueError:
        if host in ("localhost", "localhost.localdomain"):
            addresses = ["127.0.0.1"]
        else:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError):
                raise ProviderError("network", f"cannot resolve the image host {host}") from None
            addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if scheme == "http" and not (addresses and loopback_ok and all(is_loopback_host(a) for a in addresses)):
        raise ProviderError("bad_response", f"refusing to download an image over plain http from {host}")
    for address in addresses:
        if is_loopback_host(address) and loopback_ok:
            continue
        if not _is_public(address):
            raise ProviderError(
                "bad_response", f"refusing to download an image from {host}: it resolves to {address}, not public"
            )
    return addresses[0] if addresses else None


def pinned(request_url: str, address: str | None) -> tuple[str, dict[str, Any]]:
    """The URL with its host replaced by the checked address (Host header and TLS name kept), so the connection
    goes where the check looked, whatever DNS answers a moment later."""
    parts = httpx.URL(request_url)
    if address is None or parts.host == address:
        return request_url, {}
    pinned = parts.copy_with(host=address)
    headers = {"Host": parts.netloc.decode("ascii")}
    return str(pinned), {"headers": headers, "extensions": {"sni_hostname": parts.host}}
