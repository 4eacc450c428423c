"""Comparing what an official SDK sends with what imgbench sends for the same logical call.

Both are recorded by one loopback server (``tests.providers.loopback``), normalised, then diffed field by field.
The normalisation removes only what carries no meaning for the API, and nothing else:

- header order and case (a dict of lower-case names);
- transport and telemetry headers: ``host``, ``content-length``, ``connection``, ``accept-encoding``,
  ``user-agent``, the OpenAI SDK's ``x-stainless-*`` (its OS, runtime, retry count) and google-genai's
  ``x-goog-api-client``; fal-client's ``x-fal-*`` app-context headers are kept (imgbench sends none: listed);
- the multipart boundary string (``content-type: multipart/form-data`` is compared without it), multipart file
  names (the API reads the bytes and the part's type, not what the file was called) and the order of the
  non-file form fields (a form is a set of fields; the order of the files is compared: slot 1 is the first);
- base64 spelling: standard or URL-safe alphabet, padding, a ``data:`` prefix: any string that decodes to image
  bytes becomes ``<image sha256-prefix mime>``, so the same bytes compare equal however they were spelled.

Everything else is a difference, reported as one line; each test lists the ones it expects, with the reason.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.providers.loopback import Recorded

IGNORED_HEADERS = {"host", "content-length", "connection", "accept-encoding", "user-agent", "x-goog-api-client"}
IGNORED_PREFIXES = ("x-stainless-",)
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"RIFF", "image/webp"))
_B64 = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")


@dataclass(frozen=True)
class Wire:
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: dict[str, str]
    body: Any


def image_token(data: bytes) -> str | None:
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return f"<image {hashlib.sha256(data).hexdigest()[:12]} {mime}>"
    return None


def _unb64(text: str) -> bytes | None:
    body = text.partition(",")[2] if text.startswith("data:") and ";base64," in text[:80] else text
    if len(body) < 16 or not _B64.match(body):
        return None
    try:
        return base64.b64decode(body.replace("-", "+").replace("_", "/") + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return None


def normalise_value(value: Any) -> Any:
    """JSON with every base64-or-data-URI image replaced by its token, whatever its spelling."""
    if isinstance(value, dict):
        return {k: normalise_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise_value(v) for v in value]
    if isinstance(value, str) and (raw := _unb64(value)) is not None and (token := image_token(raw)):
        return token
    return value


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    fields: dict[str, Any] = {}
    files: list[tuple[str, str, str]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if part.get_filename() is not None:
            files.append((name, part.get_content_type(), image_token(payload) or f"<{len(payload)} bytes>"))
        else:
            if name in fields:
                fields[name] = [*([fields[name]] if not isinstance(fields[name], list) else fields[name])]
                fields[name].append(payload.decode())
            else:
                fields[name] = payload.decode()
    return {"fields": dict(sorted(fields.items())), "files": files}


def normalise(rec: Recorded) -> Wire:
    parts = urlsplit(rec.path)
    headers = {k: v for k, v in rec.headers.items() if k not in IGNORED_HEADERS and not k.startswith(IGNORED_PREFIXES)}
    content_type = rec.headers.get("content-type", "")
    body: Any = None
    if content_type.startswith("multipart/form-data"):
        headers["content-type"] = "multipart/form-data"  # the boundary string differs on every request
        body = _multipart(content_type, rec.body)
    elif rec.body:
        try:
            body = normalise_value(json.loads(rec.body))
        except ValueError:
            body = f"<{len(rec.body)} bytes, not JSON>"
    return Wire(rec.method, parts.path, tuple(sorted(parse_qsl(parts.query))), headers, body)


def _diff(path: str, sdk: Any, ours: Any, out: list[str]) -> None:
    if isinstance(sdk, dict) and isinstance(ours, dict):
        for key in sorted(set(sdk) | set(ours), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in ours:
                out.append(f"{where}: only the SDK sends it ({sdk[key]!r})")
            elif key not in sdk:
                out.append(f"{where}: only imgbench sends it ({ours[key]!r})")
            else:
                _diff(where, sdk[key], ours[key], out)
    elif isinstance(sdk, list) and isinstance(ours, list) and len(sdk) == len(ours):
        for i, (a, b) in enumerate(zip(sdk, ours, strict=True)):
            _diff(f"{path}[{i}]", a, b, out)
    elif sdk != ours:
        out.append(f"{path}: SDK {sdk!r}, imgbench {ours!r}")


def differences(sdk: Recorded, ours: Recorded) -> list[str]:
    """Every way imgbench's request differs from the SDK's after normalisation, one line each."""
    a, b = normalise(sdk), normalise(ours)
    out: list[str] = []
    _diff("", {"method": a.method, "path": a.path, "query": a.query}, {"method": b.method, "path": b.path,
          "query": b.query}, out)  # fmt: skip
    _diff("header", a.headers, b.headers, out)
    _diff("body", a.body, b.body, out)
    return out


def assert_same(sdk: Recorded, ours: Recorded, expected: dict[str, str]) -> None:
    """The requests differ exactly by the listed differences (each with its reason), no more and no fewer."""
    got = differences(sdk, ours)
    unexpected = [d for d in got if d not in expected]
    missing = [d for d in expected if d not in got]
    assert not unexpected and not missing, (
        "imgbench's request no longer matches the SDK's as documented:\n"
        + "".join(f"  new difference: {d}\n" for d in unexpected)
        + "".join(f"  gone (update the list): {d}\n" for d in missing)
    )
