"""Waiting for a Textual app's workers in tests and benchmarks."""

from __future__ import annotations

from typing import Any


async def workers_idle(app: Any) -> None:
    """Until no worker is pending or running; a failed worker still raises.

    `WorkerManager.wait_for_complete` raises when any worker was cancelled, and screens cancel their own exclusive
    workers on purpose (a newer listing replaces an older one, a popped screen stops its loaders), so a test waiting
    with it fails at random on a busy machine.
    """
    from textual.worker import WorkerCancelled, WorkerState

    while busy := [w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]:
        for worker in busy:
            try:
                await worker.wait()
            except WorkerCancelled:
                pass
