"""A module imported the first time one of its names is used: what the App installs at start (the preview and
check queues) stays off the first frame's path until something is submitted."""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        # import_module holds the import lock: two threads that reach here first import the module once.
        return getattr(importlib.import_module(self._name), attr)

    def __repr__(self) -> str:
        return f"LazyModule({self._name!r})"
