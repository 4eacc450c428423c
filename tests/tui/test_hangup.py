"""The terminal hangs up and no SIGHUP comes (nohup, setsid): the app quits as on SIGHUP instead of reading the
dead terminal in a busy loop (Textual's input thread did, a core at ~95% for ever), and runs in flight are
recorded as interrupted, for a resume."""

from __future__ import annotations

import os
import pty
import time
from pathlib import Path

from screens.registry import build_app
from tests.pty_terminal import PtyApp, app_env, imgbench_argv
from tests.tui.test_quit import runs_going, slow_queued  # noqa: F401  (slow_queued: a fixture)
from tests.tui_support import wait_for
from tui.core.store import Store
from tui.widgets.hangup import hung_up


def test_a_live_terminal_has_not_hung_up_a_closed_one_has() -> None:
    master, slave = pty.openpty()
    try:
        assert not hung_up(slave)
        os.write(master, b"x")  # a key waiting to be read is not a hang-up
        time.sleep(0.05)
        assert not hung_up(slave)
        os.close(master)
        assert hung_up(slave)
    finally:
        os.close(slave)
    read, write = os.pipe()  # keys piped from a program that has finished
    os.close(write)
    try:
        assert hung_up(read)
    finally:
        os.close(read)
    assert hung_up(read)  # closed: POLLNVAL


def test_the_app_quits_with_129_when_its_terminal_goes_away(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    app = PtyApp(imgbench_argv(), cols=100, rows=30, env=app_env(tmp_path, tmp_path / "actions.log"))
    app.wait_for("Sessions", timeout=30, settle=0.2)
    app.hang_up()  # the app leads its own session: no SIGHUP reaches it
    try:
        app.proc.wait(10)
    finally:
        app.close()  # kills it only if it is still there
    assert app.proc.returncode == 129


async def test_runs_in_flight_when_the_terminal_goes_away_are_recorded_interrupted(
    slow_queued: str,  # noqa: F811
    data_dir: Path,
) -> None:
    master, slave = pty.openpty()
    app = build_app()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await runs_going(app, pilot, slow_queued)
            app._check_terminal(slave)
            await pilot.pause(0.2)
            assert app.is_running, "a live terminal must not stop the app"
            os.close(master)
            master = -1
            app._check_terminal(slave)
            await wait_for(pilot, lambda: not app.is_running)
        assert app.return_code == 129
    finally:
        os.close(slave)
        if master >= 0:
            os.close(master)
    assert [r.status for r in Store(data_dir).load(slow_queued).runs] == ["interrupted"] * 4


def test_with_sighup_ignored_the_app_still_ends_when_tmux_goes_away(tmp_path: Path) -> None:
    """The terminal a person really loses: a controlling terminal (tmux's pane) hung up under a process that ignores
    SIGHUP (as under nohup). Textual's way out then waited for ever on a write to the dead terminal."""
    import shlex
    import shutil
    import subprocess

    assert shutil.which("tmux"), "tmux is installed by .ci/run"
    (tmp_path / "config").mkdir()
    env = app_env(tmp_path, tmp_path / "actions.log")
    socket, pid_file = f"hangup-{os.getpid()}", tmp_path / "pid"
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items() if k.startswith("IMGBENCH_"))
    launch = " ".join(shlex.quote(a) for a in imgbench_argv())
    shell = f"trap '' HUP; echo $$ > {pid_file}; export {exports}; exec {launch}"
    tmux = ["tmux", "-L", socket, "-f", "/dev/null"]
    subprocess.run([*tmux, "new-session", "-d", "-x", "100", "-y", "30", shell], check=True, env=env)
    try:
        deadline = time.monotonic() + 30
        while "Sessions" not in subprocess.run([*tmux, "capture-pane", "-p"], capture_output=True, text=True).stdout:
            assert time.monotonic() < deadline, "Home never showed"
            time.sleep(0.1)
        pid = int(pid_file.read_text())
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    deadline = time.monotonic() + 15
    while _alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            raise AssertionError("the app outlived its terminal by 15 s")
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    """Running (a zombie has ended: nobody reaps an orphan of a killed tmux at once)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
