"""bench_checks' CPU burners end with the benchmark, even one killed outright (SIGKILL: no finally, no handler)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START = (
    "import sys, time\n"
    "from tests.benchmarks.checks_pty import burner\n"
    "burners = [burner() for _ in range(2)]\n"
    "print(*[b.pid for b in burners], flush=True)\n"
    "time.sleep(60)\n"
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its parent (gone) could reap it


def test_burners_end_when_the_benchmark_is_killed() -> None:
    bench = subprocess.Popen([sys.executable, "-c", START], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert bench.stdout is not None
    pids = [int(p) for p in bench.stdout.readline().split()]
    try:
        assert len(pids) == 2 and all(_alive(p) for p in pids)
        bench.send_signal(signal.SIGKILL)
        bench.wait(10)
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(p) for p in pids)
    finally:
        for pid in pids:  # only when the test fails: ours, by pid
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
