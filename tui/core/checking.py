"""Where the core hands stored outputs over for machine checks, without knowing who measures them.

Like ``tui.core.previews``: the checks read pixels, so they live in the imaging layer, above the core. Whoever
starts a command or the App installs the check queue here (``install``); the runner calls ``submit`` once a
succeeded run is recorded. With nothing installed no check runs, which is right for a library use.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tui.core.model import Case, Run, Session
    from tui.core.store import Store


class Checker(Protocol):
    def submit(self, store: Store, session_id: str, run_ids: Iterable[str]) -> None: ...


class _NoChecks:
    def submit(self, store: Store, session_id: str, run_ids: Iterable[str]) -> None:
        pass


_checker: Checker = _NoChecks()


def install(checker: Checker) -> None:
    global _checker
    _checker = checker


def submit(store: Store, session_id: str, run_ids: Iterable[str]) -> None:
    """Measure the declared checks of these recorded runs in the background; results are stored on each run."""
    ids = list(run_ids)
    if ids:
        _checker.submit(store, session_id, ids)


def declares_checks(case: Case) -> bool:
    return any(item.machine is not None for item in case.checklist)


def submit_recorded(store: Store, session: Session, runs: Iterable[Run]) -> None:
    """The runs just recorded that succeeded with an image, of a case that declares checks."""
    done = [r for r in runs if r.status == "succeeded" and r.images]
    if not done:
        return
    cases = {case.id: case for case in session.cases}
    submit(store, session.id, (r.id for r in done if r.case_id in cases and declares_checks(cases[r.case_id])))
