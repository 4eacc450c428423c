"""Machine checks in the flow: a headless run measures them after the outputs are stored; `imgbench checks`
measures them again and prints them (slots only in a blind session); the export carries them."""

from __future__ import annotations

import json

from tests.robustness.fuzz_support import run_main
from tui.core.store import Store

PRESET = """\
schema_version = 1
id = "mine/poster"
title = "Poster"
category = "Checks"
mode = "t2i"
prompt = "a poster"

[params]
size = "512x768"

[[checklist]]
id = "c1"
criterion = "Frame"
machine = { kind = "aspect", ratio = "2:3" }

[[checklist]]
id = "c2"
criterion = "Exact size"
machine = { kind = "size", size = "768x768" }

[[checklist]]
id = "c3"
criterion = "Looks good"
"""


def _preset(config_dir, extra: str = "") -> None:
    (config_dir / "presets").mkdir(parents=True, exist_ok=True)
    (config_dir / "presets" / "poster.toml").write_text(PRESET + extra, encoding="utf-8")


def test_a_headless_run_stores_each_outputs_checks_and_the_cli_prints_them(fast_demo, config_dir, data_dir) -> None:
    _preset(config_dir)
    code, out, err = run_main(["run", "--preset", "mine/poster", "--model", "demo:mosaic", "--model", "demo:aurora"])
    assert code == 0, err
    session = Store(data_dir).load(out.strip())
    for run in session.runs:
        assert [(r.item_id, r.outcome) for r in run.checks] == [("c1", "pass"), ("c2", "fail")]
        assert run.checks[0].image_sha256 == run.images[0].sha256
    assert session.scores == []  # measured, never scored

    code, printed, err = run_main(["checks", session.id])
    assert code == 0, err
    lines = printed.splitlines()
    assert lines[0] == "case 1: Poster"
    assert any(line.endswith("c1  machine: ✓ 512x768 is 0.667, asked 2:3 = 0.667 (±2%)") for line in lines)
    assert sum("c2  machine: ✗ 512x768, asked 768x768" in line for line in lines) == 2
    assert sum("demo:" in line for line in lines) == 4

    code, printed, err = run_main(["checks", session.id, "--json"])
    doc = json.loads(printed)
    assert [entry["checks"][0]["outcome"] for entry in doc] == ["pass", "pass"]
    code, exported, err = run_main(["sessions", "export", session.id])
    assert json.loads(exported)["runs"][0]["checks"][1]["summary"].startswith("512x768, asked 768x768")


def test_a_blind_session_prints_slots_not_models(fast_demo, config_dir, data_dir) -> None:
    # The demo images carry their model's name as text: OCR reads it, and blind, it is masked.
    _preset(config_dir, '\n[[checklist]]\nid = "c4"\ncriterion = "Text"\nmachine = { kind = "ocr", expect = ["x1"] }\n')
    code, out, err = run_main(["run", "--preset", "mine/poster", "--model", "demo:mosaic", "--model", "demo:sketch",
                               "--blind", "-q"])  # fmt: skip
    assert code == 0, err
    code, printed, err = run_main(["checks", out.strip()])
    assert code == 0 and "demo" not in printed and "mosaic" not in printed and "x768" not in printed
    assert {line[:9] for line in printed.splitlines()[1:]} == {f"  {s}  c{i}  " for s in "AB" for i in (1, 2, 4)}
    code, printed, err = run_main(["checks", out.strip(), "--json"])
    assert all(word not in printed for word in ("demo", "mosaic", "sketch", '"model"', "x768", "768x"))  # no sizes
    # either ("x768", not "768": a hex digest printed beside them may hold those digits)
    assert "[model]" in printed  # the demo label was read, and masked


def test_a_session_without_checks_says_so(fast_demo, data_dir) -> None:
    code, out, err = run_main(["run", "--prompt", "a cube", "--model", "demo:mosaic", "-q"])
    code, printed, err = run_main(["checks", out.strip()])
    assert (code, printed) == (0, "") and "declares a machine check" in err


def test_the_report_shows_the_checks_agreement_with_the_person_and_compare_gates_on_them(
    fast_demo, config_dir, data_dir
) -> None:
    """End to end: a run measures its checks, a person scores headless, the report's checks table compares the
    two (c1's check passed where the person failed it: a disagreement counted), compare --scorer checks reads
    the runs' results."""
    _preset(config_dir)
    code, out, err = run_main(["run", "--preset", "mine/poster", "--model", "demo:mosaic", "--model", "demo:aurora"])
    assert code == 0, err
    sid = out.strip()
    assert run_main(["score", sid, "1", "demo:mosaic", "pfp", "--rater", "ann"])[0] == 0
    assert run_main(["score", sid, "1", "demo:aurora", "ffp", "--rater", "ann"])[0] == 0
    code, report, err = run_main(["report", sid, "--format", "json"])
    assert code == 0, err
    entries = {e["scorer"]: e for e in json.loads(report)["trust"]}
    assert set(entries) == {"check:aspect", "check:size"} and {e["kind"] for e in entries.values()} == {"check"}
    aspect = entries["check:aspect"]["overall"]  # the check: pass twice; ann: pass then fail
    assert (aspect["units"], aspect["percent"]) == (2, 0.5) and aspect["flag"] == "fewer than 5 units"
    assert aspect["confusion"][0][0] == 1 and aspect["confusion"][1][0] == 1
    assert entries["check:size"]["overall"]["percent"] == 1.0  # both fail, ann too
    code, md, err = run_main(["report", sid])
    assert "## Can the machine checks be trusted here?" in md and "check:aspect vs ann" in md
    assert "Can the judge be trusted" not in md  # no judge scored
    code, out, err = run_main(["compare", sid, sid, "--scorer", "checks", "--format", "json"])
    assert code == 0, err
    assert json.loads(out)["raters"] == {"baseline": ["checks"], "new": ["checks"]}


def test_a_rater_packet_carries_the_checks_declared_but_none_measured(fast_demo, config_dir, data_dir) -> None:
    """On purpose (README, Machine checks): a rater scoring a packet is the independent person the trust table
    compares the checks with, so they do not see the owner's results; and the packet's images are re-encoded, so
    a result measured on the owner's image would be stale there anyway."""
    import io
    import zipfile

    from tui.reports.packet import make_packet

    _preset(config_dir)
    code, out, err = run_main(["run", "--preset", "mine/poster", "--model", "demo:mosaic", "--model", "demo:aurora"])
    assert code == 0, err
    store = Store(data_dir)
    session = store.load(out.strip())
    assert all(r.checks for r in session.runs)
    _record, data = make_packet(session, store, "bob")
    packet = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("export.json"))
    assert [r.get("checks", []) for r in packet["runs"]] == [[], []]
    machine = [i.get("machine") for i in packet["cases"][0]["checklist"]]
    assert machine[:2] == [{"kind": "aspect", "ratio": "2:3"}, {"kind": "size", "size": "768x768"}]
    assert all(not r.get("metrics") for r in packet["runs"])  # no other measurement rides along either
