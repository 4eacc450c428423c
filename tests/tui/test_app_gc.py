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


def test_the_launch_turns_the_collector_back_on_whatever_way_it_leaves(config_dir) -> None:
    from tui.launch import launch_tui

    (config_dir / "config.toml").write_text("preview = 3\n")  # refused before the App starts: the error way out
    assert gc.isenabled()
    assert launch_tui() == 2
    assert gc.isenabled()


def test_the_queues_the_app_installs_are_imported_on_first_use_only() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from screens.registry import build_app\n"
        "build_app()\n"
        "assert 'tui.imaging.check_queue' not in sys.modules and 'tui.imaging.thumb_queue' not in sys.modules\n"
        "from tui.core import checking, previews\n"
        "previews.hold(); previews.release()\n"
        "assert 'tui.imaging.thumb_queue' in sys.modules\n"
        "checking.submit(None, 'x', [])\n"  # nothing to check: not even imported
        "assert 'tui.imaging.check_queue' not in sys.modules\n"
        "checking._checker.submit  # the first name looked up on it imports it\n"
        "assert 'tui.imaging.check_queue' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
