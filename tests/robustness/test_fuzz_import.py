"""Property: every field of a valid export, replaced by a hostile value (traversal strings, absolute paths,
control characters, huge and deeply nested values, wrong hashes, unknown references), imports cleanly or fails
in one line; never a write outside the data dir, a traceback, or a planted key in any file."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.robustness.fuzz_support import FUZZ, _walk, run_main
from tests.robustness.hostile_support import (
    PLANTED,
    export_with_files,
    files_containing,
    real_session,
    snapshot,
)
from tests.robustness.pty_support import raw_controls, run_in_pty
from tests.robustness.support import child_env
from tui.core.store import Store

TRAVERSAL = [
    "../../../../tmp/imgbench-pwned",
    "../x",
    "images/../../../x.png",
    "refs/../../session.json",
    "/etc/passwd",
    "/proc/self/environ",
    "images/../../../../config/credentials.toml",
    "images/r-0000-0.png/../../../x.png",
    "..",
    ".",
    "",
    "images/",
    "C:\\Windows\\win.ini",
    "images/\x00.png",
]
CONTROL = [
    "\x1b]52;c;UExBTlRFRA==\x1b\\",
    "\x1b]0;owned\x07",
    "\x1b[2J\x1b[H",
    "\x9b31m",
    "\x07\x08\x7f",
    "a\rb",
    "\x00",
]
KEY_FIELDS = {"id", "run_id", "case_id", "path", "file", "sha256", "model", "run_a", "run_b", "parent", "models"}
KEY_FIELDS |= {"concurrency", "repeat", "repeats", "width", "height", "usage", "verdicts", "status", "name", "rater"}
HASHES = ["", "0" * 64, "A" * 64, "b" * 63, "b" * 65, "zz"]
UNKNOWN = ["r-nope", "k-nope", "c9", "demo:nope", "nobody"]
HUGE: list[Any] = [10**30, -(10**30), 2**63, -1, 0, -5, 1e308, "x" * 2_000_000, ["x"] * 50_000]


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for i in range(depth):
        value = {"k": value} if i % 2 else [value]
    return value


hostile = (
    st.sampled_from(TRAVERSAL + CONTROL + HASHES + UNKNOWN + HUGE)
    | st.builds(nested, st.integers(9, 400))
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=20)
    | st.none()
    | st.booleans()
)


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """A valid export of a session with real images, and the folder that holds its images/ and refs/."""
    root = tmp_path_factory.mktemp("seed")
    store = Store(root / "source")
    file = export_with_files(store, real_session(store), root / "bundle")
    return json.loads(file.read_text()), root / "bundle"


_n = itertools.count()


def mutated(doc: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    doc = json.loads(json.dumps(doc))
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        slots: list[tuple[Any, Any]] = []
        _walk(doc, slots)
        slots = [(c, k) for c, k in slots if not (isinstance(c, list) and len(c) > 100)]  # not inside a huge value
        if data.draw(st.booleans(), label="an id or path field"):  # the fields that name files and other parts
            slots = [(c, k) for c, k in slots if k in KEY_FIELDS] or slots
        container, key = slots[data.draw(st.integers(0, len(slots) - 1), label="field")]
        container[key] = copy.deepcopy(data.draw(hostile, label="value"))
    return doc


@FUZZ
@given(data=st.data())
def test_every_field_replaced_by_a_hostile_value(
    seed: tuple[dict[str, Any], Path], tmp_path: Path, data: st.DataObject, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc, bundle = seed
    doc = mutated(doc, data)
    n = next(_n)
    work = tmp_path / f"case-{n}"
    data_dir = work / "data"
    config = work / "config"
    config.mkdir(parents=True)
    (config / "credentials.toml").write_text(f'[keys]\nopenai = "{PLANTED}"\n')
    monkeypatch.setenv("IMGBENCH_DATA_DIR", str(data_dir))
    monkeypatch.setenv("IMGBENCH_CONFIG_DIR", str(config))
    monkeypatch.setenv("XAI_API_KEY", PLANTED + "-env")
    file = bundle / f"export-{n}.json"
    file.write_text(json.dumps(doc))
    before = snapshot(tmp_path) | snapshot(bundle)
    try:
        code, out, err = run_main(["sessions", "import", str(file)])
    finally:
        file.unlink()
    assert "Traceback" not in err
    assert not raw_controls((out + err).encode()), err
    event(f"exit {code}")
    if code == 2:
        line = err.strip()
        assert "\n" not in line and line.startswith(f"imgbench: error: {file}"), err
        assert not (data_dir / "sessions").exists() or not any((data_dir / "sessions").iterdir()), err
    else:
        assert code == 0, err
        session_id = out.strip()
        for argv in (["sessions", "list"], ["report", session_id], ["sessions", "export", session_id]):
            code, shown, err = run_main(argv)
            assert code == 0 and "Traceback" not in err, (argv, err)
            assert not raw_controls((shown + err).encode()), (argv, err)
    after = snapshot(tmp_path) | snapshot(bundle)
    outside = sorted(p for p in after - before if not Path(p).is_relative_to(data_dir) and p != str(file))
    assert not outside, f"written outside the data dir: {outside}"
    assert not Path("/tmp/imgbench-pwned").exists()
    assert not files_containing(data_dir, PLANTED.encode()), "a planted key reached a file"


@settings(FUZZ, max_examples=max(6, FUZZ.max_examples // 10))
@given(data=st.data())
def test_what_an_import_shows_on_a_real_terminal(
    seed: tuple[dict[str, Any], Path], tmp_path: Path, data: st.DataObject
) -> None:
    """The same mutations, imported, listed and reported on a pty: no control byte from the data reaches it."""
    doc, bundle = seed
    doc = mutated(doc, data)
    if data.draw(st.booleans(), label="controls in the name"):
        doc["session"]["name"] = data.draw(st.sampled_from(CONTROL), label="name") + "x"
    n = next(_n)
    file = bundle / f"pty-{n}.json"
    file.write_text(json.dumps(doc))
    env = child_env(IMGBENCH_DATA_DIR=str(tmp_path / f"pty-{n}"))
    session_id = doc["session"].get("id") if isinstance(doc.get("session"), dict) else None
    try:
        for argv in (["sessions", "import", str(file)], ["sessions", "list"], ["report", str(session_id)]):
            term = run_in_pty(argv, env=env, timeout=60)
            assert not raw_controls(term.raw), (argv, term.raw[:500])
            assert "Traceback" not in term.text, term.text
    finally:
        file.unlink()
