"""The one place that knows where imgbench's files live. Pure: creates nothing."""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not typing's, nor pathlib at import: `sessions list` reads the data dir's name alone
if TYPE_CHECKING:
    from pathlib import Path

APP_NAME = "imgbench"


def _override(var: str) -> Path | None:
    value = os.environ.get(var)
    if not value:
        return None
    from pathlib import Path

    return Path(value).expanduser()


def config_dir() -> Path:
    if (path := _override("IMGBENCH_CONFIG_DIR")) is not None:
        return path
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    if (path := _override("IMGBENCH_DATA_DIR")) is not None:
        return path
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def data_dir_name() -> str:
    """``data_dir()`` as a string: without pathlib's imports when the environment names it as it is."""
    value = os.environ.get("IMGBENCH_DATA_DIR")
    if value and not value.startswith("~"):
        return value
    return str(data_dir())


def cache_dir() -> Path:
    if (path := _override("IMGBENCH_CACHE_DIR")) is not None:
        return path
    if (data := _override("IMGBENCH_DATA_DIR")) is not None:
        # Tests and sandboxes that move the data dir expect nothing written elsewhere.
        return data / "cache"
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False)


def config_file() -> Path:
    return config_dir() / "config.toml"


def credentials_file() -> Path:
    return config_dir() / "credentials.toml"


def user_presets_dir() -> Path:
    return config_dir() / "presets"


def sessions_dir() -> Path:
    return data_dir() / "sessions"
