"""What a short command imports, in a fresh process: ``sessions list`` from a fresh index needs the index and
sqlite3, nothing else of weight. Each module named here cost the listing measurable time at 10,000 sessions
(argparse, re and enum, pathlib, typing) or much more (msgspec, the session model, Textual, Pillow)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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


# PIL.Image and its plugins (with logging, typing, subprocess) cost ~40 ms: a plain PNG or JPEG is decoded through
# Pillow's C core (tui.imaging.core_decode).
NOT_FOR_A_PREVIEW = ("argparse", "pathlib", "shutil", "platformdirs", "textual", "rich", "msgspec", "tui.core.model",
                     "PIL.Image", "PIL.ImageFile", "typing", "logging", "subprocess")  # fmt: skip


@pytest.mark.parametrize("kind", ["png", "jpeg"])
def test_a_preview_of_a_file_imports_pillows_core_and_the_writer_alone(tmp_path: Path, kind: str) -> None:
    # As a user runs it: no IMGBENCH_*_DIR, the folders platformdirs would name under HOME (the short path must
    # still tell a file of the data dir from one outside it, without pathlib or platformdirs).
    from PIL import Image

    image = tmp_path / f"photo.{kind}"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(image)
    env = {k: v for k, v in child_env().items() if not k.startswith(("IMGBENCH_", "XDG_"))}
    env.update(HOME=str(tmp_path / "home"), COLORTERM="truecolor")
    probe = PROBE.format(names=NOT_FOR_A_PREVIEW)
    done = subprocess.run(
        [sys.executable, "-c", probe, "preview", str(image), "--cols", "20", "--rows", "6"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    status, heavy = done.stdout.splitlines()
    assert status == "0 6" and heavy == ""
    assert not (tmp_path / "home").exists()  # nothing written: no cache, no thumbnail
