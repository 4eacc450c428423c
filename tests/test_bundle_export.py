"""Bundles and blind rater packets, the export side: what they hold, and what a packet never holds."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import jsonschema
import pytest
from PIL import Image

from tests.bundle_support import LATENCIES, MODELS, PRICES, identifying_needles, named_session, packet_bytes, scan
from tui.cli.main import main
from tui.core.store import Store
from tui.reports.export import SCHEMA_FILE
from tui.scoring.blind import slots


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_bundle_holds_the_export_and_every_file_under_relative_paths(data_dir, tmp_path, capsys) -> None:
    store = Store(data_dir)
    session = named_session(store)
    target = tmp_path / "out" / "session.zip"
    code, _, err = _cli(capsys, "sessions", "export", session.id, "--bundle", str(target))
    assert code == 0, err
    members = _members(target)
    manifest = json.loads(members["bundle.json"])
    assert manifest["format"] == "imgbench-bundle" and manifest["kind"] == "session"
    doc = json.loads(members["export.json"])
    jsonschema.validate(doc, json.loads(SCHEMA_FILE.read_text()))
    named = [im for r in doc["runs"] for im in r["images"]] + [ref for c in doc["cases"] for ref in c["references"]]
    assert len(named) == sum(len(r.images) for r in session.runs) > 0
    assert set(manifest["files"]) == set(members) - {"bundle.json", "export.json"} == {im["file"] for im in named}
    for entry in named:
        assert entry["path"] == entry["file"]  # nothing names the exporting machine
        data = members[entry["file"]]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] == manifest["files"][entry["file"]]["sha256"]
        assert data == store.abspath(session.id, entry["file"]).read_bytes()  # the very bytes stored
    assert str(data_dir).encode() not in b"".join(members.values())
    with zipfile.ZipFile(target) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_packet_names_no_model_anywhere_in_any_byte(data_dir, tmp_path, capsys) -> None:
    store = Store(data_dir)
    session = named_session(store)
    # The scan finds each of them in the owner's own bundle: it can fail.
    own = tmp_path / "own.zip"
    assert _cli(capsys, "sessions", "export", session.id, "--bundle", str(own))[0] == 0
    needles = identifying_needles(MODELS, PRICES, LATENCIES)
    own_hits = " ".join(scan(packet_bytes(own), needles))
    for word in ["openai:gpt-image-1", "grok", "xai", "gemini", "fal-ai/flux-2-pro", "0.167", "41234.5"]:
        assert word in own_hits, word
    assert b"google" in b"".join(_members(own).values()).lower()  # the JPEG output's EXIF

    packet = tmp_path / "packet.zip"
    code, out, err = _cli(capsys, "sessions", "export", session.id, "--for-rater", "ann", "--bundle", str(packet))
    assert code == 0, err
    assert out.strip() == str(packet)
    assert scan(packet_bytes(packet), needles) == []
    members = _members(packet)
    assert b"google" not in b"".join(members.values()).lower()  # the EXIF of the JPEG output is gone too


def test_a_latency_needle_finds_the_latency_but_not_an_image_of_as_many_bytes() -> None:
    needles = identifying_needles([], {}, {"r-1": 118})
    assert scan({"run": b'{"latency_ms": 118, "x": 1}'}, needles)
    assert scan({"summary": b"took 0.12 s"}, needles)
    assert scan({"image": b'{"bytes": 118, "width": 118, "height": 118, "sha": "a118"}'}, needles) == []


def test_a_packet_keeps_what_a_rater_scores_and_nothing_that_tells_models_apart(data_dir, tmp_path, capsys) -> None:
    store = Store(data_dir)
    session = named_session(store)
    packet = tmp_path / "p.zip"
    assert _cli(capsys, "sessions", "export", session.id, "--for-rater", "ann", "--bundle", str(packet))[0] == 0
    members = _members(packet)
    doc = json.loads(members["export.json"])
    jsonschema.validate(doc, json.loads(SCHEMA_FILE.read_text()))
    assert json.loads(members["bundle.json"])["kind"] == "packet"
    assert doc["session"]["blind"] is True and doc["models"] == ["blind:hidden"]
    assert doc["session"]["packet"]["session_id"] == session.id and doc["session"]["packet"]["rater"] == "ann"
    assert "packets" not in doc["session"] and doc["scores"] == [] and doc["preferences"] == []
    succeeded = [r for r in session.runs if r.status == "succeeded"]
    assert len(doc["runs"]) == len(succeeded)  # a failed run has nothing to score, and its message names it
    for run in doc["runs"]:
        assert run["model"] == "blind:hidden" and run["status"] == "succeeded"
        assert run["cost_usd"] is None and run["latency_ms"] is None and run["usage"] is None
        assert run["attempts"] == 0 and run["attempt_log"] == [] and run["timings"] == {}
        assert run["params_effective"] == {} and run["revised_prompt"] is None and run["metrics"] == {}
        (image,) = run["images"]
        assert image["format"] == "PNG" and image["file"] == f"images/{run['id']}-0.png"
        with Image.open(io.BytesIO(members[image["file"]])) as img:
            assert img.format == "PNG" and not img.info  # no text, C2PA, EXIF, ICC or dpi chunk survives
    for case in doc["cases"]:
        assert case["checklist"] and case["prompt"].startswith("prompt number")
        assert all("filename" not in ref for ref in case["references"])

    # The owner keeps the map back, and it leads to the same pixels.
    record = store.load(session.id).packets[0]
    assert record.packet_id == doc["session"]["id"] and record.rater == "ann" and record.merged_at == ""
    assert set(record.runs) == {r["id"] for r in doc["runs"]}
    for run in doc["runs"]:
        real = session.run(record.runs[run["id"]])
        assert record.cases[run["case_id"]] == real.case_id
        mine_file = store.abspath(session.id, real.images[0].path)
        with Image.open(mine_file) as mine, Image.open(io.BytesIO(members[run["images"][0]["file"]])) as theirs:
            assert theirs.size == mine.size and theirs.convert("RGB").tobytes() == mine.convert("RGB").tobytes()


def test_each_packet_has_its_own_ids_and_shuffle(data_dir, tmp_path, capsys) -> None:
    from tui.reports.importing import session_from_document

    store = Store(data_dir)
    session = named_session(store, cases=6)
    orders = []
    ids = []
    for rater in ("ann", "bob"):
        path = tmp_path / f"{rater}.zip"
        assert _cli(capsys, "sessions", "export", session.id, "--for-rater", rater, "--bundle", str(path))[0] == 0
        doc = json.loads(_members(path)["export.json"])
        packet = session_from_document(doc, file=path)
        record = next(p for p in store.load(session.id).packets if p.rater == rater)
        ids.append({r.id for r in packet.runs})
        orders.append([[record.runs[r.id] for _, r in slots(packet, c.id)] for c in packet.cases])
    assert not ids[0] & ids[1]
    assert orders[0] != orders[1]  # 6 cases of 3 or 4 outputs: one order shared by chance is (1/24)^5 or less


def test_packet_file_default_name_and_errors(data_dir, tmp_path, capsys, monkeypatch) -> None:
    store = Store(data_dir)
    session = named_session(store, cases=1)
    monkeypatch.chdir(tmp_path)
    code, out, _ = _cli(capsys, "sessions", "export", session.id, "--for-rater", "Ann Lee/2")
    assert code == 0 and out.strip() == f"{session.id}-Ann_Lee_2.packet.zip"
    assert (tmp_path / out.strip()).is_file()
    for argv, message in [
        (["--for-rater", "  "], "a rater's name is needed"),
        (["--for-rater", "a\x1b]52;c;x\x07"], "printable"),
        (["--bundle", "a.zip", "-o", "b.zip"], "not both"),
    ]:
        code, out, err = _cli(capsys, "sessions", "export", session.id, *argv)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert len(store.load(session.id).packets) == 1  # a refused export records no packet


def test_a_session_with_nothing_to_score_makes_no_packet(data_dir, tmp_path, capsys) -> None:
    store = Store(data_dir)
    session = named_session(store, cases=1)
    store.mutate(session.id, lambda s: [setattr(r, "status", "failed") for r in s.runs])
    code, _, err = _cli(
        capsys, "sessions", "export", session.id, "--for-rater", "ann", "--bundle", str(tmp_path / "x.zip")
    )
    assert code == 2 and "no succeeded runs" in err
    assert not (tmp_path / "x.zip").exists()


@pytest.mark.parametrize("tamper", ["delete", "change"])
def test_an_owner_image_changed_on_disk_is_refused_not_packed(data_dir, tmp_path, capsys, tamper) -> None:
    store = Store(data_dir)
    session = named_session(store, cases=1)
    image = store.abspath(session.id, session.runs[0].images[0].path)
    image.unlink() if tamper == "delete" else image.write_bytes(b"not the image")
    code, _, err = _cli(
        capsys, "sessions", "export", session.id, "--for-rater", "ann", "--bundle", str(tmp_path / "x.zip")
    )
    assert code == 2 and str(image) in err
    assert not (tmp_path / "x.zip").exists() and store.load(session.id).packets == []
