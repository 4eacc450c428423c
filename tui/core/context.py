"""Everything a command or the App needs, loaded once and lazily: config, keys, models, presets, store."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tui.core import paths

if TYPE_CHECKING:
    from presets import PresetCatalog
    from tui.core.config import Config
    from tui.core.registry import Registry
    from tui.core.store import Store


class Context:
    def __init__(self, config: Config | None = None) -> None:
        self._config = config

    @cached_property
    def config(self) -> Config:
        if self._config is not None:
            return self._config
        from tui.core.config import load_config  # not at import: a listing never reads the config

        return load_config()

    @cached_property
    def store(self) -> Store:
        from tui.core.store import Store

        return Store(paths.data_dir())

    @cached_property
    def registry(self) -> Registry:
        from tui.core.registry import build_registry

        return build_registry(self.config)

    @cached_property
    def catalog(self) -> PresetCatalog:
        from presets import load_catalog

        return load_catalog(paths.user_presets_dir())

    @property
    def rater(self) -> str:
        import getpass

        if self.config.rater:
            return self.config.rater
        try:
            return getpass.getuser()
        except Exception:
            return "me"
