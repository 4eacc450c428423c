"""Scale: 1,000 realistic sessions in the data dir (six Tier-A cases x three models, two raters' scores each).

    .venv/bin/python tests/benchmarks/bench_scale.py [--sessions 1000] [--best-of 5]

Every figure is the best of N (the machine's noise is not the program's), printed next to a naive way of doing
the same thing measured in the same run, and the ratio between them:

- ``imgbench sessions list``, the whole command as a subprocess (target <= 300 ms), and ``Store.list`` in process.
  Naive: decode every session in full (``Store.load``) instead of a header-only decode.
- export of a 504-run session (load + ``export_json``; target <= 200 ms). Naive: stdlib ``json`` on
  ``msgspec.to_builtins`` of a stdlib-decoded session.
- ``imgbench --version`` as a subprocess (target <= 0.25 s). Naive: importing the App and every screen first.
- first paint of the TUI in a fresh tmux session 100x30: launch until ``tmux capture-pane -p`` shows the Home
  screen (polled every 25 ms; target <= 1.0 s), and until the newest session's row is on screen.
  Floor: a bare Textual app with one Static, measured the same way.
- the Home screen listing 1,000 sessions, from asking to the table filled (target <= 300 ms), in process
  with Textual's Pilot. Naive: the same screen fed by full session loads.

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.robustness.support import realistic_session, write_sessions  # noqa: E402
from tests.tui_support import workers_idle  # noqa: E402

PY = sys.executable
TARGETS = {"list_cli": 0.300, "export": 0.200, "version": 0.250, "first_paint": 1.0, "home_list": 0.300}
NAIVE_LIST = """
import sys, time
from tui.core.store import Store
store = Store()
sessions = []
for entry in store.sessions_dir.iterdir():
    try:
        sessions.append(store.load(entry.name))
    except Exception as exc:
        print(exc, file=sys.stderr)
sessions.sort(key=lambda s: (s.created_at, s.id), reverse=True)
for s in sessions:
    ok = sum(r.status == "succeeded" for r in s.runs)
    print(f"{s.id}  {s.created_at[:16]}  {len(s.cases)} x {len(s.models)}  {ok}/{len(s.runs)} ok  {s.name}")
