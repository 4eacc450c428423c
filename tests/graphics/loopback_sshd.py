"""A real OpenSSH server on 127.0.0.1 for the tests: its own config, a throwaway host key and client key in a tmp
dir, a free high port, run in the foreground (``-D``) and stopped by its pid. It logs in as the user running the
tests (as root in CI; then sshd needs its privilege separation directory, /run/sshd, which the Debian package
leaves to systemd to make)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.graphics.xsupport import stop

SSHD = "/usr/sbin/sshd"


def missing() -> str | None:
    if not Path(SSHD).exists():
        return "sshd (Debian package openssh-server): .ci/run installs it"
    if shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        return "ssh and ssh-keygen (Debian package openssh-client): .ci/run installs it"
    return None


@dataclass
class Server:
    port: int
    key: Path
    folder: Path

    def command(self, remote: str) -> list[str]:
        """``ssh -tt`` to this server running ``remote``: a terminal is asked for, as a rater's ssh does."""
        return ["ssh", "-tt", "-F", "/dev/null", "-i", str(self.key), "-p", str(self.port),
                "-o", "StrictHostKeyChecking=no", "-o", f"UserKnownHostsFile={self.folder / 'known_hosts'}",
                "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "127.0.0.1", remote]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True, timeout=30)


@contextlib.contextmanager
def sshd(folder: Path) -> Iterator[Server]:
    problem = missing()
    assert problem is None, problem
    folder.mkdir(parents=True, exist_ok=True)
    _keygen(folder / "host_key")
    _keygen(folder / "client_key")
    (folder / "authorized_keys").write_text((folder / "client_key.pub").read_text())
    os.chmod(folder / "authorized_keys", 0o600)
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    port = _free_port()
    config = folder / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {folder / 'host_key'}\nPidFile {folder / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {folder / 'authorized_keys'}\nPubkeyAuthentication yes\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n"
        "PrintMotd no\nPrintLastLog no\nX11Forwarding no\nAllowTcpForwarding no\nAcceptEnv none\n"
    )
    with open(folder / "sshd.log", "wb") as log:
        proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 10
        while True:
            assert proc.poll() is None, f"sshd exited: {(folder / 'sshd.log').read_text()}"
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            assert time.monotonic() < deadline, "sshd did not listen within 10 s"
            time.sleep(0.05)
        yield Server(port, folder / "client_key", folder)
    finally:
        stop(proc)
