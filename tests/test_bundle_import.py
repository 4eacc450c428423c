"""A session bundle on another machine: the whole session back, images only from inside the bundle, each checked."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.bundle_support import named_session
from tests.test_packet_roundtrip import Machines
from tui.core.model import Score
from tui.core.store import Store
from tui.reports.bundle import read_bundle_file, write_bundle


@pytest.fixture
def machines(tmp_path, monkeypatch, capsys) -> Machines:
    return Machines(tmp_path, monkeypatch, capsys)


def _strip_paths(doc: dict) -> dict:
    for entry in [im for r in doc["runs"] for im in r["images"]] + [f for c in doc["cases"] for f in c["references"]]:
        entry.pop("path")
    return doc


def test_a_bundle_brings_the_whole_session_to_another_machine(machines: Machines) -> None:
    m = machines
    session = named_session(Store(m.data("owner")))
    bundle = m.tmp / "s.zip"
    m.ok("owner", "sessions", "export", session.id, "--bundle", str(bundle))
    assert m.ok("other", "sessions", "import", str(bundle)) == session.id
    mine = json.loads(m.ok("owner", "sessions", "export", session.id))
    theirs = json.loads(m.ok("other", "sessions", "export", session.id))
    assert _strip_paths(theirs) == _strip_paths(mine)
    other = Store(m.data("other"))
    for run in other.load(session.id).runs:
        for image in run.images:
            assert hashlib.sha256(other.abspath(session.id, image.path).read_bytes()).hexdigest() == image.sha256


def _rebundled(path: Path, out: Path, *, drop: str | None = None, replace: tuple[str, bytes] | None = None) -> Path:
    bundle = read_bundle_file(path)
    files = dict(bundle.files)
    if drop:
        files.pop(drop)
    if replace:
        files[replace[0]] = replace[1]
    out.write_bytes(write_bundle(bundle.export, files, kind=bundle.kind))
    return out


def test_images_come_only_from_inside_the_bundle_and_only_when_they_check_out(machines: Machines) -> None:
    m = machines
    session = named_session(Store(m.data("owner")), cases=1)
    bundle = m.tmp / "s.zip"
    m.ok("owner", "sessions", "export", session.id, "--bundle", str(bundle))
    first, second = [r for r in session.runs if r.images][:2]
    # The first image is missing from the bundle but lies right beside it, with the right bytes: not taken.
    beside = m.tmp / "cut" / first.images[0].path
    beside.parent.mkdir(parents=True)
    beside.write_bytes(Store(m.data("owner")).abspath(session.id, first.images[0].path).read_bytes())
    # The second is in the bundle and its manifest, but its bytes are not the export's and do not decode.
    cut = _rebundled(bundle, m.tmp / "cut" / "s.zip", drop=first.images[0].path, replace=(second.images[0].path, b"x"))
    code, _out, err = m.cli("other", "sessions", "import", str(cut))
    assert code == 0, err
    imported = Store(m.data("other")).load(session.id)
    for run in (first, second):
        again = imported.run(run.id)
        assert again.status == "interrupted" and again.images == []  # resumable, never a succeeded run without it
        assert not (Store(m.data("other")).session_dir(session.id) / run.images[0].path).exists()
    assert err.count("skipped") >= 1


def test_a_bundle_of_a_session_here_merges_the_other_raters_scores(machines: Machines) -> None:
    m = machines
    owner = Store(m.data("owner"))
    session = named_session(owner, cases=1)
    bundle = m.tmp / "s.zip"
    m.ok("owner", "sessions", "export", session.id, "--bundle", str(bundle))
    m.ok("other", "sessions", "import", str(bundle))
    run = next(r for r in session.runs if r.images)
    Store(m.data("other")).mutate(
        session.id, lambda s: s.set_score(Score(run.id, "zoe", {"c1": "pass"}, scored_at="2026-01-01T00:00:00Z"))
    )
    m.ok("other", "sessions", "export", session.id, "--bundle", str(m.tmp / "back.zip"))
    m.ok("owner", "sessions", "import", str(m.tmp / "back.zip"), "--into", session.id)
    assert owner.load(session.id).score_of(run.id, "zoe").verdicts == {"c1": "pass"}
    err = m.refused("owner", "sessions", "import", str(m.tmp / "back.zip"), "--into", "someone-else")
    assert "not of someone-else" in err


def test_a_plain_json_export_still_imports_its_scores(machines: Machines) -> None:
    m = machines
    owner = Store(m.data("owner"))
    session = named_session(owner, cases=1)
    export = m.tmp / "elsewhere" / "s.json"
    export.parent.mkdir()
    m.ok("owner", "sessions", "export", session.id, "-o", str(export))
    code, _out, err = m.cli("other", "sessions", "import", str(export))
    assert code == 0, err
    imported = Store(m.data("other")).load(session.id)
    # No image beside it: none is taken from the owner's absolute paths, which this machine could read.
    assert all(not r.images for r in imported.runs)
