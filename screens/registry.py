"""Every screen of imgbench by name: the App navigates through this table, help and the palette read it.

A new screen goes here (and nowhere else): help lists its keys, the palette offers its actions, and other
screens open it by name. ``tests/tui/test_registry.py`` fails when a Screen subclass under ``screens/`` is
missing.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Any

from textual.screen import Screen

from tui.app import ImgbenchApp
from tui.core.context import Context


class ScreenTable(Mapping[str, type[Screen[Any]]]):
    """Screen classes by name, each module imported the first time its screen is asked for: the App's first
    frame waits only for Home, not for every screen's imports (Compose's and Run's pull in the runner and httpx)."""

    def __init__(self, where: dict[str, str]) -> None:
        self._where = where  # name -> "module:Class"
        self._loaded: dict[str, type[Screen[Any]]] = {}

    def __getitem__(self, name: str) -> type[Screen[Any]]:
        if name not in self._loaded:
            module, _, cls = self._where[name].partition(":")
            self._loaded[name] = getattr(importlib.import_module(module), cls)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


# name -> screen class, in the order help lists them
SCREENS = ScreenTable(
    {
        "home": "screens.home:HomeScreen",
        "compose": "screens.compose:ComposeScreen",
        "file_picker": "screens.file_picker:FilePickerScreen",
        "run": "screens.run:RunScreen",
        "review": "screens.review:ReviewScreen",
        "zoom": "screens.zoom:ZoomScreen",
        "preference": "screens.preference:PreferenceScreen",
        "note": "screens.note:NoteScreen",
        "region": "screens.region:RegionScreen",
        "rater": "screens.rater:RaterScreen",
        "results": "screens.results:ResultsScreen",
        "reveal_prompt": "screens.reveal_prompt:RevealPromptScreen",
        "keys": "screens.keys:KeysScreen",
        "key_input": "screens.keys:KeyInput",
        "confirm": "screens.confirm:ConfirmScreen",
        "help": "screens.help:HelpScreen",
    }
)


def build_app(context: Context | None = None, *, preview_line: str = "") -> ImgbenchApp:
    return ImgbenchApp(context, screens=SCREENS, preview_line=preview_line)
