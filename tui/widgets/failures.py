"""The one error path of the TUI: a failed worker becomes a message that bubbles up to the App, which says on screen
what went wrong and what to do, and keeps running.

Textual posts ``Worker.StateChanged`` only to the node that started the worker (it does not bubble), and a worker
left with ``exit_on_error=True`` quits the whole app. So every worker is started with ``exit_on_error=False``
(``tests/architecture/test_workers.py`` checks the source) and every screen mixes in ``ReportsFailures``, which turns
the failure into ``TaskFailed``; the App shows it (``ImgbenchApp.on_task_failed``). The traceback goes to the debug
log only: a person at the terminal gets one line.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from textual.message import Message
from textual.worker import Worker, WorkerState


class TaskFailed(Message):
    """A background task of a screen or widget raised; bubbles to the App."""

    def __init__(self, task: str, error: BaseException) -> None:
        super().__init__()
        self.task = task
        self.error = error


class ReportsFailures:
    """Mixed into every screen (before ``Screen``): its failed workers are reported, never fatal."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state == WorkerState.ERROR and worker.error is not None:
            self.post_message(TaskFailed(worker.description or worker.name or "A background task", worker.error))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Explained:
    title: str
    cause: str
    remedy: str


def explain(task: str, error: BaseException, log: Path | None) -> Explained:
    """The title, the one-line cause and what to do, for a person at the terminal."""
    from tui.core.validation import InputError, StorageError

    cause = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, InputError):
        remedy = ""  # by contract its message is one line a user can act on ("wait for it to finish, or …")
    elif isinstance(error, StorageError):
        remedy = "Free some space or fix the permissions there, then try again."
    else:
        cause = f"{type(error).__name__}: {cause}"
        where = f" (the traceback is in {log})" if log else ""
        remedy = f"Try again; if it keeps failing, report it{where}."
    return Explained(title=f"{task} failed", cause=cause[:300], remedy=remedy)


def debug_log_path() -> Path:
    from tui.core import paths

    return paths.cache_dir() / "debug.log"


def write_debug_log(task: str, error: BaseException) -> Path | None:
    """Append the traceback to the debug log; None when it cannot be written (the notification still shows)."""
    path = debug_log_path()
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(f"--- {stamp} {task} failed\n{text}\n")
    except OSError:
        return None
    return path
