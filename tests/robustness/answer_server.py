"""A real HTTP server on 127.0.0.1 whose every request is answered by one function: the hostile-provider and
secrets tests script a provider that answers with what it was sent (an echo of the key), each in its own shape.

Threads, not asyncio: the code under test owns the event loop.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass
class Answer:
    status: int
    payload: Any  # bytes or str go out as they are; anything else as JSON
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if isinstance(self.payload, bytes):
            return self.payload
        return self.payload.encode() if isinstance(self.payload, str) else json.dumps(self.payload).encode()


class AnswerServer:
    """``with AnswerServer(answer) as server:`` serves ``answer(request)`` for GET, POST and PUT at ``server.url``."""

    def __init__(self, answer: Callable[[Request], Answer]) -> None:
        self.requests = 0

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                pass

            def do_POST(self) -> None:
                outer.requests += 1
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = answer(Request(self.command, self.path, headers, body))
                data = reply.encoded()
                self.send_response(reply.status)
                sent = {"Content-Type": "application/json", **reply.headers, "Content-Length": str(len(data))}
                for name, value in sent.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST

        outer = self
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> AnswerServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
