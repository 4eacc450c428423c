"""What every adapter shares: the request it gets, the result it returns, the errors it raises."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    import httpx

ErrorKindName = Literal[
    "auth",
    "rate_limit",
    "content_policy",
    "bad_request",
    "timeout",
    "server",
    "network",
    "bad_response",
    "cancelled",
    "unavailable",
]

# Kinds worth another attempt; the retry policy still honours the provider's hint.
RETRYABLE_KINDS: frozenset[str] = frozenset({"rate_limit", "server", "timeout", "network"})


class ProviderError(Exception):
    """A classified failure. ``message`` is the provider's own words where it gave any."""

    def __init__(
        self,
        kind: ErrorKindName,
        message: str,
        *,
        http_status: int | None = None,
        provider_code: str | None = None,
        retry_after: float | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.http_status = http_status
        self.provider_code = provider_code
        self.retry_after = retry_after
        self.retryable = (kind in RETRYABLE_KINDS) if retryable is None else retryable

    def __str__(self) -> str:
        status = f" (HTTP {self.http_status})" if self.http_status else ""
        return f"{self.kind}{status}: {self.message}"


@dataclass(frozen=True)
class ReferenceInput:
    """A reference image as the adapter sees it: a file on disk, read only when sent."""

    path: Path
    mime: str
    sha256: str
    width: int = 0
    height: int = 0

    def read(self) -> bytes:
        return self.path.read_bytes()


@dataclass(frozen=True)
class GenerationRequest:
    model: str  # the provider's own model name (the part after "provider:")
    prompt: str
    references: tuple[ReferenceInput, ...] = ()
    # A PNG whose fully transparent pixels mark where to edit (OpenAI's convention), the size of the first reference.
    mask: ReferenceInput | None = None
    params: Mapping[str, Any] = field(default_factory=dict)  # requested: size, aspect, resolution, quality, seed
    # Seed material that identifies this run (case, model, repeat): the demo provider derives its image from it.
    run_key: str = ""
    attempt: int = 1


@dataclass
class ImageData:
    data: bytes
    mime: str | None = None


@dataclass
class GenerationResult:
    images: list[ImageData]
    params_effective: dict[str, Any] = field(default_factory=dict)
    revised_prompt: str | None = None
    usage: dict[str, Any] | None = None
    cost_usd: float | None = None


@dataclass
class CallContext:
    """What the runner lends an adapter for one attempt."""

    client: httpx.AsyncClient | None = None
    on_first_byte: Callable[[], None] = lambda: None
    # Adapters that poll (fal) report progress lines here; the run tile shows the latest.
    on_progress: Callable[[str], None] = lambda _msg: None


@dataclass(frozen=True)
class ModelInfo:
    id: str  # "provider:model"
    provider: str
    name: str  # the provider's model name
    label: str  # what the UI shows
    modes: tuple[str, ...] = ("t2i", "i2i")
    max_refs: int = 16
    demo: bool = False
    note: str = ""
    # False for a name the shipped catalog does not list: conservative capabilities, no price (cost unknown).
    catalogued: bool = True
    takes_mask: bool = False  # an edit mask (inpainting): sent as the provider's own mask field
    needs_mask: bool = False  # an inpainting endpoint that cannot run without one


@dataclass
class ProviderSettings:
    """Everything an adapter needs from configuration, resolved by the caller (no config reading here)."""

    base_url: str | None = None
    api_key: str | None = None
    key_source: str | None = None  # "env:OPENAI_API_KEY", "credentials.toml" … (never the key itself)
    key_hint: str = ""  # how to make a missing key available: a command or a variable
    concurrency: int = 4
    timeout_s: float = 300.0
    models: tuple[str, ...] = ()
    extra_fields: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)


class Provider(Protocol):
    name: str
    settings: ProviderSettings

    def models(self) -> list[ModelInfo]: ...

    def available(self) -> tuple[bool, str]:
        """(usable now, why not / where the key came from)."""
        ...

    def effective_params(self, model: str, params: Mapping[str, Any], n_refs: int) -> dict[str, Any]:
        """What this provider will really receive for the requested parameters."""
        ...

    async def generate(self, request: GenerationRequest, ctx: CallContext) -> GenerationResult: ...


def split_model_id(model_id: str) -> tuple[str, str]:
    provider, sep, name = model_id.partition(":")
    if not sep or not provider or not name:
        raise ValueError(f"model id {model_id!r} is not of the form provider:model")
    return provider, name


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
