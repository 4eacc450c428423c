"""What the terminal tests run imgbench with: private config, data and cache dirs, and a session whose two
outputs are the test picture (the demo models draw something else)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.graphics import pictures

BIN = Path(sys.executable).parent


def imgbench_env(tmp_path: Path) -> dict[str, str]:
    return {
        "IMGBENCH_CONFIG_DIR": str(tmp_path / "config"),
        "IMGBENCH_DATA_DIR": str(tmp_path / "data"),
        "IMGBENCH_CACHE_DIR": str(tmp_path / "cache"),
        "COLORTERM": "truecolor",
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
    }


def session_with_pictures(tmp_path: Path) -> str:
    env = {**os.environ, **imgbench_env(tmp_path)}
    (tmp_path / "config").mkdir(exist_ok=True)
    config = 'rater = "tester"\n[providers.demo]\nlatency_ms = 10\nfail_rate = 0\n'
    (tmp_path / "config" / "config.toml").write_text(config)
    out = subprocess.run(
        [str(BIN / "imgbench"), "run", "--prompt", "four quadrants", "--model", "demo:mosaic", "--model",
         "demo:aurora"],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    # The session's folder, not run's stdout: under load that once came back empty though run succeeded
    # (seen twice in tests/graphics on 2026-12-02 with the session on disk; reported, not chased here).
    (folder,) = [p for p in (tmp_path / "data" / "sessions").iterdir() if (p / "session.json").is_file()]
    session_id = folder.name
    assert out.stdout.strip() in ("", session_id), out.stdout
    doc = json.loads((folder / "session.json").read_text())
    for run in doc["runs"]:
        image = run["images"][0]
        target = folder / image["path"]
        pictures.picture().save(target)
        data = target.read_bytes()
        image.update(sha256=hashlib.sha256(data).hexdigest(), width=512, height=512, bytes=len(data), format="PNG")
    (folder / "session.json").write_text(json.dumps(doc))
    return session_id
