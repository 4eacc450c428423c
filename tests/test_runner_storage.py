"""What the runner leaves on disk: images durable before the session refers to them, thumbnails made at save time."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from tui.core import atomic
from tui.core.compose import CaseSpec, SessionSpec, build_session
from tui.core.context import Context
from tui.core.model import Session
from tui.core.runner import Runner
from tui.core.store import Store
from tui.imaging import thumb_queue, thumbs

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


def _failing_writes(monkeypatch, failures: int | None, *, spare: int = 0) -> list[bool]:
    """Store._write raises ENOSPC for ``failures`` durable writes (None: all) after the first ``spare`` ones."""
    import errno

    real = Store._write
    calls: list[bool] = []

    def write(self: Store, session: Session, *, durable: bool = True) -> None:
        calls.append(durable)
        nth = calls.count(True)
        if durable and nth > spare and (failures is None or nth <= spare + failures):
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, session, durable=durable)

    monkeypatch.setattr(Store, "_write", write)
    monkeypatch.setattr("tui.core.runner.WRITE_RETRY_S", 0.01)
    return calls


def test_a_disk_full_for_a_moment_loses_no_finished_run(fast_demo, monkeypatch) -> None:
    ctx = Context()
    spec = SessionSpec(cases=[CaseSpec(prompt="a red cube")], models=DEMO)
    session = build_session(spec, store=ctx.store, registry=ctx.registry, catalog=ctx.catalog)
    _failing_writes(monkeypatch, failures=2)
    events = []
    done = asyncio.run(Runner(ctx.store, ctx.registry, session, listener=events.append).execute())
    assert done.status_counts() == {"succeeded": 3}
    on_disk = ctx.store.load(session.id)
    assert [r.status for r in on_disk.runs] == ["succeeded"] * 3 and all(r.images for r in on_disk.runs)
    warnings = [e.message for e in events if e.kind == "write_failed"]
    assert len(warnings) == 2 and "No space left on device" in warnings[0] and "will try again" in warnings[0]


def test_a_disk_that_stays_full_ends_in_one_clear_error(fast_demo, monkeypatch, capsys) -> None:
    from tui.cli.main import main

    _failing_writes(monkeypatch, failures=None, spare=1)  # the session is created, then the disk fills up
    code = main(["run", "--prompt", "a red cube", "--model", "demo:mosaic"])
    err = capsys.readouterr().err
    assert code == 1, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("imgbench: error: ") and "session.json" in last and "No space left on device" in last
    assert "sessions resume" in last and "Traceback" not in err
    assert err.count("imgbench: warning: cannot save") >= 5


def test_a_full_disk_when_composing_is_one_line_and_leaves_nothing(fast_demo, monkeypatch, capsys, data_dir) -> None:
    from tui.cli.main import main

    _failing_writes(monkeypatch, failures=None)
    assert main(["run", "--prompt", "a red cube", "--model", "demo:mosaic"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("imgbench: error: ") and "No space left on device" in err
    assert not any((data_dir / "sessions").iterdir())


async def test_the_run_screen_says_so_and_keeps_working(fast_demo, monkeypatch) -> None:
    from screens.registry import build_app
    from screens.run import RunScreen
    from tests.tui_support import at_home, wait_for

    ctx = Context()
    spec = SessionSpec(cases=[CaseSpec(prompt="a red cube")], models=DEMO[:1])
    session = build_session(spec, store=ctx.store, registry=ctx.registry, catalog=ctx.catalog)
    _failing_writes(monkeypatch, failures=None)
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        app.push_screen(RunScreen(session.id))
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen) and app.screen.session is not None)
        screen = app.screen
        await wait_for(pilot, lambda: screen.runner is None and all(r.finished for r in screen.session.runs))
        messages = [n.message for n in app._notifications]
        assert any("No space left on device" in m and "will try again" in m for m in messages)
        assert any("sessions resume" in m for m in messages)
        assert screen.session.runs[0].status == "succeeded"  # shown, though not on disk
        await pilot.press("escape")  # the app goes on
        await pilot.pause(0.1)
    assert app.return_code in (None, 0)
