"""The one place that knows where imgbench's files live. Pure: creates nothing."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing's, nor pathlib at import: `sessions list` reads the data dir's name alone
if TYPE_CHECKING:
    from pathlib import Path

APP_NAME = "imgbench"
_XDG = {"config": ("XDG_CONFIG_HOME", "~/.config"), "data": ("XDG_DATA_HOME", "~/.local/share"),
        "cache": ("XDG_CACHE_HOME", "~/.cache")}  # fmt: skip


def _linux_dir(kind: str) -> str | None:
    """platformdirs' user directory of ``kind`` on Linux in the usual case, without importing it (~4 ms a process,
    where `sessions list` and `preview FILE` take ~20 and ~40 ms in all); None where only platformdirs knows:
    another OS, Android, HOME missing or relative. tests/test_paths.py holds it to platformdirs' answers."""
    if sys.platform != "linux" or hasattr(sys, "getandroidapilevel") or "ANDROID_DATA" in os.environ:
        return None
    if not os.environ.get("HOME", "").startswith("/"):
        return None
    var, default = _XDG[kind]
    base = os.environ.get(var, "")
    return os.path.join(base if base.startswith("/") else os.path.expanduser(default), APP_NAME)


def _dir_name(var: str, kind: str) -> str | None:
    """The folder as a string, from the environment or the Linux default; None when pathlib or platformdirs must
    say."""
    value = os.environ.get(var)
    if value:
        return None if value.startswith("~") else value
    return _linux_dir(kind)


def _override(var: str) -> Path | None:
    value = os.environ.get(var)
    if not value:
        return None
    from pathlib import Path

    return Path(value).expanduser()


def _user_dir(kind: str) -> Path:
    """The user directory of ``kind`` (config, data, cache) as platformdirs names it: by the short cut where it can."""
    if (name := _linux_dir(kind)) is not None:
        from pathlib import Path

        return Path(name)
    import platformdirs

    return getattr(platformdirs, f"user_{kind}_path")(APP_NAME, appauthor=False)


def config_dir() -> Path:
    if (path := _override("IMGBENCH_CONFIG_DIR")) is not None:
        return path
    return _user_dir("config")


def data_dir() -> Path:
    if (path := _override("IMGBENCH_DATA_DIR")) is not None:
        return path
    return _user_dir("data")


def data_dir_name() -> str:
    """``data_dir()`` as a string: without pathlib's imports when the environment names it as it is."""
    return _dir_name("IMGBENCH_DATA_DIR", "data") or str(data_dir())


def cache_dir() -> Path:
    if (path := _override("IMGBENCH_CACHE_DIR")) is not None:
        return path
    if (data := _override("IMGBENCH_DATA_DIR")) is not None:
        # Tests and sandboxes that move the data dir expect nothing written elsewhere.
        return data / "cache"
    return _user_dir("cache")


def config_file() -> Path:
    return config_dir() / "config.toml"


def config_file_name() -> str:
    """``config_file()`` as a string, without pathlib where the environment or the Linux default names it."""
    folder = _dir_name("IMGBENCH_CONFIG_DIR", "config")
    return os.path.join(folder, "config.toml") if folder else str(config_file())


def credentials_file() -> Path:
    return config_dir() / "credentials.toml"


def user_presets_dir() -> Path:
    return config_dir() / "presets"


def sessions_dir() -> Path:
    return data_dir() / "sessions"
