"""Machine checks measured in the background once a run is recorded, one output at a time.

One worker thread, apart from the thumbnails' pool and asyncio's: OCR is the slow part (about a second for a
1024² output, in onnxruntime, which releases the GIL and uses the cores itself), and one at a time keeps it
from taking every core from the screen and the runner. A run's results are written with ``Store.mutate`` (re-read,
change, write under the session's lock), only if the run still holds the image measured, so no other writer's
work is lost and a retried run is never given its old image's figures. Listeners (the App) hear of each run's
results; the headless CLI calls ``wait`` before it exits. Nothing at import time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import TYPE_CHECKING

from tui.core.model import CheckResult, Session
from tui.core.validation import InputError

if TYPE_CHECKING:
    from tui.core.store import Store

Listener = Callable[[str, str, list[CheckResult]], None]  # (session id, run id, results)
_guard = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pending: set[Future[None]] = set()
_listeners: list[Listener] = []
_measured = [0]  # runs measured and stored since the process started: a screen polls until it has seen them all
log = logging.getLogger("imgbench.checks")


def add_listener(listener: Listener) -> None:
    with _guard:
        _listeners.append(listener)


def remove_listener(listener: Listener) -> None:
    with _guard:
        if listener in _listeners:
            _listeners.remove(listener)


def record(session: Session, run_id: str, results: list[CheckResult]) -> bool:
    """Put ``results`` on the run (replacing its earlier ones for the same items), if it still holds the image
    they measured; whether they were put."""
    try:
        run = session.run(run_id)
    except KeyError:
        return False
    if not run.images or any(r.image_sha256 != run.images[0].sha256 for r in results):
        return False
    items = {item.id for item in session.case(run.case_id).checklist}
    measured = {r.item_id for r in results}
    run.checks = [r for r in run.checks if r.item_id not in measured and r.item_id in items] + results
    return True


def check_run(store: Store, session_id: str, run_id: str) -> list[CheckResult]:
    """Measure one run's declared checks from its stored files and store the results; the results."""
    from tui.imaging.machine_checks import measure_run

    session = store.load(session_id)
    run = session.run(run_id)
    case = session.case(run.case_id)
    if not run.images:
        return []
    image = store.abspath(session_id, run.images[0].path)
    images = [ref for ref in case.references if ref.role != "mask"]
    reference = store.abspath(session_id, images[0].path) if images else None
    results = measure_run(case, run, image, reference)
    if results:

        def apply(fresh: Session) -> None:
            record(fresh, run_id, results)

        store.mutate(session_id, apply)
    return results


def _work(store: Store, session_id: str, run_id: str) -> None:
    try:
        results = check_run(store, session_id, run_id)
    except (InputError, KeyError, OSError) as exc:  # the session went away or the disk refused: the run is fine
        log.warning("checks of %s/%s not stored: %s", session_id, run_id, exc)
        return
    with _guard:
        _measured[0] += 1
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(session_id, run_id, results)
        except Exception:  # a screen that went away must not stop the queue
            log.exception("check listener failed")


def submit(store: Store, session_id: str, run_ids: Iterable[str]) -> None:
    global _pool
    with _guard:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="imgbench-checks")
        for run_id in run_ids:
            future = _pool.submit(_work, store, session_id, run_id)
            _pending.add(future)
            future.add_done_callback(_pending.discard)


def measured() -> int:
    """How many runs' checks were stored so far (grows by one per run): changed means look again."""
    with _guard:
        return _measured[0]


def pending() -> int:
    with _guard:
        return len(_pending)


def wait(timeout: float | None = None) -> bool:
    """Until every queued check is measured and stored (or ``timeout`` passes); whether none is left."""
    with _guard:
        waiting = set(_pending)
    if not waiting:
        return True
    _done, not_done = wait_futures(waiting, timeout=timeout)
    return not not_done
