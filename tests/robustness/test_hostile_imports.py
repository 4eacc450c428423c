"""Issue 11, findings 1, 2, 6 and 8: an export from someone else cannot write outside the session, read a local
file, adopt runs without their images, overwrite my scores, or crash a command with schema-valid values."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.robustness.fuzz_support import one_line, run_main
from tests.robustness.hostile_support import export_with_files, png, real_session, snapshot
from tui.core.model import Score
from tui.core.store import Store
from tui.core.validation import InputError
from tui.reports.export import export_document
from tui.reports.importing import import_export


def _doc(store: Store, session) -> dict:
    return json.loads(json.dumps(export_document(session, store)))


def _refused(tmp_path: Path, doc: dict, words: str) -> str:
    """Import ``doc`` through the CLI into a fresh data dir: exit 2, one line naming the file, nothing written."""
    file = tmp_path / "in" / "export.json"
    file.parent.mkdir(exist_ok=True)
    file.write_text(json.dumps(doc))
    data = Path(os.environ["IMGBENCH_DATA_DIR"])
    before = snapshot(tmp_path)
    code, _out, err = run_main(["sessions", "import", str(file)])
    assert code == 2, err
    one_line(err.strip())
    assert err.startswith(f"imgbench: error: {file}") and words in err, err
    assert not (data / "sessions").exists() or not any((data / "sessions").iterdir()), "a refused import wrote"
    assert snapshot(tmp_path) == before
    return err


# -- finding 1: a run id that is a path ----------------------------------------------------------------------
def test_run_id_with_traversal_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    store = Store(tmp_path / "source")
    doc = _doc(store, real_session(store))
    doc["runs"][3]["id"] = "../../../../tmp/x"
    doc["runs"][3]["status"] = "queued"
    doc["runs"][3]["images"] = []
    _refused(tmp_path, doc, "runs[3].id")


def test_a_planted_session_file_with_such_an_id_never_writes_outside(
    tmp_path: Path, data_dir: Path, fast_demo: Path
) -> None:
    """A session.json edited by hand (or by an older import) with a traversal id: resume refuses, nothing leaks."""
    store = Store(data_dir)
    session = real_session(store)
    raw = json.loads(store.session_file(session.id).read_text())
    target = tmp_path / "outside"
    raw["runs"][2].update(id=f"../../../../{target}/x", status="queued", images=[], error=None)
    store.session_file(session.id).write_text(json.dumps(raw))
    code, _, err = run_main(["sessions", "resume", session.id, "-q"])
    assert code == 2 and "runs[2].id" in err, err
    assert not target.exists()
    with pytest.raises(InputError):  # and the store itself never writes a file named by such an id
        store.write_output(session.id, "../../x", 0, png((1, 2, 3)))


# -- finding 2: an image or reference entry that names a local file -----------------------------------------
@pytest.mark.parametrize("field", ["image", "reference"])
def test_absolute_paths_and_empty_hashes_are_refused(tmp_path: Path, field: str) -> None:
    store = Store(tmp_path / "source")
    doc = _doc(store, real_session(store))
    entry = doc["runs"][0]["images"][0] if field == "image" else doc["cases"][1]["references"][0]
    entry.update(path="/proc/self/environ", file="/proc/self/environ", sha256="")
    _refused(tmp_path, doc, "/proc/self/environ")


def test_files_are_taken_only_from_beside_the_export_and_only_when_they_check_out(
    tmp_path: Path, data_dir: Path
) -> None:
    source = Store(tmp_path / "source")
    session = real_session(source)
    file = export_with_files(source, session, tmp_path / "bundle")
    images = tmp_path / "bundle" / "images"
    (images / "r-0000-0.png").write_bytes(png((255, 0, 0), (16, 16)))  # right format and size, wrong sha256
    (images / "r-0003-0.png").write_bytes(b"not a png at all")  # not an image (and a wrong sha256)
    report = import_export(file.read_bytes(), file=file, store=Store(data_dir))
    imported = Store(data_dir).load(session.id)
    by_id = {r.id: r for r in imported.runs}
    assert by_id["r-0000"].status == "interrupted" and not by_id["r-0000"].images
    assert by_id["r-0003"].status == "interrupted"
    assert by_id["r-0001"].status == "succeeded" and by_id["r-0001"].images  # a good one is taken
    assert any("sha256" in s for s in report.skipped)
    assert not Store(data_dir).abspath(session.id, "images/r-0000-0.png").exists()


def test_a_symlinked_file_beside_the_export_is_a_one_line_error(tmp_path: Path, data_dir: Path) -> None:
    source = Store(tmp_path / "source")
    session = real_session(source)
    file = export_with_files(source, session, tmp_path / "bundle")
    link = tmp_path / "bundle" / "images" / "r-0001-0.png"
    link.unlink()
    link.symlink_to("/proc/self/environ")
    code, _, err = run_main(["sessions", "import", str(file)])
    assert code == 2 and "symbolic link" in err, err
    one_line(err.strip())
    assert not (data_dir / "sessions").exists()


# -- finding 6: merges ------------------------------------------------------------------------------------------
@pytest.fixture
def mine_and_theirs(tmp_path: Path, data_dir: Path, config_dir: Path):
    """My session (a run still failed here, my score on r-0000), and another copy where that run succeeded."""
    (config_dir / "config.toml").write_text('rater = "ana"\n')
    mine = Store(data_dir)
    session = real_session(mine)
    theirs = Store(tmp_path / "theirs")
    other = real_session(theirs)
    mine.mutate(session.id, lambda s: setattr(s.runs[2], "status", "failed"))
    other.runs[2].status = "succeeded"
    from tui.core.model import OutputImage

    data = png((7, 7, 7), (16, 16))
    import hashlib

    theirs.write_file(other.id, "images/r-0002-0.png", data)
    other.runs[2].images = [OutputImage("images/r-0002-0.png", hashlib.sha256(data).hexdigest(), 16, 16, "PNG")]
    other.runs[2].error = None
    other.set_score(Score("r-0000", "ana", {"c1": "fail", "c2": "fail"}, "theirs", False, "2099-01-01T00:00:00Z"))
    other.set_score(Score("r-0001", "cy", {"c1": "pass"}, "", False, "2026-02-01T00:00:00Z"))
    return mine, theirs, session.id, other


def test_a_merge_without_the_images_leaves_the_local_run_as_it_is(tmp_path: Path, mine_and_theirs) -> None:
    mine, theirs, session_id, other = mine_and_theirs
    file = tmp_path / "plain.json"  # a plain JSON export: no images beside it
    file.write_text(json.dumps(export_document(other, theirs)))
    code, _, err = run_main(["sessions", "import", str(file)])
    assert code == 0, err
    assert mine.load(session_id).run("r-0002").status == "failed"
    assert "skipped" in err and "r-0002" in err and "not beside the export" in err


def test_a_merge_with_verified_images_takes_the_run(tmp_path: Path, mine_and_theirs) -> None:
    mine, theirs, session_id, other = mine_and_theirs
    file = export_with_files(theirs, other, tmp_path / "bundle")
    code, _, err = run_main(["sessions", "import", str(file)])
    assert code == 0, err
    run = mine.load(session_id).run("r-0002")
    assert run.status == "succeeded" and run.images
    import hashlib

    assert hashlib.sha256(mine.abspath(session_id, run.images[0].path).read_bytes()).hexdigest() == run.images[0].sha256
    assert "1 run with their images" in err


def test_my_own_scores_win_a_merge_unless_asked(tmp_path: Path, mine_and_theirs) -> None:
    mine, theirs, session_id, other = mine_and_theirs
    file = tmp_path / "plain.json"
    file.write_text(json.dumps(export_document(other, theirs)))
    code, _, err = run_main(["sessions", "import", str(file)])
    assert code == 0, err
    merged = mine.load(session_id)
    assert merged.score_of("r-0000", "ana").note == "nice"  # mine, although theirs is "newer"
    assert merged.score_of("r-0001", "cy") is not None  # another rater's score is taken
    assert "conflict" in err and "r-0000" in err
    code, _, err = run_main(["sessions", "import", str(file), "--theirs"])
    assert code == 0 and mine.load(session_id).score_of("r-0000", "ana").note == "theirs"


# -- finding 8: schema-valid hostile values ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda d: d["runs"][0].update(case_id="nope"), "runs[0].case_id"),
        (lambda d: d["session"].update(concurrency=-5), "concurrency"),
        (lambda d: d["session"].update(name="n" * 10_000_000), "name"),
        (lambda d: d["runs"][0].update(usage=_nest(20)), "nested"),
        (lambda d: d["scores"][0].update(run_id="r-9999"), "unknown run"),
        (lambda d: d["cases"][0]["checklist"][0].update(parent="c2"), "circle"),
        (lambda d: d["runs"][0].update(latency_ms=-1), "latency_ms"),
    ],
    ids=["unknown-case", "negative-concurrency", "10MB-name", "deep-usage", "unknown-run", "cycle", "negative"],
)
def test_schema_valid_hostile_values_are_one_line_errors(tmp_path: Path, edit, words: str) -> None:
    store = Store(tmp_path / "source")
    doc = _doc(store, real_session(store))
    edit(doc)
    _refused(tmp_path, doc, words)


def _nest(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = {"a": value}
    return value


def test_a_990_deep_usage_leaves_no_half_made_session(tmp_path: Path, data_dir: Path) -> None:
    store = Store(tmp_path / "source")
    doc = _doc(store, real_session(store))
    doc["runs"][0]["usage"] = "DEEP"
    file = tmp_path / "export.json"
    file.write_bytes(json.dumps(doc).encode().replace(b'"DEEP"', b'{"a": ' * 990 + b"1" + b"}" * 990))
    code, _, err = run_main(["sessions", "import", str(file)])
    assert code == 2 and "nested" in err, err
    assert not (data_dir / "sessions").exists()


def test_json_nested_100k_deep_is_a_one_line_error(tmp_path: Path) -> None:
    file = tmp_path / "deep.json"
    file.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    code, _, err = run_main(["sessions", "import", str(file)])
    assert code == 2 and "nested too deeply" in err, err
    one_line(err.strip())


def test_one_deep_session_file_never_takes_down_a_listing(data_dir: Path, tmp_path: Path) -> None:
    store = Store(data_dir)
    good = real_session(store)
    bad = data_dir / "sessions" / "20260101-000000-bad000" / "session.json"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b'{"id": "x", "name": "n", "created_at": "t", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    code, out, err = run_main(["sessions", "list"])
    assert code == 0 and good.id in out and "nested too deeply" in err, err
    code, out, err = run_main(["leaderboard"])
    assert code == 0 and "nested too deeply" in err, err


async def test_home_lists_the_good_sessions_beside_a_deep_one(data_dir: Path, fast_demo: Path) -> None:
    from screens.registry import build_app
    from tests.tui_support import at_home, wait_for

    store = Store(data_dir)
    good = real_session(store)
    bad = data_dir / "sessions" / "20260101-000000-bad000" / "session.json"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await at_home(app, pilot)
        table = app.screen.query_one("DataTable")
        await wait_for(pilot, lambda: table.row_count >= 1)
        assert good.id in str(table.get_row_at(0)) or any(good.id in str(key.value) for key in table.rows), (
            "the good session is not listed"
        )
