"""Fuzzed command lines: random argv, non-UTF-8 arguments and hostile exports exit cleanly."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.robustness.fuzz_support import (
    FUZZ,
    SCALE,
    one_line,
    run_main,
)
from tui.core.store import Store

# -- the command line ----------------------------------------------------------------------------------------
VOCAB = [
    "presets",
    "models",
    "run",
    "sessions",
    "list",
    "export",
    "import",
    "resume",
    "locate",
    "keys",
    "set",
    "rm",
    "fix-permissions",
    "report",
    "leaderboard",
    "preview",
    "--json",
    "--preset",
    "tier-a",
    "tier-a/cat1",
    "tier-a/cat4",
    "nope/cat9",
    "--prompt",
    "a red cube",
    "--ref",
    "--model",
    "demo:mosaic",
    "demo:nope",
    "openai:gpt-image-2",
    "nocolon",
    "--size",
    "1024x1024",
    "0x0",
    "--aspect",
    "16:9",
    "1:0",
    "--resolution",
    "2K",
    "8K",
    "--quality",
    "high",
    "--repeat",
    "0",
    "2",
    "-1",
    "1000000",
    "--name",
    "--concurrency",
    "--blind",
    "-q",
    "--retry-failed",
    "-o",
    "--output",
    "out.json",
    "out.md",
    ".",
    "/",
    "--format",
    "md",
    "html",
    "xml",
    "--sheet",
    "sheet.png",
    "--thumb",
    "--rater",
    "ana",
    "--cols",
    "--rows",
    "--mode",
    "halfblock",
    "kitty",
    "--colors",
    "256",
    "--preview",
    "--version",
    "--help",
    "-h",
    "-",
    "--",
    "=",
    "--ref=-odd.png",
    "openai",
    "fal",
    "SESSION",
    "IMAGE",
    "MISSING.png",
    "20990101-000000-000000",
    "../../etc",
]
argv_word = st.sampled_from(VOCAB) | st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=10
)


@pytest.fixture
def cli_world(fast_demo: Path, make_image, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """A session and an image to name on the command line; the TUI and stdin stubbed out; cwd a scratch dir."""
    from tui.cli.main import main

    (fast_demo / "config.toml").write_text("[providers.demo]\nlatency_ms = 0\n")
    image = make_image("real image.png", (40, 30))
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["run", "--prompt", "seed", "--model", "demo:mosaic", "-q"]) == 0
    session_id = Store().list().sessions[0].id
    monkeypatch.setattr("tui.launch.launch_tui", lambda preview=None: 0)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return {"SESSION": session_id, "IMAGE": str(image)}


def check_exit(argv: list[str], code: int, err: str) -> None:
    assert code in (0, 2, 3), f"{argv}: exit {code}\n{err}"
    lines = err.rstrip("\n").split("\n") if err else []  # a terminal's lines: argv junk may hold \x1e and the like
    errors = [line for line in lines if not line.startswith(("imgbench: warning:", "[", "    ", "session "))]
    if code == 2:
        assert len(errors) == 1 and errors[0].startswith("imgbench: error: "), f"{argv}: {err!r}"
        assert len(errors[0]) > len("imgbench: error: ") + 3
    assert "Traceback" not in err


@settings(FUZZ, max_examples=150 * SCALE)
@given(st.lists(argv_word, max_size=7))
def test_random_command_lines(cli_world: dict[str, str], argv: list[str]) -> None:
    argv = [cli_world.get(word, word) for word in argv]
    code, _out, err = run_main(argv)
    check_exit(argv, code, err)


def test_arguments_that_are_not_utf8_are_refused_by_name(fast_demo: Path, make_image) -> None:
    """Bytes a shell passes through unchanged (a Latin-1 file's text, an odd file name) arrive as surrogates."""
    from tests.robustness.support import child_env, cli

    odd = make_image("plain.png").with_name("caf\udce9.png")  # "café" written by a Latin-1 system
    make_image("plain.png").rename(odd)
    cases = [
        (["run", "--prompt", b"a \xff cube", "--model", "demo:mosaic"], 2, "--prompt: is not UTF-8 text (byte 0xff"),
        (["run", "--prompt", "x", "--name", b"n\xfe", "--model", "demo:mosaic"], 2, "--name: is not UTF-8 text"),
        (["run", "--prompt", "x", "--ref", os.fsencode(odd), "--model", "demo:mosaic", "-q"], 0, ""),
        (["sessions", "export", b"\xff"], 2, "is not a session id"),
        (["run", "--prompt", "x", "--model", b"demo:\xff"], 2, "unknown model"),
        (["presets", "a\nb"], 2, "unrecognized arguments: a␊b"),  # the newline shown, not sent
    ]
    for args, code, words in cases:
        proc = subprocess.run(cli(*args), env=child_env(), capture_output=True, timeout=60)
        err = proc.stderr.decode("utf-8", "backslashreplace")
        assert proc.returncode == code, f"{args}: {err}"
        if code == 2:
            one_line(err.strip())
            assert err.startswith("imgbench: error: ") and words in err, f"{args}: {err}"
    (session,) = Store().list().sessions
    assert Store().load(session.id).cases[0].references[0].filename == "caf\ufffd.png"


@pytest.mark.parametrize(
    "edit",
    [
        {"file": "../../outside.png"},
        {"file": "/etc/hostname"},
        {"file": "images/.."},
        {"file": "."},
        {"path": True},
        {"path": 7, "file": None},
        {"path": "/dev/zero"},
        {"sha256": "0" * 64},
        {"file": "session.json"},
    ],
    ids=repr,
)
def test_hostile_image_paths_in_an_export(fast_demo: Path, tmp_path: Path, edit: dict[str, Any]) -> None:
    """An export names files; importing it never writes outside the session or crashes on a strange name."""
    code, out, err = run_main(["run", "--prompt", "a cube", "--model", "demo:mosaic", "-q"])
    assert code == 0, err
    code, exported, err = run_main(["sessions", "export", out.strip()])
    doc = json.loads(exported)
    doc["runs"][0]["images"][0].update(edit)
    file = tmp_path / "hostile.json"
    file.write_text(json.dumps(doc))
    os.environ["IMGBENCH_DATA_DIR"] = str(tmp_path / "elsewhere")  # conftest's monkeypatch restores it
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    code, out, err = run_main(["sessions", "import", str(file)])
    assert code in (0, 2), err
    if code == 2:
        one_line(err.strip())
        assert err.startswith(f"imgbench: error: {file}")
        return
    created = {p for p in tmp_path.rglob("*") if p.is_file()} - before
    session_dir = tmp_path / "elsewhere" / "sessions" / out.strip()
    index = {tmp_path / "elsewhere" / f"index.sqlite3{suffix}" for suffix in ("", "-wal", "-shm")}  # the data dir's
    assert all(p.is_relative_to(session_dir) or p in index for p in created), created
    assert Store().load(out.strip()).runs
