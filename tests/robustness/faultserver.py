"""A loopback HTTP server that misbehaves on purpose, the way real image APIs and gateways do.

One port serves several wire shapes, chosen by the first path segment: ``/openai/v1`` and ``/gw/v1`` (OpenAI
Images), ``/xai/v1`` (xAI) and ``/gemini/v1beta`` (Gemini ``generateContent``). What each request gets is
written in its prompt, ``fault:<scenario>:<n>``: the scenario is a list of steps, one per attempt (the last
repeats), so a run's whole history (a 429, then a reset, then an image) is fixed before it starts and the test
knows exactly how it must end. Faults are made at the socket where HTTP cannot express them: connection resets
(RST), hung connections, bodies cut short, headers then silence.

Run it in its own process (``python -m tests.robustness.faultserver`` prints its URL, serves until stdin
closes): in the test's process it would share the GIL with the client and answer late, and a late answer
is a timeout the scenario did not ask for.
"""

from __future__ import annotations

import base64
import io
import json
import re
import socket
import struct
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_FAULT = re.compile(rb"fault:([a-z0-9_]+(?:,[a-z0-9_]+)*):(\d+)")


def png(size: tuple[int, int] = (24, 16)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


PNG = png()
PNG_B64 = base64.b64encode(PNG).decode()


def image_body(flavour: str, b64: str = PNG_B64, **extra: Any) -> dict[str, Any]:
    if flavour == "gemini":
        part = {"inlineData": {"mimeType": "image/png", "data": b64}}
        return {"candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP"}]}
    return {"created": 1, "data": [{"b64_json": b64, **extra}]}


class FaultServer:
    def __init__(self) -> None:
        self.attempts: Counter[bytes] = Counter()  # per run key
        self.steps: Counter[str] = Counter()  # per step served
        self.requests = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *_args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                flavour = self.path.split("/")[1]
                match = _FAULT.search(body)
                if match is None:
                    self._json(400, {"error": {"message": "no fault in the prompt"}})
                    return
                with outer._lock:
                    outer.requests += 1
                    outer.attempts[match.group(0)] += 1
                    attempt = outer.attempts[match.group(0)]
                    steps = match.group(1).decode().split(",")
                    step = steps[min(attempt, len(steps)) - 1]
                    outer.steps[step] += 1
                getattr(self, f"_step_{step}")(flavour)

            def do_GET(self) -> None:  # /_stats: what was served, for the test in the other process
                with outer._lock:
                    stats = {"requests": outer.requests, "steps": dict(outer.steps)}
                self._json(200, stats)

            # -- plain HTTP answers ------------------------------------------------------------------------
            def _send(self, status: int, data: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _json(self, status: int, doc: Any, headers: dict[str, str] | None = None) -> None:
                self._send(status, json.dumps(doc).encode(), "application/json", headers)

            def _error(self, status: int, message: str, headers: dict[str, str] | None = None, **err: Any) -> None:
                self._json(status, {"error": {"message": message, "type": "server_error", **err}}, headers)

            def _step_ok(self, flavour: str) -> None:
                self._json(200, image_body(flavour))

            def _step_r429(self, _f: str) -> None:  # no Retry-After: our own backoff
                self._error(429, "Rate limit reached for images per minute")

            def _step_r429ra(self, _f: str) -> None:
                self._error(429, "Rate limit reached", {"Retry-After": "0"})

            def _step_r429ms(self, _f: str) -> None:
                self._error(429, "Rate limit reached", {"retry-after-ms": "15"})

            def _step_r429long(self, _f: str) -> None:
                self._error(429, "Try again in an hour", {"Retry-After": "3600"})

            def _step_s500(self, _f: str) -> None:
                self._error(500, "The server had an error while processing your request")

            def _step_s502html(self, _f: str) -> None:
                page = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
                self._send(502, page, "text/html")

            def _step_s503(self, _f: str) -> None:
                self._error(503, "overloaded", {"Retry-After": "0"})

            def _step_c400policy(self, _f: str) -> None:
                self._error(400, "Your request was rejected by the safety system", code="moderation_blocked")

            def _step_c401(self, _f: str) -> None:
                self._error(401, "Incorrect API key provided", code="invalid_api_key")

            def _step_badjson(self, _f: str) -> None:
                self._send(200, b'{"created": 1, "data": [{"b64_json": "iVBOR', "application/json")

            def _step_html200(self, _f: str) -> None:
                self._send(200, b"<html><body>Service Unavailable</body></html>", "text/html")

            def _step_badb64(self, flavour: str) -> None:
                self._json(200, image_body(flavour, "!!!this is not base64!!!"))

            def _step_notimage(self, flavour: str) -> None:
                self._json(200, image_body(flavour, base64.b64encode(b"GIF89a? no, just text").decode()))

            def _step_cutpng(self, flavour: str) -> None:  # valid base64 of a PNG cut in half
                self._json(200, image_body(flavour, base64.b64encode(PNG[: len(PNG) // 2]).decode()))

            def _step_empty(self, flavour: str) -> None:
                self._json(200, {"candidates": []} if flavour == "gemini" else {"created": 1, "data": []})

            def _step_xairefusal(self, flavour: str) -> None:  # HTTP 200, a placeholder image, moderation said no
                self._json(200, image_body(flavour, respect_moderation=False))

            def _step_imagesafety(self, _f: str) -> None:
                candidate = {"content": {"parts": [{"text": "I can't make that."}]}, "finishReason": "IMAGE_SAFETY"}
                self._json(200, {"candidates": [candidate]})

            def _step_promptblock(self, _f: str) -> None:
                self._json(200, {"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}})

            # -- faults below HTTP ---------------------------------------------------------------------------
            def _step_reset(self, _f: str) -> None:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()  # RST, not FIN
                self.close_connection = True

            def _step_hang(self, _f: str) -> None:
                outer._stop.wait(60)
                self.close_connection = True

            def _step_stall(self, _f: str) -> None:  # headers and a little body, then nothing
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                self.wfile.write(b'{"data": [{"b64_json": "')
                self.wfile.flush()
                outer._stop.wait(60)
                self.close_connection = True

            def _step_truncated(self, _f: str) -> None:  # Content-Length promises more than is sent
                data = json.dumps(image_body("openai")).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 3])
                self.wfile.flush()
                self.close_connection = True

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 512

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a reset we made ourselves is not news

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FaultServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()


def main() -> int:
    with FaultServer() as server:
        print(server.url, flush=True)
        sys.stdin.read()  # until the parent closes it (or dies)
    return 0


if __name__ == "__main__":
    sys.exit(main())
