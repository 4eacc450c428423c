"""Issue 11, findings 9, 10 and 11: files imgbench is pointed at. ``-o`` onto a device, FIFO or symlink never
replaces it; credentials.toml is refused when it is a link or someone else's; a FIFO or /dev/zero as an input is
a one-line error, not a hang; a full disk names the file it refused."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.robustness.fuzz_support import one_line, run_main
from tests.robustness.hostile_support import export_with_files, real_session
from tests.robustness.support import ROOT, child_env
from tui.core import atomic
from tui.core.store import Store


@pytest.fixture
def session_id(data_dir: Path) -> str:
    return real_session(Store(data_dir)).id


# -- finding 9: -o ------------------------------------------------------------------------------------------------
@pytest.mark.skipif(os.geteuid() != 0, reason="replacing /dev/null takes root; as a user the write is refused anyway")
def test_output_onto_dev_null_writes_through_and_leaves_the_device(session_id: str) -> None:
    before = os.stat("/dev/null")
    for argv in (["sessions", "export", session_id, "-o", "/dev/null"], ["report", session_id, "-o", "/dev/null"]):
        code, _, err = run_main(argv)
        assert code == 0, err
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


def test_output_onto_a_fifo_and_through_a_symlink(session_id: str, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    code, _, err = run_main(["sessions", "export", session_id, "-o", str(fifo)])
    reader.join(10)
    assert code == 0, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and got and got[0].startswith(b"{")

    target = tmp_path / "real.md"
    target.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    code, _, err = run_main(["report", session_id, "-o", str(link)])
    assert code == 0, err
    assert link.is_symlink() and target.read_text().startswith("#")


def test_output_to_dev_stdout_and_dash(session_id: str) -> None:
    for out in ("/dev/stdout", "-"):
        proc = subprocess.run(
            [sys.executable, "-m", "tui.launch", "report", session_id, "-o", out],
            cwd=ROOT,
            env=child_env(),
            capture_output=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(b"#"), proc.stdout[:200]


# -- finding 10: credentials.toml ---------------------------------------------------------------------------------
def test_a_symlinked_keys_file_is_refused_and_left_alone(config_dir: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text("# not yours to fill\n")
    link = config_dir / "credentials.toml"
    link.symlink_to(elsewhere)
    proc = subprocess.run(
        [sys.executable, "-m", "tui.launch", "keys", "set", "openai"],
        cwd=ROOT,
        env=child_env(),
        input=b"PLANTED-KEY-symlink-0123456789\n",
        capture_output=True,
        timeout=60,
    )
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    one_line(err.strip())
    assert "symbolic link" in err and f"rm {link}" in err
    assert link.is_symlink() and elsewhere.read_text() == "# not yours to fill\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user takes root")
def test_a_keys_file_someone_else_owns_is_refused(config_dir: Path) -> None:
    path = config_dir / "credentials.toml"
    path.write_text('[keys]\nopenai = "PLANTED-KEY-foreign-0123456789"\n')
    path.chmod(0o600)
    config_dir.chmod(0o700)
    os.chown(path, 12345, 12345)
    code, out, err = run_main(["keys", "list"])
    assert code == 2 and "owned by uid 12345" in err and "chown" in err, err
    assert "PLANTED" not in out + err


def test_a_world_writable_folder_above_the_keys_is_warned_about(tmp_path: Path, monkeypatch) -> None:
    open_dir = tmp_path / "shared"
    open_dir.mkdir()
    open_dir.chmod(0o777)
    monkeypatch.setenv("IMGBENCH_CONFIG_DIR", str(open_dir / "config"))
    proc = subprocess.run(
        [sys.executable, "-m", "tui.launch", "keys", "set", "xai"],
        cwd=ROOT,
        env=child_env(),
        input=b"PLANTED-KEY-ww-0123456789abcdef\n",
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    code, _, err = run_main(["keys", "list"])
    assert code == 0 and f"{open_dir} is writable by every user" in err, err


# -- finding 11: inputs that are not files, and full disks --------------------------------------------------------
def test_a_fifo_or_dev_zero_as_the_import_file_is_a_one_line_error(tmp_path: Path) -> None:
    fifo = tmp_path / "export.json"
    os.mkfifo(fifo)
    for path in (str(fifo), "/dev/zero"):
        proc = subprocess.run(
            [sys.executable, "-m", "tui.launch", "sessions", "import", path],
            cwd=ROOT,
            env=child_env(),
            capture_output=True,
            timeout=30,  # a hang fails here
        )
        err = proc.stderr.decode()
        assert proc.returncode == 2 and "not a regular file" in err and err.startswith(f"imgbench: error: {path}"), err
        one_line(err.strip())


def test_a_fifo_among_the_presets_is_skipped_with_a_warning(config_dir: Path) -> None:
    presets = config_dir / "presets"
    presets.mkdir()
    os.mkfifo(presets / "stuck.toml")
    proc = subprocess.run(
        [sys.executable, "-m", "tui.launch", "presets"], cwd=ROOT, env=child_env(), capture_output=True, timeout=30
    )
    assert proc.returncode == 0, proc.stderr
    assert b"tier-a/cat1" in proc.stdout and b"stuck.toml" in proc.stderr and b"not a regular file" in proc.stderr


def _enospc(*_args, **_kw):
    raise OSError(errno.ENOSPC, "No space left on device")  # as write() and fsync() say it: naming no file


@pytest.mark.parametrize("what", ["report", "export", "sheet", "keys", "import"])
def test_a_full_disk_names_the_file(session_id: str, what: str, tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "out" / f"{what}.out"
    target.parent.mkdir()
    if what == "report":
        argv, named = ["report", session_id, "-o", str(target)], target
    elif what == "export":
        argv, named = ["sessions", "export", session_id, "-o", str(target)], target
    elif what == "sheet":
        argv, named = ["report", session_id, "--sheet", str(target.with_suffix(".png"))], target.with_suffix(".png")
    elif what == "keys":
        import io

        monkeypatch.setattr(sys, "stdin", io.StringIO("PLANTED-KEY-disk-0123456789\n"))
        argv, named = ["keys", "set", "openai"], Path(os.environ["IMGBENCH_CONFIG_DIR"]) / "credentials.toml"
    else:
        source = Store(tmp_path / "source")
        file = export_with_files(source, real_session(source), tmp_path / "bundle")
        monkeypatch.setenv("IMGBENCH_DATA_DIR", str(tmp_path / "fresh"))
        argv, named = ["sessions", "import", str(file)], tmp_path / "fresh" / "sessions"
    monkeypatch.setattr(atomic.os, "fsync", _enospc)
    monkeypatch.setattr(atomic.os, "fdopen", _full_file)
    code, _, err = run_main(argv)
    assert code == 1, err
    one_line(err.strip())
    assert err.startswith(f"imgbench: error: {named}") and "No space left" in err, err


class _FullFile:
    """A temp file on a full disk: it exists, its bytes do not fit (write says ENOSPC, naming no file)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __enter__(self) -> _FullFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        os.close(self.fd)

    def write(self, _data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    flush = fileno = write


def _full_file(fd: int, *_args, **_kw) -> _FullFile:
    return _FullFile(fd)
