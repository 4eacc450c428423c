"""The App's first frame waits only for Home: the screen table imports a screen's module when it is first opened.

Compose and Run pull in the runner and httpx; importing them before Home paints cost the first row ~100 ms.
"""

from __future__ import annotations

import subprocess
import sys

from screens.registry import SCREENS, ScreenTable

HEAVY = ("tui.core.runner", "httpx", "screens.compose", "screens.run", "screens.results", "screens.review")


def test_home_starts_without_the_other_screens() -> None:
    code = (
        "import sys\n"
        "from screens.registry import SCREENS, build_app\n"
        "SCREENS['home']\n"
        "build_app()\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"imported before any screen but Home was opened: {out}"


def test_a_screen_is_imported_once_and_known_by_name() -> None:
    table = ScreenTable({"confirm": "screens.confirm:ConfirmScreen"})
    first = table["confirm"]
    assert first is table["confirm"] and first.__name__ == "ConfirmScreen"
    assert list(table) == ["confirm"] and len(table) == 1
    assert set(SCREENS) >= {"home", "compose", "run", "review", "results", "help"}
