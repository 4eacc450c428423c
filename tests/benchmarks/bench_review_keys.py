"""What a checklist cursor key costs the real TUI in Review over 36 outputs of 1024² (the session of
bench_checks.py, all checks measured): the TUI process's CPU per key (Linux schedstat, all its threads) and the
key-to-frame time, with a cursor move repainting the checklist in place (imgbench now) side by side with every
checklist update asking Textual for a layout pass of the screen (``Static.update``'s default; imgbench before).
Both in one run, alternating, in the same pseudo-terminal set-up:

    .venv/bin/python tests/benchmarks/bench_review_keys.py [--keys N]

The "layout" TUI is the same code started with ``SteadyStatic.show`` replaced by ``Static.update``: the only
difference is the layout pass. On a busy machine the CPU figure holds (it is time on a core, not waiting for one);
the latency does not, so the load average is printed beside it.
"""

from __future__ import annotations

import os
import signal
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

LAYOUT_EVERY_UPDATE = (
    "from textual.widgets import Static; from tui.widgets.steady_static import SteadyStatic; "
    "SteadyStatic.show = lambda self, content: Static.update(self, content); "
)


def _argv(variant: str) -> list[str]:
    patch = LAYOUT_EVERY_UPDATE if variant == "layout" else ""
    return [sys.executable, "-c", f"import sys; {patch}from tui.launch import main; sys.exit(main([]))"]


def _measure(root: Path, variant: str, keys: int) -> list[tuple[float, float, float]]:
    """(latency ms, ms on a core, ms waiting for one) per cursor key, Review open on the session."""
    from tests.benchmarks.checks_pty import TimedPty, _probe
    from tests.pty_terminal import app_env

    env = app_env(root, root / "actions.log")
    root_dir = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = str(root_dir)
    app = TimedPty(_argv(variant), cols=120, rows=36, env=env, cwd=root_dir)
    try:
        app.wait_for("checks", timeout=60)
        app.press("enter")  # its runs are done: Review opens
        app.wait_for("Pass", timeout=60)  # Review, its keys in the footer
        app.wait_for("machine: ✓", timeout=60)  # the checklist drawn with the stored checks
        app.measuring = True
        sched: list[tuple[float, float, float]] = []
        _probe(app, None, seconds=2.0)  # warm: the first keys pay for caches
        sent = [0]

        def enough() -> bool:
            sent[0] += 1
            return sent[0] > keys

        _probe(app, enough, sched=sched)
        return sched
    finally:
        app.close()


def _row(name: str, values: list[float], base: list[float]) -> str:
    a, b = statistics.median(base), statistics.median(values)
    p95 = statistics.quantiles(values, n=20)[-1]
    return f"    {name:<40}{b:>8.1f}{p95:>9.1f}{b / a if a else float('inf'):>11.2f}x"


def main() -> None:
    keys = int(sys.argv[sys.argv.index("--keys") + 1]) if "--keys" in sys.argv else 60
    import bench_checks

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the finally blocks close the TUIs
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        bench_checks.setup(root)
        session_id = bench_checks.make_session(root)
        _check_all(session_id)
        print(f"Review cursor keys over {bench_checks.OUTPUTS} outputs of 1024x1024, {keys} keys a round")
        results: dict[str, list[tuple[float, float, float]]] = {"layout": [], "steady": []}
        for turn in range(2):  # alternated, so a change in the machine's load falls on both
            for variant in ("layout", "steady"):
                load = os.getloadavg()[0]
                results[variant] += _measure(root, variant, keys)
                print(f"  round {turn + 1}, {variant}: load average {load:.1f}")
    before, after = results["layout"], results["steady"]
    print(f"  {'per cursor key, ms (' + str(len(after)) + ' keys each)':<42}median      p95  vs layout")
    for index, what in ((1, "TUI CPU"), (0, "key to frame"), (2, "waited for a core")):
        print(_row(f"{what}: layout pass each key", [k[index] for k in before], [k[index] for k in before]))
        print(_row(f"{what}: repainted in place", [k[index] for k in after], [k[index] for k in before]))
    print(f"  load average at the end {os.getloadavg()[0]:.1f}")


def _check_all(session_id: str) -> None:
    from tui.core.store import Store
    from tui.imaging import check_queue

    store = Store()
    check_queue.submit(store, session_id, [r.id for r in store.load(session_id).runs])
    check_queue.wait()


if __name__ == "__main__":
    main()
