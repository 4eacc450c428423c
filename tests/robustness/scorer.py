"""A second writer, as the TUI is one: give scores in a loop through ``Store.mutate`` until told to stop.

``python -m tests.robustness.scorer SESSION_ID RATER SEED STOP_FILE`` prints, as JSON, the last verdicts and note
it gave per run, which is what the session must hold at the end.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

from tui.core.model import Score, Session
from tui.core.store import Store


def main(session_id: str, rater: str, seed: str, stop_file: str) -> int:
    rng = random.Random(seed)
    store = Store()
    stop = Path(stop_file)
    given: dict[str, tuple[dict[str, str], str]] = {}
    n = 0
    while not stop.exists():
        n += 1
        run_ids = [r.id for r in store.load(session_id).runs]
        run_id = rng.choice(run_ids)
        verdicts = {f"c{i}": rng.choice(("pass", "fail", "partial", "na")) for i in range(1, 4)}
        note = f"{rater} #{n}"

        at = f"2026-01-01T00:00:{n % 60:02d}.000Z"

        def change(session: Session, run_id: str = run_id, verdicts: dict = verdicts, note: str = note, at=at) -> None:
            session.set_score(Score(run_id, rater, verdicts, note=note, scored_at=at))

        store.mutate(session_id, change)
        given[run_id] = (verdicts, note)
        time.sleep(rng.uniform(0, 0.01))
    json.dump({"iterations": n, "given": given}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