"""


def best(fn: Callable[[], object], n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run(*argv: str) -> None:
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True)
    if proc.returncode != 0:
        raise SystemExit(f"{argv} failed: {proc.stderr.decode()[-2000:]}")


def row(what: str, ours: float, naive: float | None, target: float | None, note: str = "") -> bool:
    ratio = f"{naive / ours:5.1f}x" if naive else "   - "
    naive_s = f"{naive * 1000:8.1f} ms" if naive is not None else "         -"
    verdict = "" if target is None else ("  ok" if ours <= target else "  MISSED")
    goal = f"<= {target * 1000:.0f} ms" if target else ""
    print(f"{what:<44} {ours * 1000:8.1f} ms  {naive_s}  {ratio}  {goal:<11}{verdict}  {note}")
    return target is None or ours <= target


# -- tmux ----------------------------------------------------------------------------------------------------
SOCKET = f"imgbench-bench-{os.getpid()}"
# How often the pane is read: the resolution of a paint time (finer polls start more tmux clients beside the app).
POLL_S = float(os.environ.get("IMGBENCH_BENCH_POLL_S", "0.025"))


def tmux(*args: str, check: bool = False) -> str:
    proc = subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise SystemExit(f"tmux {args[0]} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def paint_time(command: str, markers: tuple[str, ...], env: dict[str, str], timeout: float = 15.0) -> list[float]:
    """Seconds from launch until each marker first shows in the pane (in order), polling every 25 ms."""
    name = f"p{time.monotonic_ns()}"
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    # If the program exits early, its last words and status stay on screen for the error below.
    shell = f'env {exports} {command}; echo "[exited $?]"; sleep 5'
    for attempt in range(3):  # a fresh tmux server now and then dies starting up ("server exited unexpectedly")
        start = time.perf_counter()
        try:
            tmux("new-session", "-d", "-s", name, "-x", "100", "-y", "30", shell, check=True)
            break
        except SystemExit:
            if attempt == 2:
                raise
            time.sleep(0.2)
    found: list[float] = []
    try:
        while len(found) < len(markers):
            screen = tmux("capture-pane", "-p", "-t", name, check=True)
            while len(found) < len(markers) and markers[len(found)] in screen:
                found.append(time.perf_counter() - start)
            if time.perf_counter() - start > timeout:
                raise SystemExit(f"{command!r}: {markers[len(found)]!r} not on screen after {timeout} s:\n{screen}")
            time.sleep(POLL_S)
    finally:
        tmux("kill-session", "-t", name)
    return found


# -- the Home screen in process --------------------------------------------------------------------------------
async def home_listing(naive: bool, n: int) -> float:
    from screens.home import HomeScreen
    from screens.registry import build_app
    from tui.core.store import Listing

    app = build_app()
    if naive:
        store = app.ctx.store

        def full_list() -> Listing:
            sessions = [store.load(p.name) for p in store.sessions_dir.iterdir()]
            sessions.sort(key=lambda s: (s.created_at, s.id), reverse=True)
            return Listing(sessions, [])  # Session has what the screen reads (runs, scores, name…)

        store.list = full_list  # type: ignore[method-assign]
    times = []
    async with app.run_test(size=(100, 30)) as pilot:
        while not isinstance(app.screen, HomeScreen):
            await pilot.pause(0.01)
        screen = app.screen
        # The listings made at mount and on the first resume are not measured: let them finish.
        while screen.query_one("#sessions").row_count < 1000:
            await pilot.pause(0.05)
        await pilot.pause(0.5)
        await workers_idle(app)
        shown = screen._show_sessions
        filled = asyncio.Event()
        done: list[float] = []

        def timed(*args, **kwargs):
            shown(*args, **kwargs)
            done.append(time.perf_counter())
            filled.set()

        screen._show_sessions = timed  # type: ignore[method-assign]
        for _ in range(n):
            filled.clear()
            done.clear()
            start = time.perf_counter()
            screen.load_sessions()  # a thread worker: list, then fill the table on the UI thread
            await filled.wait()  # no polling: a busy loop would compete with the worker for the GIL
            times.append(done[0] - start)
            assert screen.query_one("#sessions").row_count >= 1000
            await workers_idle(app)
            await pilot.pause(0.1)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--best-of", type=int, default=5)
    args = parser.parse_args()
    n = args.best_of
    work = Path(tempfile.mkdtemp(prefix="imgbench-scale-"))
    env = {
        "IMGBENCH_CONFIG_DIR": str(work / "config"),
        "IMGBENCH_DATA_DIR": str(work / "data"),
        "IMGBENCH_CACHE_DIR": str(work / "cache"),
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    ok = True
    try:
        started = time.perf_counter()
        ids = write_sessions(work / "data", args.sessions)
        size = sum((work / "data" / "sessions" / i / "session.json").stat().st_size for i in ids)
        print(
            f"{args.sessions} sessions, {size / 1e6:.1f} MB of session.json, written in "
            f"{time.perf_counter() - started:.1f}s; best of {n}; {os.cpu_count()} CPUs; "
            f"Python {sys.version.split()[0]}\n"
        )
        print(f"{'':<44} {'imgbench':>11}  {'naive':>11}  ratio  {'target':<11}")

        from tui.core.store import Store

        store = Store(work / "data")
        listing = store.list()
        assert len(listing.sessions) == args.sessions and not listing.errors
        cli = [PY, "-m", "tui.launch"]
        ok &= row(
            "sessions list (whole command, subprocess)",
            best(lambda: run(*cli, "sessions", "list"), n),
            best(lambda: run(PY, "-c", NAIVE_LIST), n),
            TARGETS["list_cli"],
        )
        ok &= row(
            "Store.list (in process)",
            best(store.list, n),
            best(lambda: sorted((store.load(p.name) for p in store.sessions_dir.iterdir()), key=lambda s: s.id), n),
            None,
        )

        # -- export of a 504-run session ------------------------------------------------------------------
        import msgspec

        from tui.core.store import encode_session
        from tui.reports.export import export_document, export_json

        big = realistic_session(99_999, runs_per_case=28)
        store.save(big)
        size = store.session_file(big.id).stat().st_size

        def ours() -> bytes:
            return export_json(store.load(big.id), store)

        def naive() -> bytes:
            from tui.core.model import Session

            doc = json.loads(store.session_file(big.id).read_bytes())
            session = msgspec.convert(doc, Session)
            return json.dumps(msgspec.to_builtins(export_document(session, store)), indent=2).encode()

        assert json.loads(ours())["runs"] and len(big.runs) == 504
        ok &= row(
            f"export, {len(big.runs)} runs (load + export_json)",
            best(ours, n),
            best(naive, n),
            TARGETS["export"],
            f"{size / 1e6:.1f} MB session",
        )
        out = work / "export.json"
        row(
            "sessions export -o FILE (subprocess)",
            best(lambda: run(*cli, "sessions", "export", big.id, "-o", str(out)), n),
            None,
            None,
        )
        assert len(encode_session(big)) > 0

        # -- --version --------------------------------------------------------------------------------
        version = best(lambda: run(*cli, "--version"), max(n, 7))
        eager = best(
            lambda: run(PY, "-c", "import tui.app, screens.home, screens.compose, screens.review, tui.launch"), n
        )
        floor = best(lambda: run(PY, "-c", "pass"), n)
        ok &= row(
            "imgbench --version (subprocess)", version, eager, TARGETS["version"], f"python floor {floor * 1000:.0f} ms"
        )

        # -- the TUI in tmux ------------------------------------------------------------------------------
        newest = listing.sessions[0].name
        if shutil.which("tmux"):
            bare = work / "bare.py"
            bare.write_text(
                "from textual.app import App\nfrom textual.widgets import Static\n"
                "class A(App):\n    def compose(self):\n        yield Static('bare textual app')\nA().run()\n"
            )
            paints, rows, floors = [], [], []
            for _ in range(max(3, n // 2)):
                first, listed = paint_time(f"{PY} -m tui.cli.main", ("Presets", newest), env)
                paints.append(first)
                rows.append(listed)
                floors.append(paint_time(f"{PY} {bare}", ("bare textual app",), env)[0])
            ok &= row(
                "TUI first paint, Home (tmux 100x30)",
                min(paints),
                min(floors),
                TARGETS["first_paint"],
                "naive = bare Textual app",
            )
            row("TUI until the newest session's row shows", min(rows), None, None)
        else:
            print("tmux not found: first paint not measured")

        # -- the Home screen listing, in process -----------------------------------------------------------------
        ours_home = asyncio.run(home_listing(False, n))
        naive_home = asyncio.run(home_listing(True, max(2, n // 2)))
        ok &= row(f"Home screen lists {args.sessions} sessions (Pilot)", ours_home, naive_home, TARGETS["home_list"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if shutil.which("tmux"):
            tmux("kill-server")  # our own server, on our own socket
            Path(f"/tmp/tmux-{os.getuid()}/{SOCKET}").unlink(missing_ok=True)  # tmux may leave the socket
    print("\nall targets met" if ok else "\nSOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
