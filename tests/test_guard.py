import socket

import pytest

from tests.conftest import NetworkBlocked


def test_guard_blocks_the_internet() -> None:
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)


def test_guard_allows_loopback() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    try:
        client = socket.create_connection(server.getsockname(), timeout=1)
        client.close()
    finally:
        server.close()
