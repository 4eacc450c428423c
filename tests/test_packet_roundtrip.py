"""Owner → packet → rater's scores → owner: exactly the rater's verdicts on the right runs, once; and every way a
packet's scores can be wrong is one line that writes nothing."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import msgspec
import pytest
from PIL import Image

from tests.bundle_support import named_session
from tui.cli.main import main
from tui.core.store import Store
from tui.scoring.blind import slots

LETTER = {"pass": "p", "fail": "f", "partial": "h", "na": "n"}
CHOICES = ("pass", "fail", "partial")


def pixels(path: Path) -> str:
    """What a person sees: the same output whatever file it came in (the packet re-encodes every image)."""
    with Image.open(path) as img:
        return hashlib.sha256(repr(img.size).encode() + img.convert("RGB").tobytes()).hexdigest()


def truth(rater: str, run_id: str, item: str) -> str:
    """The verdict ``rater`` gives ``item`` of the owner's run ``run_id``: fixed in advance, so it can be checked."""
    return CHOICES[hashlib.sha256(f"{rater}/{run_id}/{item}".encode()).digest()[0] % 3]


class Machines:
    """Separate data dirs, as separate machines: each command runs against the one named."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        self.tmp, self.mp, self.capsys = tmp_path, monkeypatch, capsys

    def data(self, name: str) -> Path:
        return self.tmp / name / "data"

    def cli(self, name: str, *argv: str) -> tuple[int, str, str]:
        self.mp.setenv("IMGBENCH_DATA_DIR", str(self.data(name)))
        self.mp.setenv("IMGBENCH_CONFIG_DIR", str(self.tmp / name / "config"))
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, name: str, *argv: str) -> str:
        code, out, err = self.cli(name, *argv)
        assert code == 0, err
        return out.strip()

    def refused(self, name: str, *argv: str) -> str:
        code, out, err = self.cli(name, *argv)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, (code, out, err)
        return err


@pytest.fixture
def machines(tmp_path, monkeypatch, capsys) -> Machines:
    return Machines(tmp_path, monkeypatch, capsys)


def score_as_rater(m: Machines, rater: str, packet_id: str, owner: Store, owner_id: str) -> None:
    """The rater looks at each output and gives the verdicts fixed for the owner's run it shows."""
    owner_session = owner.load(owner_id)
    by_pixels = {pixels(owner.abspath(owner_id, r.images[0].path)): r for r in owner_session.runs if r.images}
    store = Store(m.data(rater))
    packet = store.load(packet_id)
    for number, case in enumerate(packet.cases, 1):
        for letter, run in slots(packet, case.id):
            real = by_pixels[pixels(store.abspath(packet_id, run.images[0].path))]
            letters = "".join(LETTER[truth(rater, real.id, item.id)] for item in case.checklist)
            m.ok(rater, "score", packet_id, str(number), letter, letters)


def test_round_trip_gives_each_rater_exactly_their_verdicts_on_the_right_runs(machines: Machines) -> None:
    m = machines
    owner = Store(m.data("owner"))
    session = named_session(owner, cases=3)
    for rater in ("ann", "bob"):
        packet = m.tmp / f"{rater}.zip"
        m.ok("owner", "sessions", "export", session.id, "--for-rater", rater, "--bundle", str(packet))
        packet_id = m.ok(rater, "sessions", "import", str(packet))
        score_as_rater(m, rater, packet_id, owner, session.id)
        m.ok(rater, "sessions", "export", packet_id, "-o", str(m.tmp / f"{rater}-scores.json"))
        m.ok("owner", "sessions", "import", str(m.tmp / f"{rater}-scores.json"), "--into", session.id)

    merged = owner.load(session.id)
    succeeded = [r for r in merged.runs if r.status == "succeeded"]
    assert len(merged.scores) == 2 * len(succeeded)
    for run in succeeded:
        for rater in ("ann", "bob"):
            score = merged.score_of(run.id, rater)
            assert score is not None and score.blind
            assert score.verdicts == {
                item.id: truth(rater, run.id, item.id) for item in merged.case(run.case_id).checklist
            }
    assert all(p.merged_at for p in merged.packets) and len(merged.packets) == 2

    report = json.loads(m.ok("owner", "report", session.id, "--format", "json"))
    assert report["agreement"]["raters"] == ["ann", "bob"]
    from sklearn.metrics import cohen_kappa_score

    units = [
        (truth("ann", r.id, i.id), truth("bob", r.id, i.id))
        for r in succeeded
        for i in merged.case(r.case_id).checklist
    ]
    overall = report["agreement"]["overall"]
    assert overall["units"] == len(units)
    assert overall["kappa"] == pytest.approx(cohen_kappa_score(*zip(*units, strict=True)), abs=1e-3)


@pytest.fixture
def scored(machines: Machines):
    """ann's packet, scored on her machine and exported: (owner store, session, packet file, scores file)."""
    m = machines
    owner = Store(m.data("owner"))
    session = named_session(owner, cases=2)
    packet = m.tmp / "ann.zip"
    m.ok("owner", "sessions", "export", session.id, "--for-rater", "ann", "--bundle", str(packet))
    packet_id = m.ok("ann", "sessions", "import", str(packet))
    score_as_rater(m, "ann", packet_id, owner, session.id)
    scores = m.tmp / "ann-scores.json"
    m.ok("ann", "sessions", "export", packet_id, "-o", str(scores))
    return owner, session, packet, scores


