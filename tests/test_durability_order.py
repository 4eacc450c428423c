"""Pinned: the order of the system calls that make a write durable, observed as they happen.

A crash between ``os.replace`` and the temp file's fsync can leave an empty file under the real name, so the
data must reach the disk before the rename makes it the real file, and the directory after it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tui.core import atomic
from tui.core.model import Run
from tui.core.runner import Runner

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name a descriptor")


def _observe(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    calls: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        calls.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        calls.append(("replace", f"{os.fspath(src)} -> {os.fspath(dst)}"))
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    monkeypatch.setattr(atomic.os, "replace", replace)
    return calls


def test_a_durable_write_syncs_the_data_then_renames_then_syncs_the_directory(tmp_path, monkeypatch) -> None:
    target = tmp_path / "d" / "session.json"
    calls = _observe(monkeypatch)
    atomic.atomic_write(target, b'{"ok": true}')
    assert target.read_bytes() == b'{"ok": true}'
    kinds = [kind for kind, _ in calls]
    assert kinds == ["fsync", "replace", "fsync"], calls
    (_, synced_file), (_, renamed), (_, synced_dir) = calls
    temp = renamed.split(" -> ")[0]
    assert synced_file == temp and Path(temp).parent == target.parent, "the data synced was not the file renamed"
    assert renamed.endswith(f" -> {target}")
    assert Path(synced_dir) == target.parent.resolve()


def test_a_write_that_need_not_survive_a_power_cut_skips_the_syncs_but_still_renames(tmp_path, monkeypatch) -> None:
    calls = _observe(monkeypatch)
    atomic.atomic_write(tmp_path / "mark.json", b"{}", durable=False)
    assert [kind for kind, _ in calls] == ["replace"]


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch) -> None:
    target = tmp_path / "session.json"
    target.write_bytes(b"old")

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(OSError):
        atomic.atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session.json"]


class _RecordingStore:
    """Only what Runner._persist touches: which batches were written durably."""

    def __init__(self) -> None:
        self.writes: list[bool] = []

    def fsync_output_dirs(self, session_id: str, images: object) -> None:
        pass

    def mutate(self, session_id: str, change: object, *, durable: bool = True) -> None:
        self.writes.append(durable)


@pytest.mark.parametrize(
    ("statuses", "durable"),
    [
        (["running", "succeeded"], True),  # one finished run in a batch makes the whole write durable
        (["failed"], True),
        (["queued", "cancelled", "retrying"], True),
        (["running", "retrying", "queued"], False),  # marks a power cut may lose: the run simply runs again
    ],
)
def test_a_batch_is_durable_when_any_of_its_runs_finished(statuses: list[str], durable: bool) -> None:
    runner = object.__new__(Runner)
    runner.store = _RecordingStore()  # type: ignore[assignment]
    runner.session = type("S", (), {"id": "s"})()  # type: ignore[assignment]
    batch = {f"r{i}": Run(id=f"r{i}", case_id="c", model="demo:mosaic", status=s) for i, s in enumerate(statuses)}
    runner._persist(batch, [])  # type: ignore[arg-type]
    assert runner.store.writes == [durable]  # type: ignore[attr-defined]


def test_a_new_file_is_readable_by_its_owner_and_its_missing_folders_are_made(tmp_path) -> None:
    target = tmp_path / "a" / "b" / "c.json"
    atomic.atomic_write(target, b"x")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    atomic.atomic_write(tmp_path / "secret", b"k", mode=0o600)
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o600


def test_a_batch_of_new_files_syncs_each_folder_once(tmp_path, monkeypatch) -> None:
    calls = _observe(monkeypatch)
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    files = [tmp_path / "x" / "1.png", tmp_path / "x" / "2.png", tmp_path / "y" / "3.png"]
    atomic.fsync_dirs(files)
    assert [Path(p) for _, p in calls] == [(tmp_path / "x").resolve(), (tmp_path / "y").resolve()]
    calls.clear()
    for path in files:
        path.write_bytes(b"img")
        atomic.fsync_file(path)
    assert [Path(p) for _, p in calls] == [p.resolve() for p in files]
