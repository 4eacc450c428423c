"""Shared by the robustness tests: the CLI as a subprocess, a 36-run Tier-A session, on-disk invariants."""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tui.core.model import Session
from tui.core.store import Store

ROOT = Path(__file__).resolve().parents[2]
DEMO3 = ("demo:mosaic", "demo:aurora", "demo:sketch")


def cli(*args: str) -> list[str]:
    """``imgbench ARGS`` as an argv for a child process (the same interpreter and checkout as the tests)."""
    return [sys.executable, "-m", "tui.launch", *args]


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)  # carries the per-test IMGBENCH_*_DIR overrides set by conftest
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def spawn(args: Sequence[str], **extra_env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cli(*args), cwd=ROOT, env=child_env(**extra_env), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def run_cli(*args: str, timeout: float = 60.0, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli(*args), cwd=ROOT, env=child_env(**extra_env), capture_output=True, text=True, timeout=timeout
    )


def tier_a_refs(folder: Path) -> list[str]:
    """``--ref`` arguments filling every reference slot of the six Tier-A presets."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    refs = []
    for i, (slot, name) in enumerate(
        (
            ("tier-a/cat4", "person.png"),
            ("tier-a/cat5", "room.png"),
            ("tier-a/cat6", "face.png"),
            ("tier-a/cat6", "style.png"),
            ("tier-a/cat6#3", "scene.png"),
        )
    ):
        path = folder / name
        Image.new("RGB", (48 + 8 * i, 64), (40 * i, 90, 200 - 30 * i)).save(path)
        refs += ["--ref", f"{slot}={path}"]
    return refs


def tier_a_run_args(folder: Path, *, repeat: int = 2, concurrency: int = 6) -> list[str]:
    """36 runs: the six Tier-A presets x three demo models x ``repeat`` 2."""
    models = [a for m in DEMO3 for a in ("--model", m)]
    return [
        "run",
        "--preset",
        "tier-a",
        *models,
        *tier_a_refs(folder),
        "--repeat",
        str(repeat),
        "--concurrency",
        str(concurrency),
    ]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_outputs(store: Store, session: Session) -> None:
    """Every succeeded run has its images on disk with the recorded sha256; every reference likewise."""
    for run in session.runs:
        if run.status == "succeeded":
            assert run.images, f"{run.id} succeeded without an image"
            for image in run.images:
                path = store.abspath(session.id, image.path)
                assert path.is_file(), f"{run.id}: {image.path} missing"
                assert sha256(path) == image.sha256, f"{run.id}: {image.path} does not match its sha256"
                assert path.stat().st_size == image.bytes
    for case in session.cases:
        for ref in case.references:
            assert sha256(store.abspath(session.id, ref.path)) == ref.sha256


def set_demo_config(config_dir: Path, *, latency_ms: float, fail_rate: float = 0.0) -> None:
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.toml").write_text(
        f"[providers.demo]\nlatency_ms = {latency_ms}\nfail_rate = {fail_rate}\n", encoding="utf-8"
    )


# -- many realistic sessions, fast ------------------------------------------------------------------------------
def realistic_session(index: int, *, runs_per_case: int = 1, models: Sequence[str] = DEMO3) -> Session:
    """A finished Tier-A session as a person leaves it: six presets x models, scored by two raters.

    ``index`` makes the id, the creation time (one minute apart, index 0 the oldest) and the outputs unique.
    """
    import random
    from datetime import UTC, datetime, timedelta

    from tui.core.model import (
        Attempt,
        Case,
        ChecklistItem,
        OutputImage,
        Params,
        Reference,
        Run,
        RunError,
        Score,
        Timings,
    )

    rng = random.Random(index)
    presets = _tier_a()
    created = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=index)
    stamp = created.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    cases = []
    for n, preset in enumerate(presets):
        refs = [
            Reference(
                hashlib.sha256(f"{index}/{n}/{s}".encode()).hexdigest(),
                f"refs/{hashlib.sha256(f'{index}/{n}/{s}'.encode()).hexdigest()}.png",
                "PNG",
                1024,
                1536,
                slot=slot.id,
                filename=f"{slot.id}.png",
            )
            for s, slot in enumerate(preset.reference_slots)
        ]
        cases.append(
            Case(
                id=f"c{index:04d}{n}",
                prompt=preset.prompt,
                mode=preset.mode,
                preset_id=preset.id,
                title=preset.title,
                category=preset.category,
                references=refs,
                checklist=[ChecklistItem(i.id, i.criterion, i.check, i.parent) for i in preset.checklist],
                params=Params(aspect="1:1"),
                repeats=runs_per_case,
            )
        )
    runs, scores = [], []
    for case in cases:
        for model in models:
            for repeat in range(runs_per_case):
                run_id = f"r-{index:04d}{len(runs):05d}"
                ok = rng.random() > 0.08
                runs.append(
                    Run(
                        id=run_id,
                        case_id=case.id,
                        model=model,
                        repeat=repeat,
                        status="succeeded" if ok else "failed",
                        attempts=1 if ok else 3,
                        attempt_log=[Attempt(stamp, stamp, "ok" if ok else "server", 200 if ok else 500)],
                        params_requested={"aspect": "1:1"},
                        params_effective={"size": "1024x1024", "aspect": "1:1", "quality": "high"},
                        timings=Timings(stamp, stamp, stamp, stamp),
                        latency_ms=round(rng.uniform(4000, 60000), 1) if ok else None,
                        ttfb_ms=round(rng.uniform(3000, 50000), 1) if ok else None,
                        error=None
                        if ok
                        else RunError("server", "The server had an error processing your request", 500),
                        images=[
                            OutputImage(
                                f"images/{run_id}-0.png", hashlib.sha256(run_id.encode()).hexdigest(), 1024, 1024, "PNG"
                            )
                        ]
                        if ok
                        else [],
                        revised_prompt=None,
                        usage={"input_tokens": 60, "output_tokens": 4160, "total_tokens": 4220} if ok else None,
                        cost_usd=round(rng.uniform(0.01, 0.2), 4) if ok else None,
                    )
                )
                if ok:
                    for rater in ("ana", "bo"):
                        verdicts = {i.id: rng.choice(("pass", "pass", "fail", "partial")) for i in case.checklist}
                        scores.append(Score(run_id, rater, verdicts, note="", blind=True, scored_at=stamp))
    return Session(
        id=created.strftime("%Y%m%d-%H%M%S-") + f"{index:06x}",
        name=f"tier-a sweep {index}",
        created_at=stamp,
        updated_at=stamp,
        tool_version="0.1.0",
        blind=True,
        blind_seed=index,
        models=list(models),
        cases=cases,
        runs=runs,
        scores=scores,
    )


@functools.cache
def _tier_a() -> list:
    from presets import load_catalog

    catalog = load_catalog(None)
    return [catalog.get(f"tier-a/cat{i}") for i in range(1, 7)]


def write_sessions(root: Path, count: int) -> list[str]:
    """``count`` realistic sessions under ``root/sessions`` (one template, re-stamped: seconds, not minutes)."""
    import json

    from tui.core.store import SESSION_FILE, encode_session

    template = json.loads(encode_session(realistic_session(0)))
    ids = []
    for index in range(count):
        session = realistic_session(index) if index < 3 else None
        if session is None:  # same shape, new identity: 1,000 full builds would dominate the benchmark
            doc = dict(template)
            stamp = f"2026-01-{1 + index // 1440:02d}T{index // 60 % 24:02d}:{index % 60:02d}:00.000Z"
            doc.update(id=f"2026{index:010d}", name=f"tier-a sweep {index}", created_at=stamp, updated_at=stamp)
            data = json.dumps(doc, indent=1).encode()
            session_id = doc["id"]
        else:
            data = encode_session(session)
            session_id = session.id
        folder = root / "sessions" / session_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / SESSION_FILE).write_bytes(data)
        ids.append(session_id)
    return ids
