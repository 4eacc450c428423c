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
