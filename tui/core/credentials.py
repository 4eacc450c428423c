"""API keys: environment first, then ``credentials.toml`` (0600 in a 0700 directory, written atomically).

A key never leaves this module except to the adapter that sends it; everything shown is masked.
"""

from __future__ import annotations

import os
import stat
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path

from tui.core import paths
from tui.core.atomic import atomic_write
from tui.core.validation import InputError

# The variable each built-in provider's key is read from, in the order tried.
ENV_VARS: dict[str, tuple[str, ...]] = {
    "openai": ("OPENAI_API_KEY",),
    "xai": ("XAI_API_KEY",),
    "gemini": ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    "fal": ("FAL_KEY",),
    "openrouter": ("OPENROUTER_API_KEY",),
}


@dataclass(frozen=True)
class ResolvedKey:
    provider: str
    value: str | None
    source: str | None  # "env:NAME" or "credentials.toml"; None when missing
    hint: str  # what makes it available

    @property
    def masked(self) -> str:
        return mask(self.value) if self.value else "—"


def mask(key: str) -> str:
    if len(key) <= 8:
        return "•" * len(key)
    return f"{key[:3]}…{key[-4:]}"


def permission_problem(path: Path) -> str | None:
    """A one-line warning when the file or its directory is readable by others."""
    try:
        file_mode = stat.S_IMODE(path.stat().st_mode)
        dir_mode = stat.S_IMODE(path.parent.stat().st_mode)
    except FileNotFoundError:
        return None
    problems = []
    if file_mode & 0o077:
        problems.append(f"{path} has mode {file_mode:o} (should be 600)")
    if dir_mode & 0o077:
        problems.append(f"{path.parent} has mode {dir_mode:o} (should be 700)")
    return "; ".join(problems) + " — run `imgbench keys fix-permissions`" if problems else None


class InsecureCredentialsWarning(UserWarning):
    """credentials.toml or its directory can be read by other users."""


_warned: set[Path] = set()


def warn_permissions(path: Path) -> str | None:
    """Warn (once per file and process) when the keys file is wider than 0600 or its directory than 0700."""
    problem = permission_problem(path)
    if problem and path not in _warned:
        _warned.add(path)
        warnings.warn(problem, InsecureCredentialsWarning, stacklevel=3)
    return problem


def fix_permissions(path: Path | None = None) -> None:
    path = path or paths.credentials_file()
    if path.parent.exists():
        os.chmod(path.parent, 0o700)
    if path.exists():
        os.chmod(path, 0o600)


def load_stored(path: Path | None = None) -> dict[str, str]:
    path = path or paths.credentials_file()
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read credentials: {exc}", file=path) from None
    warn_permissions(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # The TOML error text may quote the offending line, which could hold a key: keep only its position.
        where = str(exc).rpartition("(")[2].rstrip(")")
        raise InputError(f"invalid TOML ({where})", file=path) from None
    keys = data.get("keys", {})
    if not isinstance(keys, dict) or any(not isinstance(v, str) for v in keys.values()):
        raise InputError('expected a [keys] table of provider = "key" strings', file=path, key="keys")
    unknown = set(data) - {"keys"}
    if unknown:
        raise InputError("unknown key", file=path, key=sorted(unknown)[0])
    return dict(keys)


def store_key(provider: str, value: str, path: Path | None = None) -> None:
    import tomli_w

    path = path or paths.credentials_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    keys = load_stored(path)
    keys[provider] = value
    atomic_write(path, tomli_w.dumps({"keys": keys}).encode(), mode=0o600)


def remove_key(provider: str, path: Path | None = None) -> bool:
    import tomli_w

    path = path or paths.credentials_file()
    keys = load_stored(path)
    if provider not in keys:
        return False
    del keys[provider]
    atomic_write(path, tomli_w.dumps({"keys": keys}).encode(), mode=0o600)
    return True


def env_overrides(names: tuple[str, ...]) -> list[str]:
    """The variables among ``names`` that are set, so they win over a stored key."""
    return [name for name in names if os.environ.get(name, "").strip()]


def resolve(
    provider: str, env_names: tuple[str, ...] | None = None, stored: dict[str, str] | None = None
) -> ResolvedKey:
    names = env_names if env_names is not None else ENV_VARS.get(provider, ())
    for name in names:
        if value := os.environ.get(name, "").strip():
            return ResolvedKey(provider, value, f"env:{name}", "")
    stored = load_stored() if stored is None else stored
    if value := stored.get(provider, "").strip():
        return ResolvedKey(provider, value, "credentials.toml", "")
    hint = f"imgbench keys set {provider}"
    if names:
        hint = f"export {names[0]}=… or {hint}"
    return ResolvedKey(provider, None, None, hint)
