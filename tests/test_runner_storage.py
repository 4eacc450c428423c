"""What the runner leaves on disk: images durable before the session refers to them, thumbnails made at save time."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from tui import atomic, thumb_queue, thumbs
from tui.compose import CaseSpec, SessionSpec, build_session
from tui.context import Context
from tui.model import Session
from tui.runner import Runner
from tui.store import Store

DEMO = ["demo:mosaic", "demo:aurora", "demo:sketch"]


def _fd_path(fd: int) -> Path:
    return Path(os.readlink(f"/proc/self/fd/{fd}"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name an fsynced descriptor")
def test_images_are_durable_before_the_session_refers_to_them(fast_demo, monkeypatch) -> None:
    log: list[tuple[str, object]] = []
    real_fsync = os.fsync
    real_write = Store._write

    def fsync(fd: int) -> None:
        log.append(("fsync", _fd_path(fd)))
        real_fsync(fd)

    def write(self: Store, session: Session, *, durable: bool = True) -> None:
        done = [r for r in session.runs if r.status == "succeeded"]
        succeeded = {self.abspath(session.id, image.path) for run in done for image in run.images}
        log.append(("session", (durable, succeeded)))
        real_write(self, session, durable=durable)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    monkeypatch.setattr(Store, "_write", write)

    ctx = Context()
    spec = SessionSpec(cases=[CaseSpec(prompt="a red cube"), CaseSpec(prompt="a blue cone")], models=DEMO, repeats=2)
    session = build_session(spec, store=ctx.store, registry=ctx.registry, catalog=ctx.catalog)
    log.clear()
    done = asyncio.run(Runner(ctx.store, ctx.registry, session).execute())

    assert done.status_counts() == {"succeeded": 12}
    synced: set[Path] = set()
    final: set[Path] = set()
    durable_writes = 0
    for kind, what in log:
        if kind == "fsync":
            synced.add(what)  # type: ignore[arg-type]
            continue
        durable, referred = what  # type: ignore[misc]
        assert referred <= synced, f"the session refers to images not yet fsynced: {sorted(referred - synced)}"
        durable_writes += durable
        final = referred
    images_dir = ctx.store.session_dir(session.id) / "images"
    assert len(final) == 12 and images_dir.resolve() in synced, "the images' directory entry was never fsynced"
    # Marks that a power cut may lose (queued, running) are written without fsync; finished runs are durable.
    assert 1 <= durable_writes < len(log)


def test_outputs_and_references_get_their_thumbnails_at_save_time(fast_demo, make_image) -> None:
    ctx = Context()
    spec = SessionSpec(
        cases=[CaseSpec(prompt="restyle this", refs=[(None, make_image("ref.png", (300, 200)))])], models=DEMO[:2]
    )
    session = build_session(spec, store=ctx.store, registry=ctx.registry, catalog=ctx.catalog)
    done = asyncio.run(Runner(ctx.store, ctx.registry, session).execute())
    assert not thumb_queue.held(), "the runner left the thumbnail queue waiting"
    assert thumb_queue.wait(30)

    images = [image for run in done.runs for image in run.images] + list(done.cases[0].references)
    assert len(images) == 3
    for image in images:
        for side in thumbs.SAVE_TIME_SIDES:
            cached = thumbs.cache_path(image.sha256, side)
            assert cached.is_file(), f"no {side}px thumbnail for {image.path}"
            assert cached.is_relative_to(thumbs.thumbs_dir())


def test_thumbnails_wait_while_a_runner_has_results_to_record(make_image, monkeypatch) -> None:
    monkeypatch.setattr(thumb_queue, "MAX_YIELD_S", 10.0)
    path = make_image("out.png", (256, 256))
    sha = thumbs.file_sha256(path)
    thumb_queue.hold()
    try:
        thumb_queue.submit([(path, sha)])
        assert not thumb_queue.wait(0.3), "a thumbnail was made while a runner was recording"
        assert not thumbs.cache_path(sha, 128).exists()
    finally:
        thumb_queue.release()
    assert thumb_queue.wait(10)
    assert all(thumbs.cache_path(sha, side).is_file() for side in thumbs.SAVE_TIME_SIDES)
