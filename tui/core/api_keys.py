"""Which providers take an API key, and whether a string can be one: shared by `imgbench keys` and the Keys screen."""

from __future__ import annotations

from tui.core import credentials
from tui.core.validation import InputError


def key_envs() -> dict[str, tuple[str, ...]]:
    """Every provider that takes a key (built-ins, then configured endpoints) and its variables."""
    from providers.catalog import BUILTIN
    from tui.core.config import load_config

    names: dict[str, tuple[str, ...]] = {
        spec.name: credentials.ENV_VARS.get(spec.name, ()) for spec in BUILTIN.values() if spec.needs_key
    }
    for name, endpoint in load_config().endpoints.items():
        names[name] = (endpoint.key_env,) if endpoint.key_env else ()
    return names


def check_key(provider: str, value: str) -> str:
    """The key as it will be stored, or an InputError saying why it cannot be one (never quoting it)."""
    value = value.strip()
    if not value:
        raise InputError("no key given (empty input); nothing stored", key=provider)
    if any(c.isspace() for c in value):
        raise InputError("the key contains whitespace: paste it as one line", key=provider)
    if not (value.isascii() and value.isprintable()):
        # It goes into an HTTP header, which takes printable ASCII only.
        raise InputError("the key contains characters an API key never has (non-ASCII or control)", key=provider)
    return value
