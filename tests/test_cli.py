"""The headless CLI: the same core as the TUI, exit codes, and clean one-line errors."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tui.cli.main import main
from tui.core.store import Store
from tui.reports.export import SCHEMA_FILE

DEMO3 = ["--model", "demo:mosaic", "--model", "demo:aurora", "--model", "demo:sketch"]


def tier_a_refs(make_image) -> list[str]:
    person = make_image("person.png", (90, 160), (120, 100, 90))
    room = make_image("room.jpg", (160, 120), (200, 190, 170), "JPEG")
    face, style, scene = (
        make_image(f"{n}.png", (64, 64), c)
        for n, c in (("face", (180, 140, 120)), ("style", (90, 150, 90)), ("scene", (60, 60, 120)))
    )
    return [
        "--ref",
        f"tier-a/cat4={person}",
        "--ref",
        f"tier-a/cat5={room}",
        "--ref",
        f"tier-a/cat6={face}",
        "--ref",
        f"tier-a/cat6={style}",
        "--ref",
        f"tier-a/cat6#3={scene}",
    ]


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_tier_a_headless_three_demo_models_exports_every_run(fast_demo, make_image, data_dir, capsys, tmp_path):
    code, out, err = run_cli(capsys, "run", "--preset", "tier-a", *DEMO3, *tier_a_refs(make_image))
    assert code == 0, err
    session_id = out.strip()
    assert "18 succeeded" in err
    code, out, err = run_cli(capsys, "sessions", "export", session_id)
    assert code == 0
    doc = json.loads(out)
    jsonschema.validate(doc, json.loads(SCHEMA_FILE.read_text()))
    assert len(doc["cases"]) == 6 and len(doc["runs"]) == 18
    assert [c["preset_id"] for c in doc["cases"]] == [f"tier-a/cat{i}" for i in range(1, 7)]
    assert [len(c["references"]) for c in doc["cases"]] == [0, 0, 0, 1, 1, 3]
    cat6 = doc["cases"][5]
    assert [r["slot"] for r in cat6["references"]] == ["identity", "style", "scene"]
    for run in doc["runs"]:
        assert run["status"] == "succeeded" and run["attempts"] == 1
        assert run["params_effective"]["size"]
        (image,) = run["images"]
        data = Path(image["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == image["sha256"]
    for ref in (r for c in doc["cases"] for r in c["references"]):
        assert hashlib.sha256(Path(ref["path"]).read_bytes()).hexdigest() == ref["sha256"]
    # cat4 asks for a 9:16 frame: the square-only demo model says what it really made.
    cat4_runs = [r for r in doc["runs"] if r["case_id"] == doc["cases"][3]["id"]]
    effective = {r["model"]: r["params_effective"] for r in cat4_runs}
    assert effective["demo:sketch"]["aspect"] == "1:1" and effective["demo:aurora"]["aspect"] == "9:16"
    assert all(r["params_requested"] == {"aspect": "9:16"} for r in cat4_runs)
    assert set(doc["summary"]) == {"demo:mosaic", "demo:aurora", "demo:sketch"}

    # Export to a file with the session's images/ and refs/ beside it, import elsewhere: the same document,
    # paths aside (an import takes files only from beside the export, never from the absolute paths it names).
    export = tmp_path / "export.json"
    assert run_cli(capsys, "sessions", "export", session_id, "-o", str(export))[0] == 0
    for folder in ("images", "refs"):
        shutil.copytree(data_dir / "sessions" / session_id / folder, tmp_path / folder)
    other = tmp_path / "other-data"
    import os

    os.environ["IMGBENCH_DATA_DIR"] = str(other)
    code, out, err = run_cli(capsys, "sessions", "import", str(export))
    assert code == 0 and out.strip() == session_id
    code, out, _ = run_cli(capsys, "sessions", "export", session_id)
    again = json.loads(out)

    def strip_paths(d):
        for run in d["runs"]:
            for im in run["images"]:
                im.pop("path")
        for case in d["cases"]:
            for r in case["references"]:
                r.pop("path")
        return d

    for run in again["runs"]:
        assert Path(run["images"][0]["path"]).is_relative_to(other)
        assert Path(run["images"][0]["path"]).is_file()
    assert strip_paths(again) == strip_paths(json.loads(export.read_text()))


def test_prompt_with_ref_and_failures_exit_3(config_dir, make_image, capsys, data_dir):
    (config_dir / "config.toml").write_text("[providers.demo]\nlatency_ms = 5\nfail_rate = 1.0\n")
    ref = make_image()
    code, out, err = run_cli(
        capsys, "run", "--prompt", "a cat", "--ref", str(ref), "--model", "demo:aurora", "--model", "demo:mosaic"
    )
    assert code == 3, err
    session = Store(data_dir).load(out.strip())
    statuses = {r.model: r.status for r in session.runs}
    assert statuses == {"demo:aurora": "failed", "demo:mosaic": "succeeded"}
    failed = next(r for r in session.runs if r.model == "demo:aurora")
    assert failed.error is not None and failed.error.kind in {"rate_limit", "server", "content_policy"}
    assert failed.attempts >= 1 and len(failed.attempt_log) == failed.attempts
    assert session.cases[0].mode == "i2i"


BAD = [
    (["run", "--preset", "tier-a/cat9", "--model", "demo:mosaic"], "tier-a/cat"),
    (["run", "--prompt", "x", "--model", "demo:mosiac"], "did you mean 'mosaic'"),
    (["run", "--prompt", "x", "--model", "nope:thing"], "unknown provider"),
    (["run", "--prompt", "x", "--model", "demo"], "provider:model"),
    (["run", "--prompt", "x", "--ref", "/no/such/file.png", "--model", "demo:mosaic"], "no such file"),
    (["run", "--preset", "tier-a/cat4", "--model", "demo:mosaic"], "needs a reference for slot"),
    (["run", "--prompt", "x", "--model", "demo:mosaic", "--size", "big"], "--size"),
    (["run", "--prompt", "x", "--model", "demo:mosaic", "--repeat", "0"], "--repeat"),
    (["run", "--prompt", "   ", "--model", "demo:mosaic"], "prompt is empty"),
    (["run", "--model", "demo:mosaic"], "nothing to run"),
    (["run", "--prompt", "x"], "no model"),
    (["sessions", "export", "20990101-000000-abcdef"], "no session"),
    (["sessions", "export", "../../etc"], "not a session id"),
    (["bogus"], "invalid choice"),
]


@pytest.mark.parametrize(("argv", "expected"), BAD, ids=[" ".join(a)[:40] for a, _ in BAD])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(argv, expected, fast_demo, capsys, data_dir):
    with pytest.raises(SystemExit) if argv == ["bogus"] else _no_raise() as caught:
        code = main(argv)
    if argv == ["bogus"]:
        code = caught.value.code
    _, err = capsys.readouterr()
    assert code == 2
    assert expected in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    sessions = data_dir / "sessions"
    assert not sessions.exists() or not any(sessions.iterdir())


class _no_raise:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_non_image_ref_names_the_file(fast_demo, tmp_path, capsys, data_dir):
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    code, _, err = run_cli(capsys, "run", "--prompt", "x", "--ref", str(bad), "--model", "demo:mosaic")
    assert code == 2 and str(bad) in err and "not an image" in err
    assert not (data_dir / "sessions").exists() or not any((data_dir / "sessions").iterdir())


def test_malformed_user_preset_is_reported_and_others_still_run(fast_demo, config_dir, capsys):
    presets = config_dir / "presets"
    presets.mkdir()
    (presets / "broken.toml").write_text('id = "mine/one"\ntitle = "x"\nmode = "t2x"\n')
    code, out, err = run_cli(capsys, "presets")
    assert code == 0 and "broken.toml" in err and "tier-a/cat1" in out
    code, _, err = run_cli(capsys, "run", "--preset", "mine/one", "--model", "demo:mosaic")
    assert code == 2 and "mine/one" in err


def test_corrupt_session_does_not_take_the_others_down(fast_demo, capsys, data_dir):
    code, out, _ = run_cli(capsys, "run", "--prompt", "ok", "--model", "demo:mosaic")
    good = out.strip()
    broken = data_dir / "sessions" / "20200101-000000-bad000"
    broken.mkdir(parents=True)
    (broken / "session.json").write_text('{"id": "20200101-000000-bad000", "name": ')
    code, out, err = run_cli(capsys, "sessions", "list")
    assert code == 0 and good in out and "session.json" in err and "corrupt" in err
    code, _, err = run_cli(capsys, "sessions", "export", "20200101-000000-bad000")
    assert code == 2 and str(broken / "session.json") in err
    assert run_cli(capsys, "sessions", "export", good)[0] == 0


def test_config_errors_name_file_key_and_line(config_dir, capsys):
    (config_dir / "config.toml").write_text('rater = "me"\n\n[providers.demo]\nlatency = 5\n')
    code, _, err = run_cli(capsys, "models")
    assert code == 2
    assert f"{config_dir / 'config.toml'}:4: providers.demo.latency: unknown key (did you mean 'latency_ms'?)" in err


def test_version_is_fast_and_imports_nothing_heavy():
    probe = (
        "import sys, tui.launch; sys.argv=['imgbench','--version']\n"
        "try:\n    tui.launch.main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('textual', 'httpx', 'PIL', 'msgspec') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "imgbench 0.1.0" in out and "HEAVY []" in out


def test_locate_honours_overrides(capsys, config_dir, data_dir):
    code, out, _ = run_cli(capsys, "locate")
    assert code == 0 and str(config_dir / "config.toml") in out and str(data_dir / "sessions") in out


def test_a_model_that_cannot_take_the_case_is_refused_before_anything_runs(
    fast_demo, make_image, capsys, monkeypatch, data_dir
):
    monkeypatch.setenv("OPENAI_API_KEY", "PLANTED-NOT-A-KEY")
    code, _, err = run_cli(
        capsys,
        "run",
        "--prompt",
        "x",
        "--ref",
        str(make_image()),
        "--model",
        "demo:mosaic",
        "--model",
        "openai:dall-e-3",
    )
    assert code == 2 and "openai:dall-e-3 does not do image-to-image" in err
    assert not (data_dir / "sessions").exists() or not any((data_dir / "sessions").iterdir())
