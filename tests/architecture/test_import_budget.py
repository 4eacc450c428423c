"""What a short command imports, in a fresh process: ``sessions list`` from a fresh index needs the index and
sqlite3, nothing else of weight. Each module named here cost the listing measurable time at 10,000 sessions
(argparse, re and enum, pathlib, typing) or much more (msgspec, the session model, Textual, Pillow)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.robustness.support import ROOT, child_env, write_sessions

NOT_FOR_A_LISTING = (
    "argparse", "re", "enum", "pathlib", "typing", "threading", "msgspec", "tui.core.model", "tui.core.store",
    "tui.core.validation", "tui.core.safe_text", "textual", "rich", "PIL", "httpx", "platformdirs",
)  # fmt: skip

PROBE = """
import io, sys, contextlib
from tui.launch import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(sys.argv[1:])
print(code, len(out.getvalue().splitlines()))
print(",".join(m for m in {names!r} if m in sys.modules))
"""


def imported_by(args: list[str]) -> tuple[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(names=NOT_FOR_A_LISTING), *args],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    status, heavy = done.stdout.splitlines()
    return status, [m for m in heavy.split(",") if m]


def test_sessions_list_from_a_fresh_index_imports_nothing_heavy(data_dir: Path) -> None:
    write_sessions(data_dir, 3)
    assert imported_by(["sessions", "list"])[0] == "0 3"  # the first listing builds the index (and may import)
    status, heavy = imported_by(["sessions", "list"])
    assert status == "0 3" and heavy == []


def test_a_listing_of_no_sessions_folder_stays_light_too(data_dir: Path) -> None:
    assert not (data_dir / "sessions").exists()
    assert imported_by(["sessions", "list"]) == ("0 0", [])
