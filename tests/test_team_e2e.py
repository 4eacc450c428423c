"""A team scores on three machines: the owner runs a blind session (demo models and two real adapters on loopback
servers, so it has prices), ships a bundle and a blind packet per rater; ann scores hers with the CLI, bob his in
the TUI; the owner merges both (ann's with the CLI, bob's from the TUI's "import scores…") and reads the agreement.

Each machine is its own config, data and cache directory, and every command is a separate imgbench process. The
raters' verdicts are fixed in advance per *owner* run and given by looking at the pixels, so the merge is checked
against what each rater really gave, not against the packet's own map. Every byte of each packet (the archive and
each member, decompressed) is scanned for every model id, provider name, price and latency of the session.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.bundle_support import identifying_needles, packet_bytes, scan
from tests.providers.loopback import Loopback, png_bytes
from tests.test_packet_roundtrip import LETTER, pixels, truth
from tests.tui_support import at_home, wait_for, workers_idle

ROOT = Path(__file__).resolve().parents[1]
MODELS = ["demo:mosaic", "demo:aurora", "openai:gpt-image-2", "xai:grok-imagine-image"]


class Machine:
    def __init__(self, root: Path, name: str, **env: str) -> None:
        self.name = name
        self.dirs = {kind: root / name / kind for kind in ("config", "data", "cache")}
        self.dirs["config"].mkdir(parents=True)
        (self.dirs["config"] / "config.toml").write_text(f'rater = "{name}"\n[providers.demo]\nlatency_ms = 20\n')
        self.env = {f"IMGBENCH_{kind.upper()}_DIR": str(path) for kind, path in self.dirs.items()} | env

    def run(self, *args: str, expect: int = 0) -> str:
        env = dict(os.environ) | self.env
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        done = subprocess.run(
            [sys.executable, "-m", "tui.launch", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == expect, f"{self.name}: imgbench {' '.join(args)}: {done.stderr}"
        if expect == 2:
            assert len(done.stderr.strip().splitlines()) == 1, done.stderr
            return done.stderr
        return done.stdout.strip()

    def use(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """This machine's directories for what runs in the test process (the TUI under Pilot)."""
        for key, value in self.env.items():
            monkeypatch.setenv(key, value)

    def store(self):
        from tui.core.store import Store

        return Store(self.dirs["data"])


def seen(store, session) -> dict[tuple[str, str], str]:
    """(prompt, pixels) -> run id, for every output of a session: how a person tells outputs apart."""
    return {
        (session.case(r.case_id).prompt, pixels(store.abspath(session.id, r.images[0].path))): r.id
        for r in session.runs
        if r.images
    }


def verdict_letters(rater: str, packet_store, packet, run, owner_runs: dict[tuple[str, str], str]) -> str:
    case = packet.case(run.case_id)
    owner_run = owner_runs[(case.prompt, pixels(packet_store.abspath(packet.id, run.images[0].path)))]
    return "".join(LETTER[truth(rater, owner_run, item.id)] for item in case.checklist)


@pytest.fixture
def loopbacks(tmp_path: Path):
    servers = [
        Loopback("openai", image=png_bytes((40, 40), (200, 30, 30))).start(),
        Loopback("xai", image=png_bytes((44, 36), (30, 200, 30))).start(),
    ]
    yield servers
    for server in servers:
        server.stop()


async def score_in_the_tui(bob: Machine, packet_file: Path, packet_id: str, owner_runs, monkeypatch) -> None:
    from screens.registry import build_app
    from screens.review import ReviewScreen
    from tui.scoring.blind import slots

    bob.use(monkeypatch)
    store = bob.store()
    app = build_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await at_home(app, pilot)
        await pilot.press("i")  # import…: the packet, from the file picker
        await wait_for(pilot, lambda: type(app.screen).__name__ == "FilePickerScreen")
        await pilot.press(*str(packet_file), "enter")
        await wait_for(pilot, lambda: store.exists(packet_id) and type(app.screen).__name__ == "HomeScreen")
        await workers_idle(app)
        await wait_for(
            pilot, lambda: app.screen.query_one("#sessions").row_count == 1 and app.screen._selected_session()
        )
        packet = store.load(packet_id)
        await pilot.press("enter")  # the only session: the packet
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen))
        review = app.screen
        for index, case in enumerate(packet.cases):
            await wait_for(pilot, lambda i=index: review.case_index == i and review.session is not None)
            shown = [r.id for r in review.outputs()]
            assert shown == [r.id for _, r in slots(packet, case.id)]  # the slots, in order
            for run in review.outputs():
                await pilot.press(*verdict_letters("bob", store, packet, run, owner_runs))
            await wait_for(pilot, lambda: review.items_left() == 0)
            await pilot.press("b")  # a packet never reveals
            await pilot.pause(0.1)
            assert "blind:hidden" not in app.export_screenshot()
            await pilot.press("right_square_bracket")
        await pilot.press("s")  # Results, then its JSON export
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ResultsScreen")
        await pilot.press("e")
        await workers_idle(app)
        await pilot.pause(0.3)


