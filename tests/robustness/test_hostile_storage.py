"""Issue 11, finding 7: a full disk while an output is written is the system's refusal, not the model's failure:
the image is kept in memory and tried again, and if the disk stays full the run is left to resume, marked
``storage``, out of the model's figures, and the command exits 1 naming the file."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from tests.robustness.fuzz_support import run_main
from tui.core import runner, store
from tui.core.store import Store
from tui.scoring.summary import summarize


@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch):
    """Every write of an output image fails with ENOSPC while ``state["full"]`` holds; session files still fit."""
    monkeypatch.setattr(runner, "WRITE_RETRY_S", 0.01)
    real = store.atomic_write
    state = {"full": True, "refused": 0}

    def atomic_write(path: Path, data: bytes, **kw) -> None:
        if state["full"] and path.parent.name == "images":
            state["refused"] += 1
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data, **kw)

    monkeypatch.setattr(store, "atomic_write", atomic_write)
    return state


def test_a_full_disk_is_a_storage_error_not_the_models(disk_full, fast_demo: Path, data_dir: Path) -> None:
    code, out, err = run_main(["run", "--prompt", "a red cube", "--model", "demo:mosaic", "--model", "demo:aurora"])
    assert code == 1, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("imgbench: error: ") and "/images/" in last and "No space left" in last, err
    assert "sessions resume" in last
    assert "will try again" in err and disk_full["refused"] >= 2 * runner.WRITE_TRIES_AT_CLOSE
    session = Store(data_dir).load(out.strip())
    for run in session.runs:
        assert run.status == "interrupted" and run.error is not None and run.error.kind == "storage", run
        assert run.attempt_log[-1].outcome == "storage"
    for summary in summarize(session):  # nothing counts against the models
        assert summary.failed == 0 and "storage" not in summary.errors and summary.success_rate is None

    disk_full["full"] = False  # space freed: resume finishes them
    code, _, err = run_main(["sessions", "resume", session.id, "-q"])
    assert code == 0, err
    assert Store(data_dir).load(session.id).status_counts() == {"succeeded": 2}


def test_a_write_refused_once_is_retried_with_the_image_kept(disk_full, fast_demo: Path, data_dir: Path) -> None:
    real = store.atomic_write

    def refuse_once(path: Path, data: bytes, **kw) -> None:
        if disk_full["full"] and path.parent.name == "images":
            disk_full["full"] = False
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data, **kw)

    store.atomic_write = refuse_once  # the fixture's monkeypatch puts the real one back
    code, out, err = run_main(["run", "--prompt", "a red cube", "--model", "demo:mosaic"])
    assert code == 0, err
    assert "will try again" in err
    session = Store(data_dir).load(out.strip())
    assert session.runs[0].status == "succeeded" and session.runs[0].attempts == 1  # not asked of the provider twice
