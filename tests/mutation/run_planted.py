"""Plant the bugs of tests/mutation/planted.toml one at a time and check that their tests catch each; by hand.

    .venv/bin/python tests/mutation/run_planted.py            # every bug
    .venv/bin/python tests/mutation/run_planted.py --only 402  # the bugs whose description holds "402"

The bugs are planted in a scratch copy of the working tree, never in it. Exit status 1 when any bug survives,
or when an edit no longer matches the code (a refactor moved it: update planted.toml).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
IGNORED = shutil.ignore_patterns(".venv*", ".git", "__pycache__", ".hypothesis")


def scratch_tree(into: Path) -> Path:
    """A copy of the working tree to plant bugs in (cosmic-ray and this script both edit files in place)."""
    work = into / "tree"
    shutil.copytree(ROOT, work, ignore=IGNORED)
    return work


def plant(work: Path, edits: list[dict[str, str]]) -> dict[Path, str]:
    """Apply the edits; the original text of each file touched, to put back."""
    originals: dict[Path, str] = {}
    for edit in edits:
        path = work / edit["file"]
        originals.setdefault(path, path.read_text())
        current = path.read_text()
        if current.count(edit["old"]) != 1:
            restore(originals)
            raise LookupError(f"{edit['file']}: the text to replace occurs {current.count(edit['old'])} times")
        path.write_text(current.replace(edit["old"], edit["new"]))
    return originals


def restore(originals: dict[Path, str]) -> None:
    for path, text in originals.items():
        path.write_text(text)


def caught(work: Path, tests: list[str]) -> tuple[bool, str]:
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    done = subprocess.run(command, cwd=work, capture_output=True, text=True)
    return done.returncode != 0, (done.stdout.strip().splitlines() or [""])[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="only bugs whose description holds this text")
    args = parser.parse_args()
    bugs = tomllib.loads((HERE / "planted.toml").read_text())["bug"]
    if args.only:
        bugs = [b for b in bugs if args.only.lower() in b["what"].lower()]
    failures = 0
    with tempfile.TemporaryDirectory(prefix="imgbench-planted-") as scratch:
        work = scratch_tree(Path(scratch))
        clean, last = caught(work, sorted({t for b in bugs for t in b["tests"]}))
        if clean:
            raise SystemExit(f"the tests fail with no bug planted: {last}")
        for bug in bugs:
            try:
                originals = plant(work, bug["edit"])
            except LookupError as exc:
                print(f"STALE    {bug['what']}: {exc}")
                failures += 1
                continue
            try:
                ok, last = caught(work, bug["tests"])
            finally:
                restore(originals)
            failures += not ok
            print(f"{'caught  ' if ok else 'SURVIVED'} {bug['what']}  ({last})", flush=True)
    print(f"{len(bugs) - failures} of {len(bugs)} planted bugs caught")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
