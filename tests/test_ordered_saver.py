"""Score changes: in order, retried when the system refuses them, never dropped quietly."""

from __future__ import annotations

import errno
import threading

import pytest

from tui.core import ordered_saver
from tui.core.ordered_saver import OrderedSaver
from tui.core.validation import InputError


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ordered_saver, "RETRY_DELAYS_S", (0.0, 0.0))


class Disk:
    """Appends what it is given; refuses while ``full``."""

    def __init__(self) -> None:
        self.written: list[str] = []
        self.full = False
        self.tries = 0

    def write(self, value: str) -> None:
        self.tries += 1
        if self.full:
            raise OSError(errno.ENOSPC, "No space left on device", "/data/s/session.json")
        self.written.append(value)


def test_changes_land_in_the_order_given() -> None:
    disk, errors = Disk(), []
    saver = OrderedSaver(errors.append)
    for n in range(50):
        saver.submit(disk.write, f"v{n}")
    assert saver.close() == 0
    assert disk.written == [f"v{n}" for n in range(50)] and errors == []


def test_a_refused_change_is_kept_said_and_goes_first_when_the_disk_is_back() -> None:
    disk, errors = Disk(), []
    saver = OrderedSaver(errors.append)
    disk.full = True
    saver.submit(disk.write, "a")
    saver.submit(disk.write, "b")
    saver._pool.submit(lambda: None).result()  # let the drains run
    assert disk.written == [] and saver.unsaved == 2
    assert errors and "No space left on device" in errors[0] and "/data/s/session.json" in errors[0]
    assert disk.tries >= 3  # the retries happened
    disk.full = False
    saver.submit(disk.write, "c")
    assert saver.close() == 0
    assert disk.written == ["a", "b", "c"]


def test_close_tells_how_many_are_still_unsaved() -> None:
    disk, errors = Disk(), []
    saver = OrderedSaver(errors.append)
    disk.full = True
    saver.submit(disk.write, "a")
    assert saver.close() == 1 and disk.written == []


def test_an_input_error_is_reported_too() -> None:
    errors: list[str] = []
    seen = threading.Event()

    def broken() -> None:
        seen.set()
        raise InputError("not JSON", file="session.json")

    saver = OrderedSaver(errors.append)
    saver.submit(broken)
    assert saver.close() == 1 and seen.is_set()
    assert any("session.json: not JSON" in e for e in errors)
