"""Blind scoring as a person at a real terminal meets it: the real app in a pseudo-terminal (keys as bytes, the
screen read back through pyte). Before the reveal no screen shows a model name, a price or a latency, and the
Run screen's rows are in slot order, not in the order the models were composed in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.pty_terminal import PtyApp, app_env, imgbench_argv
from tests.test_cli import DEMO3
from tui.cli.main import main
from tui.core.model import Session, Timings
from tui.core.store import Store
from tui.scoring.blind import blind_order

MODELS = ("demo:mosaic", "demo:aurora", "demo:sketch")
NAMES = re.compile(r"demo:|mosaic|aurora|sketch", re.IGNORECASE)
PRICE = re.compile(r"\$\s?\d")
LATENCY = re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|s)\b")
RIGHT = b"\x1b[C"


def leaks(screen: str) -> list[str]:
    return [m.group(0) for pattern in (NAMES, PRICE, LATENCY) for m in pattern.finditer(screen)]


def assert_blind(screen: str, where: str) -> None:
    assert not leaks(screen), f"{where} leaks {leaks(screen)}:\n{screen}"


def _mixed_seed(session: Session) -> int:
    """A seed under which at least one case's slot order differs from the model order (almost any does)."""
    for seed in range(1, 100):
        session.blind_seed = seed
        if any([r.model for r in blind_order(session, c.id)] != list(MODELS) for c in session.cases):
            return seed
    raise AssertionError("no seed shuffles the models")


@pytest.fixture
def queued_blind_session(fast_demo: Path, data_dir: Path, capsys) -> str:
    (fast_demo / "config.toml").write_text('rater = "bo"\npreview = "halfblock"\n[providers.demo]\nlatency_ms = 20\n')
    args = ["run", "--preset", "tier-a/cat1", "--preset", "tier-a/cat2", "--blind", "--quiet", *DEMO3]
    assert main(args) == 0
    session_id = capsys.readouterr().out.strip()

    def requeue(session: Session) -> None:  # as if the runs were still to come: the TUI runs them itself
        session.blind_seed = _mixed_seed(session)
        for run in session.runs:
            run.status, run.images, run.latency_ms, run.timings = "queued", [], None, Timings()

    Store(data_dir).mutate(session_id, requeue)
    return session_id


def _run_rows(screen: str, session: Session) -> list[tuple[str, str]]:
    """(case label start, slot letter) for every Run row on the screen, top to bottom."""
    rows = []
    for line in screen.splitlines():
        if match := re.search(r"slot ([A-Z])\b", line):
            case = next((c for c in session.cases if line.strip().startswith(c.label[:10])), None)
            if case is not None:  # a table row, not the detail pane beside it ("slot A · ✓ done")
                rows.append((case.id, match.group(1)))
    return rows


def _scored(screen: str) -> list[int]:
    """Verdicts given per output, from the tiles' captions ("▶ A  7/8 scored", cut short at 80 columns)."""
    return [int(done) for done in re.findall(r"\b[ABC]  (\d+)/\d+", screen)]


@pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])
def test_blind_session_shows_no_model_price_or_latency_until_revealed(
    queued_blind_session: str, data_dir: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    session_id = queued_blind_session
    env = app_env(tmp_path, tmp_path / "actions.log")
    app = PtyApp(imgbench_argv(), cols=size[0], rows=size[1], env=env)
    try:
        assert_blind(app.wait_for("Sessions"), "Home")
        app.press("enter")  # queued runs: the Run screen offers to run them
        app.wait_for("Resume 6 unfinished")
        assert_blind(app.text(), "Run, before resuming")
        app.press("y")
        screen = app.wait_for("6/6 finished", timeout=40)
        assert_blind(screen, "Run")
        session = Store(data_dir).load(session_id)
        rows = _run_rows(screen, session)
        assert len(rows) >= 4, screen
        for case in session.cases:
            letters = [slot for case_id, slot in rows if case_id == case.id]
            assert letters == ["A", "B", "C"][: len(letters)], f"rows of {case.id} not in slot order: {rows}"
        shown_models = [blind_order(session, case_id)[ord(slot) - 65].model for case_id, slot in rows]
        composed = [r.model for r in session.runs if any(r.case_id == c for c, _ in rows)][: len(rows)]
        assert shown_models != composed, "the Run screen lists the runs in the composed model order"

        app.press("v")
        assert_blind(app.wait_for("Checklist for A"), "Review")
        app.press("b")  # too early: refused, and still nothing shows
        assert_blind(app.wait_for("Still blind"), "Review after an early reveal")
        # The refusal's toast covers the last tile's caption (its scored count) until it times out.
        app.wait_for(lambda t: "Still blind" not in t, timeout=20)
        every = (("z", "to zoom in"), ("w", "Which is better"), ("o", "Note for"), ("\x1bOP", "imgbench keys"))
        for key, shows in every:
            app.press(key)
            assert_blind(app.wait_for(shows), shows)
            app.press("escape")
            app.wait_for(lambda t, shows=shows: shows not in t and "Checklist for" in t)

        # Score every item of every output of case 1, one verdict short first: still blind.
        case = session.cases[0]
        n = len(case.checklist)
        app.press(*["p"] * (n * 3 - 1))
        app.wait_for(lambda t: sorted(_scored(t)) == [n - 1, n, n])
        app.press("b")
        assert_blind(app.wait_for("Still blind"), "Review, one item short")
        # The refusal's toast covers the last tile's caption (its scored count) until it times out.
        app.wait_for(lambda t: "Still blind" not in t, timeout=20)
        app.press("p")
        assert_blind(app.wait_for(lambda t: _scored(t) == [n, n, n]), "Review, scored but not revealed")

        app.press("s")  # Results while case 2 is still unrevealed: by slot, every tab
        screen = app.wait_for("Per slot")
        for tab in range(4):
            assert_blind(screen, f"Results tab {tab}")
            app.press(RIGHT)
            screen = app.wait_for(lambda t: True, settle=0.4)
        app.press("m")
        assert_blind(app.wait_for("not revealed for you"), "the report prompt")
        app.press("s")
        app.wait_for("Report written")
        report = (data_dir / "exports" / f"{session_id}.md").read_text()
        assert "slot A" in report and "Blind, not revealed" in report
        assert not NAMES.search(report) and not PRICE.search(report) and not LATENCY.search(report)
        app.press("c")
        app.wait_for("contact sheet")
        app.press("escape")

        app.press("escape")  # back to Review, case 1: the reveal now shows the names
        app.wait_for("Case 1/2")
        app.press("b")
        app.wait_until(lambda: Store(data_dir).load(session_id).revealed, 15, "the reveal saved")
        if size == (100, 30):  # at 80x24 the captions are cut before the name and the checklist's title scrolled
            revealed = app.wait_for(lambda t: NAMES.search(t) is not None)
            assert re.search(r"\b[ABC] = demo:", revealed), "the names are shown beside the slots"
        app.press("ctrl+q")
        app.proc.wait(15)
    finally:
        app.close()

    # The reveal is kept in the session for this rater: a restart still shows case 1's names, not case 2's.
    stored = Store(data_dir).load(session_id)
    assert stored.revealed == {"bo": [case.id]}
    app = PtyApp(imgbench_argv(), cols=size[0], rows=size[1], env=env)
    try:
        app.wait_for("Sessions")
        app.press("enter")
        screen = app.wait_for("Case 1/2")
        if size == (100, 30):
            # the tiles' captions; the checklist's title may show a name first, wrapped across two lines
            app.wait_for(lambda t: re.search(r"\b[ABC] = demo:", t) is not None)
        app.press("pagedown")
        assert_blind(app.wait_for("Case 2/2"), "Review, case 2 after a restart")
    finally:
        app.close()
