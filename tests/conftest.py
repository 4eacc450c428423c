"""Every test runs with its own config and data directories, no provider keys, and no network
beyond loopback: a guard fails any other connection."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

PROVIDER_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "XAI_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "FAL_KEY",
    "OPENROUTER_API_KEY",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


class NetworkBlocked(RuntimeError):
    pass


def _is_loopback(address: object) -> bool:
    if not isinstance(address, tuple) or not address:
        return True  # AF_UNIX paths and the like never leave the machine
    host = address[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _network_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def connect(self: socket.socket, address: object) -> None:
        if not _is_loopback(address):
            raise NetworkBlocked(f"test tried to reach {address!r}: only loopback is allowed")
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        if not _is_loopback(address):
            raise NetworkBlocked(f"test tried to reach {address!r}: only loopback is allowed")
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    # Image downloads from loopback servers: allowed in tests (the guard above keeps them on this machine);
    # tests/robustness/test_hostile_providers.py turns it off to check what a user's machine refuses.
    from providers import addresses

    monkeypatch.setattr(addresses, "LOOPBACK_ALLOWED", True)


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("IMGBENCH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("IMGBENCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IMGBENCH_CACHE_DIR", str(tmp_path / "cache"))
    for name in PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    for name in list(__import__("os").environ):
        if name.startswith("IMGBENCH_") and name.endswith("_BASE_URL"):
            monkeypatch.delenv(name, raising=False)
    from tui.core import checking, previews
    from tui.imaging import check_queue, thumb_queue

    previews.install(thumb_queue)  # as every command and the App do
    checking.install(check_queue)
    yield

    # Background thumbnails read the cache dir from the environment: they finish before it is restored; machine
    # checks write to the test's session files, so they finish first too.
    thumb_queue.wait(30)
    check_queue.wait(120)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    path = tmp_path / "config"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def fast_demo(config_dir: Path) -> Path:
    """Demo models answer in 20 ms: the tests are about behaviour, not latency."""
    (config_dir / "config.toml").write_text("[providers.demo]\nlatency_ms = 20\n")
    return config_dir


@pytest.fixture
def make_image(tmp_path: Path):
    """Write a real image file: make_image("name.png", (w, h), colour, format)."""
    from PIL import Image

    def make(
        name: str = "ref.png",
        size: tuple[int, int] = (64, 96),
        colour: tuple[int, int, int] = (200, 80, 40),
        fmt: str | None = None,
    ) -> Path:
        path = tmp_path / "inputs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", size, colour).save(path, fmt)
        return path

    return make


@pytest.fixture
def fresh_preview_caches() -> Iterator[None]:
    """The preview renderer's in-process caches emptied around a test (they outlive one test otherwise)."""
    from tui.imaging import graphics, halfblock, thumbs

    halfblock.cache_clear()
    thumbs._failures.clear()
    graphics.reset()
    yield
    graphics.reset()
