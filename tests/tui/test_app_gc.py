"""The app moves what exists at start-up out of the garbage collector's way, and gives it back on exit."""

from __future__ import annotations

import gc

from screens.registry import build_app
from tests.tui_support import wait_for


async def test_start_up_objects_are_frozen_while_the_app_runs() -> None:
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: gc.get_freeze_count() > 10_000)
    assert gc.get_freeze_count() == 0  # a test process (or an embedding program) gets its memory back
