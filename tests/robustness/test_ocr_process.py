"""The OCR process (tui/imaging/ocr_worker.py) never outlives imgbench nor holds its files: SIGKILL `imgbench checks`
while its OCR child reads, and the child is gone within seconds and the test's capture pipes reach their end (an
earlier worker process kept them open and a crash test's resume waited on it). The child holds only pipes of its
own, runs at nice 10, exits at the end of its stdin, and a hostile file or a killed child costs one read only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.checks_support import poster, stored_session
from tests.robustness.support import ROOT, child_env, spawn
from tui.core.model import MachineCheck
from tui.core.store import Store
from tui.imaging.ocr_worker import NICE

OCR = MachineCheck("ocr", expect=("时光电影节",))


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    """Running (a zombie nobody reaped yet has exited: it holds no file)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _nice(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
    except OSError:
        return -100


def _pipes(pid: int) -> set[str]:
    out = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("pipe:"):
            out.add(target)
    return out


def _ocr_child(pid: int, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in _children(pid):
            try:
                if b"tui.imaging.ocr_worker" in Path(f"/proc/{child}/cmdline").read_bytes():
                    return child
            except OSError:
                continue
        time.sleep(0.05)
    pytest.fail("no OCR process was started")


def test_sigkill_of_imgbench_ends_its_ocr_process_and_frees_every_pipe(data_dir: Path) -> None:
    session = stored_session(Store(data_dir), {"c1": OCR}, [poster("时光电影节")] * 12)
    proc = spawn(["checks", session.id])
    try:
        child = _ocr_child(proc.pid)
        ours = _pipes(proc.pid)
        theirs = _pipes(child)
        assert len(theirs) == 2  # its own stdin and stdout, nothing else
        # The parent's side of the child's pipes is the parent's; the test's capture pipes are not the child's.
        assert not theirs & {os.readlink(f"/proc/{proc.pid}/fd/{fd}") for fd in (1, 2)}
        assert theirs <= ours
        time.sleep(1.5)  # let it be mid-read (loading the engine, or reading)
        assert _alive(child) and _nice(child) >= NICE
        proc.send_signal(signal.SIGKILL)
        started = time.monotonic()
        proc.communicate(timeout=10)  # the capture pipes end: no one else holds them
        assert time.monotonic() - started < 5
        deadline = time.monotonic() + 5
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "the OCR process outlived imgbench"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_child_exits_at_the_end_of_its_stdin() -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "tui.imaging.ocr_worker", str(os.getpid())],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT, env=child_env(),
    )  # fmt: skip
    child.stdin.write(b'{"path": "/nonexistent/x.png"}\n')
    child.stdin.flush()
    assert b'"error": "image"' in child.stdout.readline()
    child.stdin.close()
    assert child.wait(10) == 0
    child.stdout.close()


def test_a_child_whose_parent_is_already_gone_exits_at_once() -> None:
    # The parent named is not its parent (as when the parent died before the child asked the kernel to follow it).
    child = subprocess.run(
        [sys.executable, "-m", "tui.imaging.ocr_worker", "1"], input=b"", capture_output=True, cwd=ROOT,
        env=child_env(), timeout=30,
    )  # fmt: skip
    assert child.returncode == 0 and child.stdout == b""


def test_a_hostile_file_or_a_killed_child_costs_one_read(tmp_path: Path) -> None:
    from tui.imaging.ocr_worker import Reader, ReadFailed

    good = tmp_path / "poster.png"
    good.write_bytes(poster("时光电影节"))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(512))
    reader = Reader()
    try:
        with pytest.raises(ReadFailed) as info:
            reader.read(bad)
        assert info.value.kind == "image"
        assert "时光电影节" in reader.read(good)
        first = reader.pid
        os.kill(first, signal.SIGKILL)
        time.sleep(0.2)
        assert "时光电影节" in reader.read(good)  # a fresh child
        assert reader.pid != first
    finally:
        reader.close()
    assert not _alive(first)


PARENT = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-m", "tui.imaging.ocr_worker", str(os.getpid())],
                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
# Someone else keeps the child's stdin open: its end never comes, only the kernel's signal can end it.
keeper = subprocess.Popen(["sleep", "60"], pass_fds=[child.stdin.fileno()])
print(child.pid, keeper.pid, flush=True)
time.sleep(60)
"""


def test_the_kernel_ends_the_child_with_its_parent_even_when_its_stdin_stays_open() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, cwd=ROOT, env=child_env())
    child, keeper = (int(x) for x in parent.stdout.readline().split())
    try:
        deadline = time.monotonic() + 30
        while _nice(child) < NICE and time.monotonic() < deadline:  # lowered right after asking the kernel
            time.sleep(0.05)
        assert _alive(child) and _nice(child) >= NICE
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 3
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "the child outlived its parent (no PR_SET_PDEATHSIG)"
    finally:
        os.kill(keeper, signal.SIGKILL)
        parent.stdout.close()
        if _alive(child):
            os.kill(child, signal.SIGKILL)


@pytest.mark.parametrize(("idle", "policy"), [(False, os.SCHED_BATCH), (True, os.SCHED_IDLE)])
def test_headless_it_runs_at_the_batch_policy_and_beside_a_screen_at_the_idle_one(tmp_path: Path, idle, policy) -> None:
    from tui.imaging.ocr_worker import Reader, ReadFailed

    reader = Reader(idle=idle)
    try:
        with pytest.raises(ReadFailed):
            reader.read(tmp_path / "missing.png")  # a request answered: the child has set itself up
        assert os.sched_getscheduler(reader.pid) == policy and _nice(reader.pid) >= NICE
    finally:
        reader.close()


async def test_the_app_puts_the_reading_process_beside_its_screen_once_the_screen_is_up(monkeypatch) -> None:
    from screens.registry import build_app
    from tests.tui_support import wait_for
    from tui.imaging import ocr

    monkeypatch.setattr(ocr, "_idle", [False])
    app = build_app()
    assert ocr._idle == [False]  # not before the first frame: its modules are not on that path
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: ocr._idle == [True])
