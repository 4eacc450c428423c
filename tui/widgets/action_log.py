"""With ``IMGBENCH_ACTION_LOG=FILE`` set, the App appends every action it runs and every screen it shows, one
tab-separated line each: how the pseudo-terminal tests (tests/tui/test_keys_pty.py) see that a key's bytes reached
its binding. Unset (always, for a person), nothing is written."""

from __future__ import annotations

import os


def record(*fields: object) -> None:
    path = os.environ.get("IMGBENCH_ACTION_LOG")
    if not path:
        return
    line = "\t".join(str(f).replace("\t", " ").replace("\n", " ") for f in fields)
    try:
        with open(path, "a", encoding="utf-8") as out:
            out.write(line + "\n")
    except OSError:
        pass  # a test aid: never a reason for the app to fail
