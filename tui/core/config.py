"""``config.toml``: strict, typed, with errors that name the file, the key and the line."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import msgspec

from tui.core import paths
from tui.core.atomic import atomic_write
from tui.core.inputs import read_regular
from tui.core.validation import InputError, find_line, from_msgspec, toml_syntax_error

MAX_CONFIG_BYTES = 1024 * 1024  # a config is a small text file; a FIFO or /dev/zero in its place is refused

PreviewMode = Literal["auto", "halfblock", "kitty", "sixel", "iterm"]


class ProviderConfig(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    base_url: str | None = None
    concurrency: int | None = None
    timeout_s: float | None = None
    max_attempts: int | None = None
    max_wait_s: float | None = None
    # demo provider only
    latency_ms: float | None = None
    fail_rate: float | None = None

    def __post_init__(self) -> None:
        if self.concurrency is not None and not 1 <= self.concurrency <= 256:
            raise ValueError("concurrency must be between 1 and 256")
        if self.fail_rate is not None and not 0.0 <= self.fail_rate <= 1.0:
            raise ValueError("fail_rate must be between 0 and 1")
        if self.latency_ms is not None and not 0 <= self.latency_ms <= 600_000:
            raise ValueError("latency_ms must be between 0 and 600000")
        if self.timeout_s is not None and not 0 < self.timeout_s <= 3600:
            raise ValueError("timeout_s must be between 0 and 3600")


class EndpointConfig(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """An OpenAI-compatible endpoint: ``NAME:model`` ids without code."""

    base_url: str
    models: list[str]
    key_env: str | None = None
    extra_fields: list[str] = []
    concurrency: int | None = None
    timeout_s: float | None = None
    label: str | None = None


class Defaults(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    models: list[str] = []
    size: str | None = None
    aspect: str | None = None
    resolution: str | None = None
    quality: str | None = None
    repeats: int = 1
    blind: bool = False
    concurrency: int = 16
    max_cost: float | None = None  # USD: the cap of every run and judge pass unless --max-cost says otherwise

    def __post_init__(self) -> None:
        if self.max_cost is not None and not (0 < self.max_cost <= 1_000_000 and self.max_cost == self.max_cost):
            raise ValueError("max_cost must be more than 0 and at most 1000000 (USD)")


class Config(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    rater: str = ""
    preview: PreviewMode = "auto"
    theme: str | None = None
    screenshots: str | None = None  # where f12 saves; default: the data dir's screenshots/
    defaults: Defaults = msgspec.field(default_factory=Defaults)
    keymap: dict[str, str] = {}
    providers: dict[str, ProviderConfig] = {}
    endpoints: dict[str, EndpointConfig] = {}


def _known_keys() -> dict[str, list[str]]:
    known: dict[str, list[str]] = {"": list(Config.__struct_fields__), "defaults": list(Defaults.__struct_fields__)}
    return known


def load_config(path: Path | None = None) -> Config:
    """The user's config, or the defaults when there is no file. Raises InputError on any problem."""
    path = path or paths.config_file()
    if not path.exists():
        return Config()
    raw = read_regular(path, max_bytes=MAX_CONFIG_BYTES, what="config file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=path) from None
    import tomllib  # only with a file to read: not on the way to the first frame of a first start

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_syntax_error(exc, file=path) from None
    known = _known_keys()
    for name in data.get("providers", {}) if isinstance(data.get("providers"), dict) else {}:
        known[f"providers.{name}"] = list(ProviderConfig.__struct_fields__)
    for name in data.get("endpoints", {}) if isinstance(data.get("endpoints"), dict) else {}:
        known[f"endpoints.{name}"] = list(EndpointConfig.__struct_fields__)
    # Tables keyed by the user's own names are checked entry by entry, so an error names the entry
    # (msgspec reports dict keys only as "[...]").
    for section, struct in (("providers", ProviderConfig), ("endpoints", EndpointConfig)):
        table = data.get(section)
        if not isinstance(table, dict):
            continue
        for name, entry in table.items():
            try:
                msgspec.convert(entry, struct, strict=True)
            except msgspec.ValidationError as exc:
                raise _entry_error(exc, f"{section}.{name}", file=path, text=text, known=known) from None
    try:
        config = msgspec.convert(data, Config, strict=True)
    except msgspec.ValidationError as exc:
        raise from_msgspec(exc, file=path, text=text, known=known) from None
    for name in config.endpoints:
        if name in {"demo", "openai", "xai", "gemini", "fal", "openrouter"}:
            raise InputError("an endpoint may not take a built-in provider's name", file=path, key=f"endpoints.{name}")
    return config


def _entry_error(
    exc: msgspec.ValidationError, prefix: str, *, file: Path, text: str, known: dict[str, list[str]]
) -> InputError:
    err = from_msgspec(exc, file=file, text="", known={"": known.get(prefix, [])})
    key = f"{prefix}.{err.key}" if err.key else prefix
    return InputError(err.reason, file=file, key=key, line=find_line(text, key, section=prefix))


def save_config(config: Config, path: Path | None = None) -> None:
    import tomli_w

    path = path or paths.config_file()
    atomic_write(path, tomli_w.dumps(msgspec.to_builtins(config)).encode())
