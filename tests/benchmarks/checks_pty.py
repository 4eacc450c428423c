"""The real TUI in a pseudo-terminal while machine checks run (a part of bench_checks.py): 36 runs of a loopback
gateway that answers with the cat3 poster (1024², three OCR items and more each) are started from Home as a
person would; the checks then run in that process's background queue (OCR in its reading process). Meanwhile
Review is open and a key that moves the checklist cursor is sent every ~0.2 s, each after a moment of quiet; the
time from the key to the first bytes of the frame that answers it is the frame's latency. The same probe once the
checks are done is the idle baseline, on the same screen of the same process. Across each key the TUI process's
threads' time on a core and time runnable but waiting for one are read from Linux's schedstat: what of a slow frame
is imgbench's own work and what is the machine's other work.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from tests.pty_terminal import PtyApp, app_env, imgbench_argv

RUNS = 36
QUIET_S = 0.06  # a probe waits for this much silence, so the bytes after it answer the key
GAP_S = 0.2
GIVE_UP_S = 3.0  # a key with no frame after this long counts at this long


class TimedPty(PtyApp):
    """A PtyApp that keeps when each chunk of output arrived; the screen is parsed only until ``measuring``."""

    measuring = False
    arrivals: list[float]

    def __init__(self, *args, **kwargs) -> None:
        self.arrivals = []
        super().__init__(*args, **kwargs)

    def received(self, data: bytes) -> None:
        now = time.perf_counter()
        with self._lock:
            self.arrivals.append(now)
            if not self.measuring:
                self.stream.feed(data)


def _session(root: Path, server_url: str) -> str:
    from tui.core.compose import CaseSpec, SessionSpec, build_session
    from tui.core.context import Context

    (root / "config" / "config.toml").write_text(
        'rater = "bench"\n[endpoints.bench]\n'
        f'base_url = "{server_url}"\nkey_env = "BENCH_GATEWAY_KEY"\nmodels = ["poster"]\n'
    )
    os.environ["BENCH_GATEWAY_KEY"] = "PLANTED-KEY-bench-0123456789"
    ctx = Context()
    spec = SessionSpec(cases=[CaseSpec(preset_id="tier-a/cat3")], models=["bench:poster"], repeats=RUNS,
                       name="checks bench")  # fmt: skip
    session = build_session(spec, store=ctx.store, registry=ctx.registry, catalog=ctx.catalog)
    return session.id


def _load(path: Path) -> dict:
    for _ in range(20):
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):  # mid-write: the store replaces the file atomically, but be patient
            time.sleep(0.05)
    return {}


def sched_ms(pid: int) -> tuple[float, float]:
    """Milliseconds the process's threads have run on a core, and waited runnable for one (Linux's schedstat):
    across one key, what the TUI's own work took and what the machine's other work kept it waiting."""
    run = wait = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "schedstat").read_text().split()
        except OSError:  # the thread ended meanwhile
            continue
        run, wait = run + int(fields[0]), wait + int(fields[1])
    return run / 1e6, wait / 1e6


def _probe(app: TimedPty, until, keys=(b"j", b"k"), seconds: float | None = None,
           sched: list[tuple[float, float, float]] | None = None) -> list[float]:  # fmt: skip
    """Key-to-frame latencies (ms) until ``until()`` holds (or for ``seconds``); with ``sched``, each key's
    (latency, ms run, ms waited for a core) is appended to it."""
    latencies: list[float] = []
    end = time.perf_counter() + (seconds or 0)
    turn = 0
    while (seconds is None and not until()) or (seconds is not None and time.perf_counter() < end):
        time.sleep(GAP_S * random.uniform(0.5, 1.5))
        while app.arrivals and time.perf_counter() - app.arrivals[-1] < QUIET_S:
            time.sleep(0.01)
        before = sched_ms(app.proc.pid) if sched is not None else (0.0, 0.0)
        sent = time.perf_counter()
        app.send(keys[turn % len(keys)])
        turn += 1
        while time.perf_counter() - sent < GIVE_UP_S:
            last = app.arrivals[-1] if app.arrivals else 0.0
            if last > sent:
                break
            time.sleep(0.001)
        after = [t for t in app.arrivals[-50:] if t > sent]
        latencies.append(((after[0] if after else sent + GIVE_UP_S) - sent) * 1000)
        if sched is not None:
            run, wait = sched_ms(app.proc.pid)
            sched.append((latencies[-1], run - before[0], wait - before[1]))
    return latencies


# Spins until its parent is gone: a benchmark killed outright (SIGKILL, no finally) leaves no burner behind.
# The parent's pid comes on the command line: read in the child, it could already be the reaper's.
BURN = "import os, sys\nparent = int(sys.argv[1])\nwhile os.getppid() == parent:\n    for _ in range(100_000): pass\n"


def burner() -> subprocess.Popen:
    """A process spinning on the CPU at the same priority as the TUI: other work on a shared machine."""
    return subprocess.Popen([sys.executable, "-c", BURN, str(os.getpid())])


def measure(root: Path, *, load: int = 0) -> dict[str, object]:
    """The real TUI over a session of 36 queued runs: start them from Home, open Review, probe while the checks
    run, then idle. ``load``: CPU burners running meanwhile."""
    from tests.checks_support import poster
    from tests.providers.loopback import Loopback

    for name in ("config", "data", "cache"):
        (root / name).mkdir(parents=True, exist_ok=True)
        os.environ[f"IMGBENCH_{name.upper()}_DIR"] = str(root / name)
    server = Loopback("compat", image=poster("时光电影节")).start()
    burners: list[subprocess.Popen] = []
    app = None
    try:
        from tui.core.store import Store

        session_file = Store().session_file(_session(root, server.base_url))
        env = app_env(root, root / "actions.log")
        env["BENCH_GATEWAY_KEY"] = os.environ["BENCH_GATEWAY_KEY"]
        root_dir = Path(__file__).resolve().parents[2]
        env["PYTHONPATH"] = str(root_dir)
        for _ in range(load):  # one at a time into the list the finally stops, so an interruption misses none
            burners.append(burner())
        app = TimedPty(imgbench_argv(), cols=120, rows=36, env=env, cwd=root_dir)
        app.wait_for("checks bench", timeout=60)
        app.press("enter")  # open the session: its runs are queued, so Run asks to resume them
        app.wait_for("Resume", timeout=30)
        app.press("y")
        started = time.perf_counter()

        def runs_done() -> bool:
            runs = _load(session_file).get("runs", [])
            return len(runs) == RUNS and all(r.get("status") == "succeeded" for r in runs)

        def checked() -> int:
            return sum(1 for r in _load(session_file).get("runs", []) if r.get("checks"))

        app.wait_until(runs_done, timeout=120, what="the runs")
        runs_s = time.perf_counter() - started
        app.press("v")
        app.wait_for("Pass", timeout=60)  # Review, its keys in the footer
        app.measuring = True
        last_check = [time.perf_counter()]
        seen = [checked()]

        def all_checked() -> bool:
            now = checked()
            if now != seen[0]:
                seen[0], last_check[0] = now, time.perf_counter()
            return now >= RUNS

        cpu, t = _cpu_s(app.proc.pid), time.perf_counter()
        busy_sched: list[tuple[float, float, float]] = []
        busy = _probe(app, all_checked, sched=busy_sched)
        busy_cpu = (_cpu_s(app.proc.pid) - cpu) / (time.perf_counter() - t)
        checks_s = last_check[0] - started
        children = _ocr_children(app.proc.pid)
        cpu, t = _cpu_s(app.proc.pid), time.perf_counter()
        idle_sched: list[tuple[float, float, float]] = []
        idle = _probe(app, None, seconds=15.0, sched=idle_sched)
        idle_cpu = (_cpu_s(app.proc.pid) - cpu) / (time.perf_counter() - t)
        return {"busy": busy, "idle": idle, "runs_s": runs_s, "checks_s": checks_s, "ocr_children": children,
                "busy_cpu": busy_cpu, "idle_cpu": idle_cpu, "busy_sched": busy_sched,
                "idle_sched": idle_sched}  # fmt: skip
    finally:  # also on KeyboardInterrupt, and on SIGTERM, which bench_checks turns into SystemExit
        try:
            for b in burners:
                b.kill()
                b.wait()
        finally:
            try:
                if app is not None:
                    app.close()
            finally:
                server.stop()


def _cpu_s(pid: int) -> float:
    """CPU seconds the process has used (its own threads, not its children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ocr_children(pid: int) -> int:
    count = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid and b"ocr_worker" in (entry / "cmdline").read_bytes():
                count += 1
        except OSError:
            continue
    return count