async def packet_in_the_tui(owner: Machine, rater: str, monkeypatch) -> Path:
    """Home, "export for a rater…": the rater's name, and the packet lands in the data dir's exports/."""
    from screens.registry import build_app

    owner.use(monkeypatch)
    app = build_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await at_home(app, pilot)
        await wait_for(pilot, lambda: app.screen._selected_session() is not None)
        await pilot.press("p")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NoteScreen")
        await pilot.press(*rater, "enter")
        await wait_for(pilot, lambda: any((owner.dirs["data"] / "exports").glob(f"*-{rater}.packet.zip")))
        await workers_idle(app)
    (path,) = (owner.dirs["data"] / "exports").glob(f"*-{rater}.packet.zip")
    return path


async def import_in_the_tui(owner: Machine, session_id: str, scores: Path, monkeypatch) -> None:
    from screens.registry import build_app

    owner.use(monkeypatch)
    app = build_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await at_home(app, pilot)
        # The listing arrives from a worker: `r` before the row is there has no session to open.
        await wait_for(pilot, lambda: app.screen._selected_session() is not None)
        await pilot.press("r")  # Results of the selected (only) session
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ResultsScreen")
        await pilot.press("i")  # import scores…
        await wait_for(pilot, lambda: type(app.screen).__name__ == "FilePickerScreen")
        await pilot.press(*str(scores), "enter")
        await wait_for(
            pilot, lambda: any(p.merged_at for p in owner.store().load(session_id).packets if p.rater == "bob")
        )
        await workers_idle(app)


