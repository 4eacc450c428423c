"""Thumbnails made in the background as soon as an image is stored: outputs when a run finishes, references when a
session is composed.

A process-wide pool apart from asyncio's default pool: when many runs finish together their decoding must not hold
up the session write that records them, and a run is done when it is recorded, not when its previews are. A thread
per core (Pillow decodes and resizes without the GIL; the TUI stays under 50 ms a frame, measured). Whoever needs a
thumbnail early (the Review screen) asks ``thumbs.thumbnail_for``, which waits for the one in progress rather than
decoding twice. The headless CLI calls ``wait`` before it exits.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from pathlib import Path

_guard = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pending: set[Future[None]] = set()
# Recording finished runs comes first: while a runner has results not yet written, thumbnails wait (at most
# MAX_YIELD_S each, so a runner that never goes quiet cannot starve them).
MAX_YIELD_S = 0.5
_holders = 0
_free = threading.Event()
_free.set()


def hold() -> None:
    """A runner has results to record: let it have the CPU first."""
    global _holders
    with _guard:
        _holders += 1
        _free.clear()


def release() -> None:
    global _holders
    with _guard:
        _holders = max(0, _holders - 1)
        if not _holders:
            _free.set()


def held() -> bool:
    return not _free.is_set()


def _make(path: Path, sha256: str | None) -> None:
    from tui.imaging import thumbs

    _free.wait(MAX_YIELD_S)

    with contextlib.suppress(ValueError, OSError):  # ThumbnailError is a ValueError: the run itself is still fine
        thumbs.make_thumbnails(path, sha256)


def submit(images: Iterable[tuple[Path, str | None]]) -> None:
    """Queue the save-time thumbnails of each (path, sha256)."""
    global _pool
    with _guard:
        if _pool is None:
            workers = os.cpu_count() or 2
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="imgbench-thumbs")
        for path, sha256 in images:
            future = _pool.submit(_make, path, sha256)
            _pending.add(future)
            future.add_done_callback(_pending.discard)


def wait(timeout: float | None = None) -> bool:
    """Until every queued thumbnail is made (or ``timeout`` passes); whether none is left."""
    with _guard:
        pending = set(_pending)
    if not pending:
        return True
    _done, not_done = wait_futures(pending, timeout=timeout)
    return not not_done
