"""The pseudo-terminal harness itself: a closed app's reader must not read the next pty opened under its number
(it did, and stole the first frames of the next app's screen under load: pty tests timed out on a screen with
its top missing)."""

from __future__ import annotations

import os
import pty
import sys
import time

from tests.pty_terminal import PtyApp


class _SlowScreen(PtyApp):
    """A reader busy with what it got (as on a loaded machine) at the moment the app is closed."""

    def received(self, data: bytes) -> None:
        super().received(data)
        time.sleep(0.5)


def test_a_closed_reader_leaves_the_next_pty_under_its_number_alone() -> None:
    env = {"PATH": os.environ.get("PATH", ""), "TERM": "xterm"}
    first = _SlowScreen([sys.executable, "-c", "import time; print('one', flush=True); time.sleep(30)"], cols=20,
                        rows=3, env=env)  # fmt: skip
    first.wait_for("one", settle=0)
    number = first.master
    first.close()
    master, slave = pty.openpty()  # the lowest free numbers: the master most likely gets the closed one's
    try:
        os.write(slave, b"two\n")
        time.sleep(1.5)  # a reader still running wakes from its sleep and reads well within this
        os.set_blocking(master, False)
        try:
            got = os.read(master, 100)
        except BlockingIOError:
            got = b""
        assert got == b"two\r\n", f"fd {number} reused as {master}: the closed app's reader took it"
        assert "two" not in first.text()
    finally:
        os.close(master)
        os.close(slave)


class _Raising(PtyApp):
    """A screen model that fails on one chunk (pyte on a sequence it cannot parse, say)."""

    def received(self, data: bytes) -> None:
        if b"bad" in data:
            raise ValueError("cannot parse")
        super().received(data)


def test_a_failing_sink_is_reported_and_reading_goes_on() -> None:
    env = {"PATH": os.environ.get("PATH", ""), "TERM": "xterm"}
    code = "import time; print('bad', flush=True); time.sleep(0.5); print('good', flush=True); time.sleep(30)"
    app = _Raising([sys.executable, "-c", code], cols=20, rows=3, env=env)
    try:
        app.wait_for("good", settle=0, timeout=10)  # read after the chunk the sink failed on
        assert any("cannot parse" in e for e in app.reader_errors), app.reader_errors
    finally:
        app.close()


def test_a_timed_out_wait_shows_where_each_thread_of_the_app_was(tmp_path) -> None:
    from tests.pty_terminal import app_env, imgbench_argv

    (tmp_path / "config").mkdir()
    app = PtyApp(imgbench_argv(), cols=80, rows=24, env=app_env(tmp_path, tmp_path / "actions.log"))
    try:
        app.wait_for("Sessions", timeout=30, settle=0)
        try:
            app.wait_until(lambda: False, timeout=0.2, what="what never comes")
        except AssertionError as exc:
            said = str(exc)
        else:
            raise AssertionError("wait_until returned on a predicate that is never true")
        assert "timed out waiting for what never comes" in said
        assert "the app's threads:" in said
        assert "Current thread" in said or "Thread 0x" in said  # faulthandler's own words: a dump, not a stub
        assert "(no answer to SIGUSR1)" not in said
        assert app.proc.poll() is None, "SIGUSR1 must not stop the app"
    finally:
        app.close()
