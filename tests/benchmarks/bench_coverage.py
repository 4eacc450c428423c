"""Benchmark: do the pass-rate intervals keep their 95 %? Coverage and width on simulated sessions.

    .venv/bin/python tests/benchmarks/bench_coverage.py [--reps 1000]

Data from tests/sim_support.py (prompt, run and item random effects, two raters who misread 10 % of units).
For each (cases, repeats) size, side by side on the same datasets:

* imgbench: the cluster interval (closed-form two-stage bootstrap variance, t with G-1 df, Wilson shape);
* percentile bootstrap: cases then runs resampled, 2,000 resamples in numpy: the textbook peer;
* Wilson over units, as if they were independent: what imgbench used to report.

Prints coverage (nominal 0.95), mean width and the time per interval. Exit status 1 when the imgbench
interval covers less than 0.93 at any size.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.sim_support import Design, clusters_of, run_sums, truth
from tui.scoring.cluster import cluster_interval, wilson

SIZES = [(3, 1), (3, 3), (6, 1), (6, 3), (12, 1), (12, 3), (24, 2), (48, 1)]


def percentile_bootstrap(sums: np.ndarray, items: int, rng: np.random.Generator, resamples: int = 2000):
    g, r = sums.shape
    cases = rng.integers(0, g, (resamples, g))
    runs = rng.integers(0, r, (resamples, g, r))
    picked = sums[cases[:, :, None], runs]
    rates = picked.sum(axis=(1, 2)) / (g * r * items)
    return np.quantile(rates, [0.025, 0.975])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=1000)
    args = parser.parse_args()
    print(f"{args.reps} simulated sessions per size, 8 items per case, 2 raters; nominal coverage 0.95\n")
    head = f"{'cases':>5} {'repeats':>7} | {'imgbench':>17} | {'percentile boot':>17} | {'Wilson (indep.)':>17}"
    print(head + f" | {'µs / interval (imgbench, boot)':>30}")
    print("-" * len(head) + "-" * 33)
    failed = False
    for cases, repeats in SIZES:
        d = Design(cases=cases, repeats=repeats)
        rng = np.random.default_rng(cases * 100 + repeats)
        true = truth(d, rng)
        sums = run_sums(d, args.reps, rng)
        cover = {"ours": 0, "boot": 0, "wilson": 0}
        width = {"ours": 0.0, "boot": 0.0, "wilson": 0.0}
        t_ours = t_boot = 0.0
        for k in range(args.reps):
            clusters = clusters_of(sums[k], d.items)
            t = time.perf_counter()
            rate, low, high, _ = cluster_interval(clusters)
            t_ours += time.perf_counter() - t
            t = time.perf_counter()
            b_low, b_high = percentile_bootstrap(sums[k], d.items, rng)
            t_boot += time.perf_counter() - t
            w_low, w_high = wilson(rate, cases * repeats * d.items)
            for name, (lo, hi) in {"ours": (low, high), "boot": (b_low, b_high), "wilson": (w_low, w_high)}.items():
                cover[name] += lo <= true <= hi
                width[name] += hi - lo
        cells = [f"{cover[n] / args.reps:.3f} w {width[n] / args.reps:.3f}" for n in ("ours", "boot", "wilson")]
        failed |= cover["ours"] / args.reps < 0.93
        us = f"{t_ours / args.reps * 1e6:.0f}, {t_boot / args.reps * 1e6:.0f}"
        print(f"{cases:>5} {repeats:>7} | {cells[0]:>17} | {cells[1]:>17} | {cells[2]:>17} | {us:>30}")
    print("\ncoverage, then 'w' the mean width (0..1). Below 0.93 for imgbench fails the run.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
