"""Score changes written one at a time, in the order they were given, off the UI thread, and never dropped quietly.

A change the system refuses (a full disk, a session file another program locked or broke) is tried again a few
times; if it still fails the person is told, and the change is kept and tried again before the next one and when
the screen closes, so no verdict given is lost while the disk comes back.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tui.core.validation import InputError
from tui.core.wording import count

RETRY_DELAYS_S: Sequence[float] = (0.2, 0.5, 1.0)
Change = tuple[Callable[..., Any], tuple[Any, ...]]


class OrderedSaver:
    def __init__(self, on_error: Callable[[str], None], *, name: str = "saver") -> None:
        self._on_error = on_error
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._backlog: deque[Change] = deque()  # refused changes, oldest first: they go before any newer one
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        with self._lock:
            self._backlog.append((fn, args))
        self._pool.submit(self._drain, RETRY_DELAYS_S)

    @property
    def unsaved(self) -> int:
        with self._lock:
            return len(self._backlog)

    def close(self) -> int:
        """Wait for every change, with one last try for refused ones; how many are still unsaved."""
        self._pool.submit(self._drain, ())
        self._pool.shutdown(wait=True)
        return self.unsaved

    def _drain(self, delays: Sequence[float]) -> None:
        while True:
            with self._lock:
                if not self._backlog:
                    return
                fn, args = self._backlog[0]
            error = self._try(fn, args, delays)
            if error is not None:
                self._on_error(f"{error}; {count(self.unsaved, 'change')} kept, tried again with the next one")
                return
            with self._lock:
                self._backlog.popleft()

    @staticmethod
    def _try(fn: Callable[..., Any], args: tuple[Any, ...], delays: Sequence[float]) -> str | None:
        for delay in (*delays, None):
            try:
                fn(*args)
                return None
            except OSError as exc:
                error = f"not saved: {exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}"
            except InputError as exc:
                error = f"not saved: {exc}"
            if delay is not None:
                time.sleep(delay)
        return error
