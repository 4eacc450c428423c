"""Benchmark: Results statistics and the cross-session leaderboard over 200 sessions x 36 scored runs.

    .venv/bin/python tests/benchmarks/bench_stats.py [--sessions 200] [--repeat 7]

Writes the sessions to a temporary data dir (6 preset cases x 6 models = 36 runs each, every run
scored, a second rater on every fourth session), then times, reading from disk each time:

* leaderboard: every session.json decoded (msgspec, slim structs) + pass rates over common presets, cluster
  intervals, pairwise ranks;
* results: every session fully loaded (Store.load) + summary, categories, items, agreement;
* one session's Results screen: load + the same statistics + a Markdown report;

each beside a naive baseline (json.loads of the whole file, plain dict loops) computing the same
numbers, which are checked equal. Exit status 1 when a budget (300 ms) is missed.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tui.core.model import (
    Attempt,
    Case,
    ChecklistItem,
    OutputImage,
    Params,
    Run,
    Score,
    Session,
    Timings,
)
from tui.core.store import Store, encode_session
from tui.reports.report import render_report
from tui.scoring.agreement import agreement
from tui.scoring.leaderboard import leaderboard
from tui.scoring.stats import wilson_interval
from tui.scoring.summary import results

BUDGET_MS = 300.0
MODELS = [
    "openai:gpt-image-1",
    "xai:grok-imagine-image",
    "gemini:gemini-2.5-flash-image",
    "fal:fal-ai/flux-2-pro",
    "openrouter:google/gemini-2.5-flash-image",
    "demo:mosaic",
]
VALUE = {"pass": 1.0, "partial": 0.5, "fail": 0.0}


def make_session(i: int, rng: random.Random) -> Session:
    cases = []
    for c in range(6):
        items = [
            ChecklistItem(f"c{j}", f"criterion {j} " * 3, "check " * 6, parent="c1" if j == 3 else None)
            for j in range(1, 9 + (c % 3))
        ]
        cases.append(
            Case(
                id=f"case{c}",
                prompt="A flat-lay photograph " * 20,
                preset_id=f"tier-a/cat{c + 1}",
                title=f"Cat {c + 1}",
                category=f"Category {c + 1}",
                checklist=items,
                params=Params(size="1024x1024"),
            )
        )
    runs, scores = [], []
    t = "2026-05-01T10:00:00.000Z"
    for case in cases:
        for m, model in enumerate(MODELS):
            run_id = f"r-{i:03d}-{case.id}-{m}"
            runs.append(
                Run(
                    id=run_id,
                    case_id=case.id,
                    model=model,
                    status="succeeded",
                    attempts=1,
                    attempt_log=[Attempt(t, t, "ok", 200)],
                    params_requested={"size": "1024x1024"},
                    params_effective={"size": "1024x1024", "quality": "high"},
                    timings=Timings(t, t, t, t),
                    latency_ms=rng.uniform(2000, 20000),
                    ttfb_ms=rng.uniform(100, 900),
                    images=[OutputImage(f"images/{run_id}-0.png", "ab" * 32, 1024, 1024, "PNG", 1_500_000)],
                    usage={"input_tokens": 50, "output_tokens": 4160},
                    cost_usd=0.04,
                )
            )
            quality = 0.3 + 0.1 * m
            for rater in ("ann", "bob") if i % 4 == 0 else ("ann",):
                verdicts = {
                    it.id: rng.choices(["pass", "partial", "fail", "na"], [quality, 0.15, 0.75 - quality, 0.1])[0]
                    for it in case.checklist
                }
                scores.append(Score(run_id, rater, verdicts, note="fine", blind=True, scored_at=t))  # type: ignore[arg-type]
    return Session(
        id=f"20260501-100000-{i:06x}",
        name=f"bench {i}",
        created_at=t,
        models=list(MODELS),
        cases=cases,
        runs=runs,
        scores=scores,
        blind=True,
        blind_seed=i,
    )


# -- naive baselines: whole-file json.loads, dict loops ----------------------------------------------
def _naive_verdicts(case: dict, verdicts: dict) -> dict:
    out = {}
    for item in case.get("checklist", []):
        v = verdicts.get(item["id"])
        if v is None:
            continue
        parent = item.get("parent")
        while parent:
            if verdicts.get(parent) == "fail":
                v = "fail"
                break
            parent = next((x.get("parent") for x in case["checklist"] if x["id"] == parent), None)
        out[item["id"]] = v
    return out


def naive_leaderboard(root: Path) -> dict[str, tuple[float, int]]:
    """Per model: (sum of unit values, verdicts), each (run, item) unit averaged over its raters first."""
    acc: dict[str, list[float]] = {}
    for file in sorted(root.glob("sessions/*/session.json")):
        doc = json.loads(file.read_text())
        units: dict[tuple[str, str], list[float]] = {}
        model_of = {}
        for score in doc.get("scores", []):
            run = next(r for r in doc["runs"] if r["id"] == score["run_id"])
            case = next(c for c in doc["cases"] if c["id"] == run["case_id"])
            if not case.get("preset_id"):
                continue
            model_of[run["id"]] = run["model"]
            for item, v in _naive_verdicts(case, score["verdicts"]).items():
                if v != "na":
                    u = units.setdefault((run["id"], item), [0.0, 0])
                    u[0] += VALUE[v]
                    u[1] += 1
        for (run_id, _), (total, k) in units.items():
            a = acc.setdefault(model_of[run_id], [0.0, 0])
            a[0] += total / k
            a[1] += k
    return {m: (round(p, 4), int(n)) for m, (p, n) in acc.items()}


def naive_results(root: Path, only: str = "*") -> int:
    """Per session: pass rates and intervals per model, category and item, on dicts (no agreement, no
    latency or cost figures: the real path does more, so this baseline flatters itself)."""
    cells = 0
    for file in sorted(root.glob(f"sessions/{only}/session.json")):
        doc = json.loads(file.read_text())
        per: dict[tuple, list[float]] = {}
        for score in doc.get("scores", []):
            run = next(r for r in doc["runs"] if r["id"] == score["run_id"])
            case = next(c for c in doc["cases"] if c["id"] == run["case_id"])
            for item, v in _naive_verdicts(case, score["verdicts"]).items():
                if v == "na":
                    continue
                for key in (
                    ("m", run["model"]),
                    ("c", case.get("category"), run["model"]),
                    ("i", case["id"], item, run["model"]),
                ):
                    a = per.setdefault(key, [0.0, 0])
                    a[0] += VALUE[v]
                    a[1] += 1
        for passed, n in per.values():
            wilson_interval(passed, n)  # the same intervals the real one reports
        cells += len(per)
    return cells


def ours_results(store: Store, *, with_agreement: bool) -> int:
    cells = 0
    for entry in sorted(store.sessions_dir.iterdir()):
        session = store.load(entry.name)
        res = results(session)
        cells += len(res.models) + len(res.categories) + len(res.items)
        if with_agreement:
            agreement(session)
    return cells


def one_session(store: Store, session_id: str) -> int:
    session = store.load(session_id)
    return len(render_report(session, "md", store=store))  # results(), agreement() and the tables


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times), result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(42)
    with tempfile.TemporaryDirectory(prefix="imgbench-bench-") as tmp:
        root = Path(tmp)
        store = Store(root)
        total_bytes = 0
        for i in range(args.sessions):
            s = make_session(i, rng)
            data = encode_session(s)
            (store.session_dir(s.id)).mkdir(parents=True)
            store.session_file(s.id).write_bytes(data)
            total_bytes += len(data)
        first = sorted(p.name for p in store.sessions_dir.iterdir())[0]
        print(
            f"{args.sessions} sessions x 36 scored runs, {total_bytes / 1e6:.1f} MB of session.json, "
            f"median (min) of {args.repeat} runs, from disk each time\n"
        )

        lb_med, lb_min, board = timed(lambda: leaderboard(store), args.repeat)
        nlb_med, _, naive = timed(lambda: naive_leaderboard(root), args.repeat)
        mine = {r.model: (r.rate.passed, r.rate.scored) for r in board.rows}  # type: ignore[attr-defined]
        assert mine == naive, (mine, naive)
        few = max(3, args.repeat // 2)
        one_med, one_min, _ = timed(lambda: one_session(store, first), args.repeat)
        none_med, _, _ = timed(lambda: naive_results(root, first), args.repeat)
        rs_med, rs_min, _ = timed(lambda: ours_results(store, with_agreement=False), few)
        nrs_med, _, _ = timed(lambda: naive_results(root), few)
        ag_med, ag_min, _ = timed(lambda: ours_results(store, with_agreement=True), few)

        rows = [
            ("leaderboard, all sessions", lb_med, lb_min, nlb_med, BUDGET_MS),
            ("Results screen, one session *", one_med, one_min, none_med, BUDGET_MS),
            ("results, all sessions in turn", rs_med, rs_min, nrs_med, None),
            ("  + agreement, all sessions", ag_med, ag_min, None, None),
        ]
        failed = False
        print(f"{'task':<34} {'imgbench':>17} {'naive':>10} {'speed-up':>9}  budget")
        for name, med, low, base, budget in rows:
            speed = f"{base / med:.1f}x" if base else "–"
            verdict = "" if budget is None else ("ok" if med <= budget else "OVER")
            failed |= verdict == "OVER"
            base_s = f"{base:.1f} ms" if base else "–"
            print(
                f"{name:<34} {med:>8.1f} ({low:.1f}) ms {base_s:>10} {speed:>9}  "
                f"{f'<= {budget:.0f} ms ' + verdict if budget else ''}"
            )
        print(
            "\n* load + summary, categories, items, agreement, Bradley-Terry and the Markdown tables; the naive"
            "\n  baselines compute only the pass-rate sums and Wilson intervals (no latency, cost or agreement)."
        )
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
