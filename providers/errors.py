"""Classifying provider failures: every error body shape, Retry-After, the taxonomy of kinds."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from providers.base import ProviderError

_POLICY_CODES = {
    "moderation_blocked",
    "content_policy_violation",
    "content_policy",
    "content_filter",
    "image_safety",
    "prohibited_content",
    "safety",
    "moderation",
}
_POLICY_PHRASES = (
    "safety system",
    "content policy",
    "flagged by a content checker",
    "safety filter",
    "requires moderation",  # OpenRouter's 403 for a moderated model: "… Your input was flagged for …"
)
# 403s that no key can fix: the account's country is not served (OpenAI).
_REGION_CODES = {"unsupported_country_region_territory"}


REDACTED = "[redacted]"
MIN_PREFIX = 8  # a key's first 8 characters are already enough to be worth hiding


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """The one redaction of everything imgbench keeps or shows from a provider: each secret, and any part of the
    text that is a prefix of 8 or more of its characters (a key cut short by a truncation, ours or the server's),
    replaced. Apply it before any truncation: a cut can leave too little of the key to recognise."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        if len(secret) < MIN_PREFIX:
            text = text.replace(secret, REDACTED)
            continue
        head, parts, start = secret[:MIN_PREFIX], [], 0
        while (at := text.find(head, start)) != -1:
            end = at + MIN_PREFIX
            while end < len(text) and end - at < len(secret) and text[end] == secret[end - at]:
                end += 1
            parts += [text[start:at], REDACTED]
            start = end
        if parts:
            text = "".join(parts) + text[start:]
    return text


def redact_value(value: Any, secrets: Iterable[str | None]) -> Any:
    """``redact`` over every string of a JSON-like value (a provider's usage, parameters), keys included."""
    secrets = [s for s in secrets if s and len(s) >= 4]
    if not secrets:
        return value

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return redact(node, secrets)
        if isinstance(node, dict):
            return {walk(k) if isinstance(k, str) else k: walk(v) for k, v in node.items()}
        if isinstance(node, list | tuple):
            return [walk(v) for v in node]
        return node

    return walk(value)


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` (OpenAI) or ``retry-after`` (seconds or an HTTP date)."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _duration(value: Any) -> float | None:
    """A protobuf JSON Duration ("27s", "1.5s")."""
    if isinstance(value, str) and (m := re.fullmatch(r"\s*(\d+(?:\.\d+)?)s\s*", value)):
        return float(m.group(1))
    return None


def _clean_html(text: str) -> str:
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
    body = title.group(1) if title else re.sub(r"<[^>]+>", " ", text)
    return "HTML error page: " + " ".join(body.split())[:160]


def error_details(
    body: bytes, content_type: str = "", secrets: Iterable[str | None] = ()
) -> tuple[str, str | None, float | None]:
    """(message, provider code, retry delay) from any provider's error body shape; the request's ``secrets`` are
    redacted from the whole body first, before any of it is cut to length."""
    text = redact(body.decode("utf-8", "replace"), list(secrets)).strip()
    try:
        data = json.loads(text) if text else None
    except ValueError:
        data = None
    if isinstance(data, list) and data and isinstance(data[0], dict):
        data = data[0]  # Google sometimes wraps the error in a one-element list
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict):  # OpenAI, Gemini, OpenRouter, gateways
            message = str(err.get("message") or err.get("type") or "")
            code = err.get("code") if isinstance(err.get("code"), str) else None
            code = code or err.get("status") or err.get("type")
            delay = None
            for detail in err.get("details") or []:
                if isinstance(detail, dict):
                    delay = delay if delay is not None else _duration(detail.get("retryDelay"))
                    reason = detail.get("reason")
                    code = reason if isinstance(reason, str) and "KEY" in reason else code
            metadata = err.get("metadata") if isinstance(err.get("metadata"), dict) else {}
            raw = metadata.get("raw")
            if raw and isinstance(raw, str) and raw not in message:
                message = f"{message}: {raw[:300]}"
            reasons = metadata.get("reasons")
            if isinstance(reasons, list) and reasons:  # OpenRouter moderation: what the input was flagged for
                code = code or "moderation"
                said = ", ".join(str(r) for r in reasons[:10])
                message = f"{message} (flagged: {said})" if said not in message else message
            return message or text[:300], code, delay
        if isinstance(err, str):  # xAI: {"code": "...", "error": "..."} or {"error": "..."}
            code = data.get("code") if isinstance(data.get("code"), str) else None
            return err, code, None
        detail = data.get("detail")
        if isinstance(detail, list):  # fal / FastAPI validation errors
            return _detail_list(detail, text)
        if isinstance(detail, str):  # fal infrastructure errors
            return detail, data.get("error_type") if isinstance(data.get("error_type"), str) else None, None
        if isinstance(data.get("message"), str):
            return data["message"], data.get("code") if isinstance(data.get("code"), str) else None, None
    if "html" in content_type or text[:15].lower().startswith(("<!doctype", "<html")):
        return _clean_html(text), None, None
    return " ".join(text.split())[:300], None, None


def _detail_list(detail: list[Any], text: str) -> tuple[str, str | None, float | None]:
    """Every item's words, and the code of the item that decides the kind: the first policy item if any,
    else the first item (code and kind then always describe the same item)."""
    parts, codes = [], []
    for item in detail:
        if isinstance(item, dict):
            loc = ".".join(str(x) for x in (item.get("loc") or [])[1:])
            msg = str(item.get("msg"))
            parts.append(f"{loc}: {msg}" if loc else msg)
            kind = item.get("type") if isinstance(item.get("type"), str) else None
            codes.append((kind, parts[-1]))
    if not codes:
        return text[:300], None, None
    code = next((c for c, m in codes if _is_policy(c, m)), codes[0][0])
    return "; ".join(parts), code, None


def _is_policy(code: str | None, message: str) -> bool:
    low_code = (code or "").lower()
    if low_code in _POLICY_CODES or low_code.endswith("sensitivecontentdetected"):
        return True
    low = message.lower()
    return any(phrase in low for phrase in _POLICY_PHRASES)


def _is_bad_key(code: str | None, message: str) -> bool:
    if code and code.upper() in {"API_KEY_INVALID", "INVALID_API_KEY"}:
        return True
    low = message.lower()
    return "api key" in low and any(w in low for w in ("invalid", "incorrect", "not valid", "expired"))


def classify(
    status: int,
    message: str,
    code: str | None = None,
    *,
    provider: str,
    headers: Mapping[str, str] | None = None,
    retry_after: float | None = None,
) -> ProviderError:
    """The ProviderError an HTTP status plus the provider's own words amount to."""
    headers = headers or {}
    message = message or f"HTTP {status}"
    kind: Any
    retryable: bool | None = None
    if status == 403 and (code or "") in _REGION_CODES:
        kind = "unavailable"
        message = f"{message} ({provider} does not serve this country, region or territory; another key will not help)"
    elif status == 403 and _is_policy(code, message):
        kind = "content_policy"
    elif status in (401, 403) or (status == 400 and _is_bad_key(code, message)):
        kind, message = "auth", f"{message} (check the {provider} API key: `imgbench keys list`)"
    elif status == 402:
        kind = "auth"  # out of credit: an account problem another attempt will not fix
    elif status == 429:
        kind = "rate_limit"
        retry_after = parse_retry_after(headers) if retry_after is None else retry_after
        retryable = False if (code or "") == "insufficient_quota" else None
    elif status in (408, 504) and headers.get("x-fal-request-timeout-type") == "user":
        kind, retryable = "timeout", False  # fal: our own start deadline passed; trying again will not help
    elif status == 408:
        kind = "timeout"
    elif status == 409:
        kind = "server"  # a conflict the official SDKs retry
    elif status >= 500:
        kind = "server"
        retry_after = parse_retry_after(headers) if retry_after is None else retry_after
    elif _is_policy(code, message):
        kind = "content_policy"
    else:
        kind = "bad_request"
    should = (headers.get("x-should-retry") or headers.get("x-fal-retryable") or "").lower()
    if should in ("true", "false"):
        retryable = should == "true"
    return ProviderError(
        kind, message, http_status=status, provider_code=code, retry_after=retry_after, retryable=retryable
    )
