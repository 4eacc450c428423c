"""The app moves what exists at start-up out of the garbage collector's way, and gives it back on exit."""

from __future__ import annotations

import gc

from screens.registry import build_app
from tests.tui_support import wait_for


def _in_a_fresh_interpreter(code: str) -> None:
    """Run ``code`` in a new Python (what it imports is its own, not this test process's); its asserts must hold."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]


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
    _in_a_fresh_interpreter(code)


def test_homes_first_frame_loads_no_toml_parser_and_no_emoji_table(data_dir) -> None:
    """Both cost Home's first frame ~3-4 ms each: the App's credentials check needs the file's mode only, and
    the table's cells are Text (a str cell is parsed as markup, which loads Rich's emoji table). The presets are
    TOML, read after the first frame: so the parser is looked for before the App runs, the table after it."""
    from tests.robustness.support import write_sessions

    write_sessions(data_dir, 30)
    code = (
        "import asyncio, sys\n"
        "from tui.core import credentials, paths\n"
        "credentials.permission_problem(paths.credentials_file())\n"
        "from screens.registry import build_app\n"
        "from tests.tui_support import wait_for\n"
        "assert 'tomllib' not in sys.modules, 'the credentials check loads the TOML parser'\n"
        "async def main():\n"
        "    app = build_app()\n"
        "    async with app.run_test(size=(100, 30)) as pilot:\n"
        "        listed = lambda: app.screen.query('#sessions') and app.screen.query_one('#sessions').row_count >= 30\n"
        "        await wait_for(pilot, listed)  # Home has listed the sessions\n"
        "        assert 'rich._emoji_codes' not in sys.modules, 'a cell was parsed as markup'\n"
        "asyncio.run(main())\n"
    )
    _in_a_fresh_interpreter(code)
