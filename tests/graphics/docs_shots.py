"""Make docs/review-kitty.png and docs/review-xterm-sixel.png: Review of a demo session in real terminals under Xvfb.

.venv312/bin/python -m tests.graphics.docs_shots
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.graphics import xsupport

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        env = {"IMGBENCH_CONFIG_DIR": f"{tmp}/config", "IMGBENCH_DATA_DIR": f"{tmp}/data",
               "IMGBENCH_CACHE_DIR": f"{tmp}/cache", "COLORTERM": "truecolor",
               "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}  # fmt: skip
        (base / "config").mkdir()
        config = 'rater = "docs"\n[providers.demo]\nlatency_ms = 10\nfail_rate = 0\n'
        (base / "config" / "config.toml").write_text(config)
        subprocess.run(["imgbench", "run", "--preset", "tier-a/cat1", "--model", "demo:mosaic", "--model",
                        "demo:aurora", "--model", "demo:sketch"], env={**os.environ, **env}, check=True,
                       capture_output=True)  # fmt: skip
        with xsupport.xvfb() as display:
            shots = (("kitty", "review-kitty", None), ("xterm", "review-xterm-sixel", (0, 0, 886, 584)))
            for kind, name, crop in shots:
                with xsupport.terminal(display, kind, ["imgbench"], env):
                    display.wait_drawn()
                    display.keys("Return")
                    time.sleep(4)  # the thumbnails are made, then encoded for the terminal
                    display.wait_drawn()
                    shot = display.screenshot()
                    (shot.crop(crop) if crop else shot).save(ROOT / "docs" / f"{name}.png", optimize=True)
                    display.keys("ctrl+q")


if __name__ == "__main__":
    main()
