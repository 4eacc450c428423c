"""API keys: environment first, then ``credentials.toml`` (0600 in a 0700 directory, written atomically).

A key never leaves this module except to the adapter that sends it; everything shown is masked.
"""

from __future__ import annotations

import os
import stat
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
    """A one-line warning when the file or its directory is readable by others, or the folder holding its folder
    is writable by everyone (anyone could put another folder, and another keys file, in its place)."""
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
    fix = " — run `imgbench keys fix-permissions`" if problems else ""
    try:
        above = path.parent.parent
        if stat.S_IMODE(above.stat().st_mode) & 0o002:
            problems.append(
                f"{above} is writable by every user: keep the config dir in a private place (IMGBENCH_CONFIG_DIR)"
            )
    except OSError:
        pass
    return "; ".join(problems) + fix if problems else None


def refusal(path: Path) -> str | None:
    """Why imgbench will not read or write this keys file at all, as ssh refuses a key file: a symbolic link (a
    write would replace it by a file holding every key; a read would take keys from wherever it points), something
    that is not a file, or a file another user owns. One line, with the fix."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot check: {exc.strerror or exc}"
    if stat.S_ISLNK(info.st_mode):
        return f"is a symbolic link; keys are kept only in a plain file: `rm {path}`, then `imgbench keys set PROVIDER`"
    if not stat.S_ISREG(info.st_mode):
        return f"is not a regular file: remove it (`rm {path}`), then `imgbench keys set PROVIDER`"
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return f"is owned by uid {info.st_uid}, not you (uid {os.getuid()}): `chown {os.getuid()} {path}` or remove it"
    return None


def _refuse(path: Path) -> None:
    if problem := refusal(path):
        raise InputError(problem, file=path)


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
    _refuse(path)  # chmod would follow a link to someone else's file
    if path.parent.exists():
        os.chmod(path.parent, 0o700)
    if path.exists():
        os.chmod(path, 0o600)


def load_stored(path: Path | None = None) -> dict[str, str]:
    path = path or paths.credentials_file()
    _refuse(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read credentials: {exc}", file=path) from None
    warn_permissions(path)
    import tomllib  # here, not at the top: the App's first frame checks this file's mode, not its contents

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
    # Folders made on the way are 0755 whatever the umask (mkdir's parents would get 0777 under umask 0, and a
    # folder anyone can write is where someone else's keys folder could be put); the keys folder itself 0700.
    for folder in reversed(path.parent.parents):
        if not folder.exists():
            folder.mkdir(mode=0o755, exist_ok=True)
    path.parent.mkdir(exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    keys = load_stored(path)  # refuses a link or a foreign file before anything is written
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
