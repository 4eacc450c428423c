"""Waiting for a Textual app's workers in tests and benchmarks."""

from __future__ import annotations

from collections.abc import Callable
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


async def wait_for(pilot: Any, predicate: Callable[[], object], timeout: float = 15.0) -> None:
    """Until ``predicate()`` holds, letting the app run; an AssertionError after ``timeout`` seconds."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.05)
        await asyncio.sleep(0)


async def at_home(app: Any, pilot: Any) -> None:
    """Until the Home screen is up: the app pushes it from on_mount, so a screen pushed before that ends up under it;
    and its preset list, which it mounts after its first frame."""
    from screens.home import HomeScreen

    await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen) and bool(app.screen.query("#presets")))


async def open_review(app: Any, pilot: Any, session_id: str) -> Any:
    """Home up, then a session's Review pushed and loaded: the screen, for tests about Review itself."""
    from screens.review import ReviewScreen

    await at_home(app, pilot)
    app.push_screen(ReviewScreen(session_id))
    await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.session is not None)
    return app.screen


def build_screen(name: str, app: Any, session_id: str) -> Any:
    """An instance of the screen registered as ``name``, over ``session_id`` where it needs one (a scored demo
    session): for the tests that go through every screen (palette, snapshots)."""
    cls = app.screen_types[name]
    if name in ("run", "review", "results"):
        return cls(session_id)
    if name in ("zoom", "preference"):
        review = app.screen_types["review"](session_id)
        review.session = app.ctx.store.load(session_id)
        runs = [r for r in review.outputs() if r.status == "succeeded"]
        return cls(review, 0) if name == "zoom" else cls(review, runs)
    args = {
        "file_picker": ("Reference for tier-a/cat5 slot 1",),
        "note": ("Note for demo:mosaic",),
        "reveal_prompt": ("Markdown report",),
        "key_input": ("openai",),
        "confirm": ("Remove the stored openai key?", "It is deleted from credentials.toml."),
    }
    return cls(*args.get(name, ()))
