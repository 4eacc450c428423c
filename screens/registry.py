"""Every screen of imgbench by name: the App navigates through this table, help and the palette read it.

A new screen goes here (and nowhere else): help lists its keys, the palette offers its actions, and other
screens open it by name. ``tests/tui/test_registry.py`` fails when a Screen subclass under ``screens/`` is
missing.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen

from screens.compose import ComposeScreen
from screens.confirm import ConfirmScreen
from screens.file_picker import FilePickerScreen
from screens.help import HelpScreen
from screens.home import HomeScreen
from screens.keys import KeyInput, KeysScreen
from screens.note import NoteScreen
from screens.preference import PreferenceScreen
from screens.rater import RaterScreen
from screens.region import RegionScreen
from screens.results import ResultsScreen
from screens.reveal_prompt import RevealPromptScreen
from screens.review import ReviewScreen
from screens.run import RunScreen
from screens.zoom import ZoomScreen
from tui.app import ImgbenchApp
from tui.core.context import Context

# name -> screen class, in the order help lists them
SCREENS: dict[str, type[Screen[Any]]] = {
    "home": HomeScreen,
    "compose": ComposeScreen,
    "file_picker": FilePickerScreen,
    "run": RunScreen,
    "review": ReviewScreen,
    "zoom": ZoomScreen,
    "preference": PreferenceScreen,
    "note": NoteScreen,
    "region": RegionScreen,
    "rater": RaterScreen,
    "results": ResultsScreen,
    "reveal_prompt": RevealPromptScreen,
    "keys": KeysScreen,
    "key_input": KeyInput,
    "confirm": ConfirmScreen,
    "help": HelpScreen,
}


def build_app(context: Context | None = None, *, preview_line: str = "") -> ImgbenchApp:
    return ImgbenchApp(context, screens=SCREENS, preview_line=preview_line)