def _unchanged(owner: Store, session_id: str, before: bytes) -> None:
    assert owner.session_file(session_id).read_bytes() == before


def test_a_packet_merges_once(machines: Machines, scored) -> None:
    owner, session, _packet, scores = scored
    machines.ok("owner", "sessions", "import", str(scores))
    before = owner.session_file(session.id).read_bytes()
    assert "already merged" in machines.refused("owner", "sessions", "import", str(scores))
    _unchanged(owner, session.id, before)


def test_the_packet_itself_and_a_packet_of_another_session_are_refused(machines: Machines, scored) -> None:
    owner, session, packet, scores = scored
    before = owner.session_file(session.id).read_bytes()
    assert "no scores in it yet" in machines.refused("owner", "sessions", "import", str(packet))
    other = named_session(owner, cases=1)
    assert f"not of {other.id}" in machines.refused("owner", "sessions", "import", str(scores), "--into", other.id)
    # The same session id on another owner's machine: that machine never made this packet.
    Store(machines.data("other")).save(msgspec.structs.replace(owner.load(session.id), packets=[]))
    assert "was not made from session" in machines.refused("other", "sessions", "import", str(scores))
    # A machine without the session at all: scores are no packet to open.
    assert "import them where the packet was made" in machines.refused("carol", "sessions", "import", str(scores))
    _unchanged(owner, session.id, before)


def _edit(scores: Path, change) -> Path:
    doc = json.loads(scores.read_text())
    change(doc)
    out = scores.with_name("edited.json")
    out.write_text(json.dumps(doc))
    return out


def test_scores_for_runs_the_packet_did_not_hold_are_refused(machines: Machines, scored) -> None:
    owner, session, _packet, scores = scored
    before = owner.session_file(session.id).read_bytes()

    def extra_run(doc: dict) -> None:
        run = json.loads(json.dumps(doc["runs"][0]))
        run["id"] = "r-000000000000"
        for image in run["images"]:
            image["path"] = image["file"] = "images/r-000000000000-0.png"
        doc["runs"].append(run)
        doc["scores"].append({**doc["scores"][0], "run_id": "r-000000000000"})

    assert "was not in packet" in machines.refused("owner", "sessions", "import", str(_edit(scores, extra_run)))

    def two_raters(doc: dict) -> None:
        doc["scores"][0]["rater"] = "mallory"

    assert "a packet is one rater's" in machines.refused("owner", "sessions", "import", str(_edit(scores, two_raters)))

    def other_rater(doc: dict) -> None:
        doc["session"]["packet"]["rater"] = "mallory"

    assert "made for 'ann'" in machines.refused("owner", "sessions", "import", str(_edit(scores, other_rater)))

    def forged_packet(doc: dict) -> None:
        doc["session"]["packet"]["packet_id"] = doc["session"]["id"] = "pk-" + "0" * 24

    assert "was not made from session" in machines.refused(
        "owner", "sessions", "import", str(_edit(scores, forged_packet))
    )

    def moved_run(doc: dict) -> None:  # a run put in another case than the packet had it in
        cases = [c["id"] for c in doc["cases"]]
        run = doc["runs"][0]
        run["case_id"] = next(c for c in cases if c != run["case_id"])

    assert "not in the case" in machines.refused("owner", "sessions", "import", str(_edit(scores, moved_run)))
    _unchanged(owner, session.id, before)


def test_a_rater_opens_a_packet_once_and_only_from_its_bundle(machines: Machines, scored, tmp_path: Path) -> None:
    _owner, _session, packet, _scores = scored
    assert "imported already" in machines.refused("ann", "sessions", "import", str(packet))
    packet_id = Store(machines.data("ann")).list().sessions[0].id
    assert "is a blind packet itself" in machines.refused("ann", "sessions", "export", packet_id, "--for-rater", "x")
    with zipfile.ZipFile(packet) as zf:
        plain = tmp_path / "plain.json"
        plain.write_bytes(zf.read("export.json"))
    assert "opens from its bundle" in machines.refused("dan", "sessions", "import", str(plain))
    assert not Store(machines.data("dan")).sessions_dir.exists() or not any(
        Store(machines.data("dan")).sessions_dir.iterdir()
    )


def test_a_packet_that_names_models_is_not_a_packet(machines: Machines, scored, tmp_path: Path) -> None:
    from tui.reports.bundle import read_bundle_file, write_bundle

    _owner, _session, packet, _scores = scored
    bundle = read_bundle_file(packet)
    doc = json.loads(bundle.export)
    doc["models"] = ["openai:gpt-image-1"]
    for run in doc["runs"]:
        run["model"] = "openai:gpt-image-1"
    forged = tmp_path / "forged.zip"
    forged.write_bytes(write_bundle(json.dumps(doc).encode(), bundle.files, kind="packet"))
    assert "only model is blind:hidden" in machines.refused("eve", "sessions", "import", str(forged))