async def test_three_machines_bundle_packets_cli_and_tui_scores_merged_with_agreement(
    tmp_path: Path, loopbacks, monkeypatch
) -> None:
    openai, xai = loopbacks
    owner = Machine(
        tmp_path,
        "olga",
        IMGBENCH_OPENAI_BASE_URL=openai.base_url,
        OPENAI_API_KEY="PLANTED-KEY-openai-e2e",
        IMGBENCH_XAI_BASE_URL=xai.base_url,
        XAI_API_KEY="PLANTED-KEY-xai-e2e",
    )
    ann, bob, archive = Machine(tmp_path, "ann"), Machine(tmp_path, "bob"), Machine(tmp_path, "archive")

    # The owner runs a blind session and ships it.
    models = [a for m in MODELS for a in ("--model", m)]
    session_id = owner.run("run", "--preset", "tier-a/cat1", "--preset", "tier-a/cat3", *models, "--blind", "-q")
    export = json.loads(owner.run("sessions", "export", session_id))
    assert {m for r in export["runs"] if r["cost_usd"] for m in [r["model"]]} >= {
        "openai:gpt-image-2",
        "xai:grok-imagine-image",
    }
    bundle = tmp_path / "team.zip"
    owner.run("sessions", "export", session_id, "--bundle", str(bundle))
    packets = {"ann": tmp_path / "ann.zip", "bob": await packet_in_the_tui(owner, "bob", monkeypatch)}
    owner.run("sessions", "export", session_id, "--for-rater", "ann", "--bundle", str(packets["ann"]))

    # The bundle opens whole on another machine, every image verified.
    assert archive.run("sessions", "import", str(bundle)) == session_id
    again = json.loads(archive.run("sessions", "export", session_id))
    for run in again["runs"]:
        for image in run["images"]:
            assert hashlib.sha256(Path(image["path"]).read_bytes()).hexdigest() == image["sha256"]
    assert [r["images"] for r in again["runs"]] != [] and len(again["runs"]) == len(export["runs"])

    # No packet holds anything that names a model: the scan finds each in the owner's own bundle.
    prices = {r["model"]: r["cost_usd"] for r in export["runs"] if r["cost_usd"]}
    latencies = {r["id"]: r["latency_ms"] for r in export["runs"] if r["latency_ms"] and r["latency_ms"] >= 100}
    needles = identifying_needles(export["models"], prices, latencies)
    own = " ".join(scan(packet_bytes(bundle), needles))
    assert all(word in own for word in ("openai:gpt-image-2", "xai", "demo:mosaic", repr(prices["openai:gpt-image-2"])))
    for path in packets.values():
        assert scan(packet_bytes(path), needles) == []

    owner_store = owner.store()
    owner_runs = seen(owner_store, owner_store.load(session_id))

    # ann scores with the CLI, one command per output, by case number and slot letter.
    from tui.scoring.blind import slots

    ann_packet = ann.run("sessions", "import", str(packets["ann"]))
    listing = ann.run("score", ann_packet)
    assert not any(needle.search(listing.encode()) for needle in needles)
    ann_store = ann.store()
    packet = ann_store.load(ann_packet)
    for number, case in enumerate(packet.cases, 1):
        for letter, run in slots(packet, case.id):
            ann.run(
                "score", ann_packet, str(number), letter, verdict_letters("ann", ann_store, packet, run, owner_runs)
            )
    ann_scores = tmp_path / "ann-scores.json"
    ann.run("sessions", "export", ann_packet, "-o", str(ann_scores))

    # bob opens his packet and scores it in the TUI, and exports from its Results screen.
    bob_packet = next(p.packet_id for p in owner.store().load(session_id).packets if p.rater == "bob")
    await score_in_the_tui(bob, packets["bob"], bob_packet, owner_runs, monkeypatch)
    bob_scores = bob.dirs["data"] / "exports" / f"{bob_packet}.json"
    assert bob_scores.is_file()

    # The owner merges ann's with the CLI and bob's from the TUI.
    assert "merged" in subprocess_stderr(owner, "sessions", "import", str(ann_scores))
    await import_in_the_tui(owner, session_id, bob_scores, monkeypatch)
    assert "already merged" in owner.run("sessions", "import", str(ann_scores), expect=2)

    merged = owner.store().load(session_id)
    succeeded = [r for r in merged.runs if r.status == "succeeded"]
    for run in succeeded:
        for rater in ("ann", "bob"):
            score = merged.score_of(run.id, rater)
            assert score is not None and score.blind, (rater, run.model)
            expected = {item.id: truth(rater, run.id, item.id) for item in merged.case(run.case_id).checklist}
            assert score.verdicts == expected, (rater, run.model)
    assert {s.rater for s in merged.scores} == {"ann", "bob"}

    report = json.loads(owner.run("report", session_id, "--format", "json"))
    agreement = report["agreement"]
    assert agreement["raters"] == ["ann", "bob"]
    import krippendorff
    from sklearn.metrics import cohen_kappa_score

    units = [
        (truth("ann", r.id, i.id), truth("bob", r.id, i.id))
        for r in succeeded
        for i in merged.case(r.case_id).checklist
    ]
    code = {"pass": 0, "fail": 1, "partial": 2}
    assert agreement["overall"]["units"] == len(units)
    assert agreement["overall"]["kappa"] == pytest.approx(cohen_kappa_score(*zip(*units, strict=True)), abs=1e-3)
    alpha = krippendorff.alpha(
        reliability_data=[[code[a] for a, _ in units], [code[b] for _, b in units]], level_of_measurement="nominal"
    )
    assert agreement["overall"]["alpha"] == pytest.approx(alpha, abs=1e-3)
    with Image.open(owner_store.abspath(session_id, succeeded[0].images[0].path)) as img:
        assert img.size[0] > 0  # the owner's outputs are untouched by all of this


def subprocess_stderr(machine: Machine, *args: str) -> str:
    env = dict(os.environ) | machine.env
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(
        [sys.executable, "-m", "tui.launch", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stderr
