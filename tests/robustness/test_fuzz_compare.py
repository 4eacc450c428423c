"""Property: whatever file is given to ``imgbench compare`` as a side (random bytes, a damaged or mutated export,
a directory, a FIFO, a device, a link), it compares or fails with exit 2 and one ``imgbench: error:`` line;
never a traceback, and nothing is written to the data dir."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.compare_support import crafted, saved
from tests.robustness.fuzz_support import FUZZ, run_main
from tests.robustness.hostile_support import snapshot
from tui.core.store import Store
from tui.reports.export import export_document

B, N = "20260101-000000-aaaaaa", "20260102-000000-bbbbbb"


def _clean(code: int, out: str, err: str) -> None:
    assert code in (0, 2, 4), (code, err)
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("imgbench: error: "), err
        assert out == ""
    assert "Traceback" not in err


@pytest.fixture
def pair(data_dir: Path) -> tuple[Store, dict]:
    store = Store(data_dir)
    base = saved(store, crafted(B, {"m:a": [["pppp"]] * 7}))
    saved(store, crafted(N, {"m:a": [["pfff"]] * 7}))
    return store, export_document(base, store)


@given(data=st.binary(max_size=2048))
@FUZZ
def test_random_bytes_as_a_side(pair, tmp_path: Path, data: bytes) -> None:
    store, _ = pair
    file = tmp_path / "side.json"
    file.write_bytes(data)
    before = snapshot(store.root)
    _clean(*run_main(["compare", str(file), N]))
    assert snapshot(store.root) == before


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=40),
    st.sampled_from(["../x", "/etc/passwd", "\x1b]52;c;AAAA\x07", "judge:x", "pass", "", "a" * 300]),
)  # fmt: skip


@given(path=st.lists(st.sampled_from(["session", "runs", "cases", "scores", "models", 0, 1, "id", "rater",
                                     "verdicts", "c1", "preset_id", "checklist", "case_id", "model", "status",
                                     "tool", "name", "schema_version"]), min_size=1, max_size=4),
       value=st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(st.text(max_size=5), SCALARS,
                                                                                max_size=3)))  # fmt: skip
@FUZZ
def test_a_mutated_export_compares_or_fails_in_one_line(pair, tmp_path: Path, path: list, value: object) -> None:
    store, doc = pair
    doc = json.loads(json.dumps(doc))
    node = doc
    for step in path[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
    try:
        node[path[-1]] = value  # type: ignore[index]
    except (IndexError, TypeError):
        pass
    file = tmp_path / "side.json"
    file.write_text(json.dumps(doc))
    before = snapshot(store.root)
    code, out, err = run_main(["compare", str(file), N])
    _clean(code, out, err)
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert snapshot(store.root) == before


def test_odd_files_are_one_line_errors(pair, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    nested = tmp_path / "deep.json"
    nested.write_text("[" * 100_000 + "]" * 100_000)
    for target, said in [
        (tmp_path, "is a directory"),
        (fifo, "not a regular file"),
        (link, "not a regular file"),
        (tmp_path / "missing.json", "no such file"),
        (nested, "nested too deeply"),
    ]:
        code, out, err = run_main(["compare", str(target), N])
        _clean(code, out, err)
        assert code == 2 and said in err, (target, err)
    # A relative path that exists nowhere (../../etc is /etc itself in a checkout two levels below the root).
    code, _, err = run_main(["compare", "../../imgbench-no-such-export", N])
    assert code == 2 and "../../imgbench-no-such-export: no such file" in err  # read as a path, never a session id
    code, _, err = run_main(["compare", "a\x1b[2Jb", N])
    assert code == 2 and "\x1b" not in err and len(err.strip().splitlines()) == 1
