"""A real HTTP server on 127.0.0.1 that speaks one provider's wire format, scriptable per test.

``Loopback("openai")`` answers like OpenAI Images, ``"xai"``, ``"gemini"``, ``"fal"`` (the queue:
submit, status, streamed status (SSE), result, cancel) and ``"openrouter"`` likewise. Every request is recorded (method,
path, headers, body; multipart parsed). ``script(method, path_prefix, *replies)`` queues one-shot
answers that win over the default, in order: a 429 then the default success, a hang, a bad body.
Threads, not asyncio: the adapters under test own the event loop.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SSE_HEARTBEAT_S = 0.5  # fal's stream sends `: ping`-style comments while nothing changes
PREFIX = {"openai": "/v1", "xai": "/v1", "gemini": "/v1beta", "fal": "", "openrouter": "/api/v1", "compat": "/v1"}


def png_bytes(size: tuple[int, int] = (24, 16), colour: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering; a long one is a hung server
    # A body written chunk by chunk as it is produced (Server-Sent Events); ``cut`` then drops the
    # connection instead of ending the body, as a stream that breaks mid-way.
    stream: Callable[[], Iterable[bytes]] | None = None
    cut: bool = False


def sse_event(data: Any, *, multiline: bool = False) -> bytes:
    """One SSE event carrying ``data`` as JSON; ``multiline`` spreads it over several ``data:`` lines."""
    text = json.dumps(data, indent=1 if multiline else None)
    return "".join(f"data: {line}\n" for line in text.split("\n")).encode() + b"\n"


def sse(*events: Any, cut: bool = False, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """A scripted event stream: dicts become ``data:`` events, bytes go out as they are (comments, raw lines)."""
    chunks = [e if isinstance(e, bytes) else sse_event(e) for e in events]
    return Reply(
        status,
        headers={"Content-Type": "text/event-stream", **(headers or {})},
        stream=lambda: iter(chunks),
        cut=cut,
    )


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> list[tuple[str, str | bytes, str | None]]:
        """Multipart parts as (field name, text or bytes, filename)."""
        raw = b"Content-Type: " + self.headers["content-type"].encode() + b"\r\n\r\n" + self.body
        message = BytesParser(policy=HTTP).parsebytes(raw)
        parts = []
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            payload = part.get_payload(decode=True)
            parts.append((name, payload if filename else payload.decode(), filename))
        return parts


Handler = Callable[[Recorded, re.Match[str]], Reply]


class Loopback:
    def __init__(self, flavour: str, *, latency: float = 0.0, image: bytes | None = None) -> None:
        self.flavour = flavour
        self.latency = latency
        self.image = image or png_bytes()
        self.requests: list[Recorded] = []
        self.files: dict[str, Reply] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self._scripts: list[tuple[str, str, list[Reply]]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ids = itertools.count(1)
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        getattr(self, f"_install_{flavour}")()
        self._route("GET", r"/files/(?P<name>[^/?]+)", self._file)

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> Loopback:
        server_self = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real APIs do
            disable_nagle_algorithm = True  # else headers then body meet delayed ACKs: 40 ms a request

            def log_message(self, *_args: Any) -> None:
                pass

            def _any(self) -> None:
                server_self._serve(self)

            do_GET = do_POST = do_PUT = do_DELETE = _any

        class _Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256  # a whole parallel run connects at once

        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # releases hung handlers
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Loopback:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return self.url + PREFIX[self.flavour]

    # -- scripting ------------------------------------------------------------------------------
    def script(self, method: str, path_prefix: str, *replies: Reply) -> None:
        with self._lock:
            self._scripts.append((method, path_prefix, list(replies)))

    def calls(self, method: str | None = None, contains: str = "") -> list[Recorded]:
        return [r for r in self.requests if (method is None or r.method == method) and contains in r.path]

    def _route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(pattern + r"(\?.*)?$"), handler))

    def _take_script(self, method: str, path: str) -> Reply | None:
        with self._lock:
            for m, prefix, replies in self._scripts:
                if m == method and path.startswith(prefix) and replies:
                    return replies.pop(0)
        return None

    # -- serving --------------------------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("content-length") or 0)
        body = h.rfile.read(length) if length else b""
        rec = Recorded(h.command, h.path, {k.lower(): v for k, v in h.headers.items()}, body, time.monotonic())
        with self._lock:
            self.requests.append(rec)
        reply = self._take_script(h.command, h.path)
        if reply is None:
            for method, pattern, handler in self._routes:
                if method == h.command and (m := pattern.match(h.path)):
                    reply = handler(rec, m)
                    break
            else:
                reply = Reply(404, {"error": {"message": f"no route for {h.command} {h.path}", "type": "not_found"}})
        if reply.delay and self._stop.wait(reply.delay):
            return
        if reply.stream is not None:
            self._send_stream(h, reply)
            return
        payload = reply.body if reply.body is not None else json.dumps(reply.json).encode()
        try:
            h.send_response(reply.status)
            headers = {"Content-Type": "application/json", **reply.headers}
            for name, value in headers.items():
                h.send_header(name, value)
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer

    def _send_stream(self, h: BaseHTTPRequestHandler, reply: Reply) -> None:
        try:
            h.send_response(reply.status)
            headers = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache", **reply.headers}
            for name, value in headers.items():
                h.send_header(name, value)
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            for chunk in reply.stream():
                if chunk:
                    h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    h.wfile.flush()
            # One stream a connection: a client that has what it wanted closes it mid-body (as fal's does).
            h.close_connection = True
            if not reply.cut:  # cut: no last chunk, the client sees the body broken off
                h.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True  # the client stopped listening (it got what it wanted, or was cancelled)

    def _file(self, _rec: Recorded, m: re.Match[str]) -> Reply:
        name = m.group("name")
        if name in self.files:
            return self.files[name]
        return Reply(body=self.image, headers={"Content-Type": "image/png"})

    def _b64(self) -> str:
        return base64.b64encode(self.image).decode()

    # -- flavours -------------------------------------------------------------------------------
    def _install_openai(self) -> None:
        def images(rec: Recorded, _m: re.Match[str]) -> Reply:
            usage = {
                "input_tokens": 60,
                "input_tokens_details": {"text_tokens": 50, "image_tokens": 10},
                "output_tokens": 1056,
                "output_tokens_details": {"image_tokens": 1056, "text_tokens": 0},
                "total_tokens": 1116,
            }
            return Reply(
                json={"created": int(time.time()), "data": [{"b64_json": self._b64()}], "usage": usage},
                delay=self.latency,
            )

        self._route("POST", r"/v1/images/(generations|edits)", images)

    _install_compat = _install_openai

    def _install_xai(self) -> None:
        def images(rec: Recorded, _m: re.Match[str]) -> Reply:
            name = f"xai-{next(self._ids)}.png"
            item = {
                "url": f"{self.url}/files/{name}",
                "revised_prompt": "a revised prompt",
                "respect_moderation": True,
                "mime_type": "image/png",
            }
            return Reply(json={"data": [item], "usage": {"cost_in_usd_ticks": 200_000_000}}, delay=self.latency)

        self._route("POST", r"/v1/images/(generations|edits)", images)

    def _install_gemini(self) -> None:
        def generate(rec: Recorded, _m: re.Match[str]) -> Reply:
            parts = [{"text": "Here is your image."}, {"inlineData": {"mimeType": "image/png", "data": self._b64()}}]
            return Reply(json=gemini_answer(parts), delay=self.latency)

        self._route("POST", r"/v1beta/models/(?P<model>[^/:]+):generateContent", generate)

    def _install_openrouter(self) -> None:
        def chat(rec: Recorded, _m: re.Match[str]) -> Reply:
            message = {
                "role": "assistant",
                "content": "",
                "images": [{"type": "image_url", "image_url": {"url": "data:image/png;base64," + self._b64()}}],
            }
            usage = {"prompt_tokens": 20, "completion_tokens": 1290, "total_tokens": 1310, "cost": 0.0387}
            # The envelope OpenRouter's own SDK requires of an answer (it refuses one without these).
            envelope = {"id": f"gen-{next(self._ids)}", "object": "chat.completion", "created": 1764633600}
            envelope |= {"model": (rec.json or {}).get("model", ""), "system_fingerprint": None}
            choice = {"index": 0, "message": message, "finish_reason": "stop"}
            return Reply(json={**envelope, "choices": [choice], "usage": usage}, delay=self.latency)

        self._route("POST", r"/api/v1/chat/completions", chat)

    def _install_fal(self) -> None:
        def submit(rec: Recorded, m: re.Match[str]) -> Reply:
            path = m.group("path")
            rid = f"req-{next(self._ids)}"
            app = "/".join(path.split("/")[:2])
            base = f"{self.url}/{app}/requests/{rid}"
            self.jobs[rid] = {"path": path, "submitted": time.monotonic(), "cancelled": False, "input": rec.json}
            return Reply(
                json={
                    "request_id": rid,
                    "status": "IN_QUEUE",
                    "queue_position": 2,
                    "status_url": f"{base}/status",
                    "response_url": base,
                    "cancel_url": f"{base}/cancel",
                }
            )

        def state(job: dict[str, Any]) -> tuple[dict[str, Any], float | None]:
            """The job's status now, and the seconds until it changes (None: not by itself)."""
            elapsed = time.monotonic() - job["submitted"]
            latency = job.get("latency", self.latency)
            if job["cancelled"]:
                return {"status": "IN_QUEUE", "queue_position": 1}, None
            if elapsed < latency / 3:
                return {"status": "IN_QUEUE", "queue_position": 1}, latency / 3 - elapsed
            if elapsed < latency:
                return {"status": "IN_PROGRESS", "logs": []}, latency - elapsed
            return {"status": "COMPLETED", "logs": [], "metrics": {"inference_time": latency}}, None

        def status(_rec: Recorded, m: re.Match[str]) -> Reply:
            job = self.jobs.get(m.group("rid"))
            if job is None:
                return Reply(404, {"detail": "Request not found"})
            now, _ = state(job)
            return Reply(200 if now["status"] == "COMPLETED" else 202, now)

        def status_stream(_rec: Recorded, m: re.Match[str]) -> Reply:
            """Each status as it changes, a heartbeat comment after the first and every SSE_HEARTBEAT_S of quiet."""
            job = self.jobs.get(m.group("rid"))
            if job is None:
                return Reply(404, {"detail": "Request not found"})

            def events() -> Iterator[bytes]:
                sent: dict[str, Any] | None = None
                while True:
                    now, change_in = state(job)
                    if now != sent:
                        yield sse_event(now)
                        if now["status"] == "COMPLETED":
                            return
                        if sent is None:
                            yield b": heartbeat\n\n"
                        sent = now
                    else:
                        yield b": heartbeat\n\n"
                    wait = SSE_HEARTBEAT_S if change_in is None else min(SSE_HEARTBEAT_S, change_in)
                    if self._stop.wait(wait):
                        return

            return Reply(headers={"Content-Type": "text/event-stream"}, stream=events)

        def result(_rec: Recorded, m: re.Match[str]) -> Reply:
            rid = m.group("rid")
            image = {"url": f"{self.url}/files/{rid}.png", "content_type": "image/png", "width": 24, "height": 16}
            return Reply(
                json={"images": [image], "seed": 42, "has_nsfw_concepts": [False], "timings": {"inference": 1}}
            )

        def cancel(_rec: Recorded, m: re.Match[str]) -> Reply:
            job = self.jobs.get(m.group("rid"))
            if job is not None:
                job["cancelled"] = True
            return Reply(202, {"status": "CANCELLATION_REQUESTED"})

        rid = r"/(?P<app>[^/]+/[^/]+)/requests/(?P<rid>[^/?]+)"
        self._route("GET", rid + "/status", status)
        self._route("GET", rid + "/status/stream", status_stream)
        self._route("PUT", rid + "/cancel", cancel)
        self._route("GET", rid, result)
        self._route("POST", r"/(?P<path>(?!files/)[^?]+)", submit)


def gemini_answer(parts: list[dict[str, Any]], finish: str = "STOP", **extra: Any) -> dict[str, Any]:
    return {
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": finish}],
        "usageMetadata": {
            "promptTokenCount": 17,
            "candidatesTokenCount": 1290,
            "totalTokenCount": 1307,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 17}],
            "candidatesTokensDetails": [{"modality": "IMAGE", "tokenCount": 1290}],
        },
        "modelVersion": "gemini-2.5-flash-image",
        **extra,
    }
