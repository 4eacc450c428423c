"""Simulated benchmark data with the correlation real sessions have, for coverage tests and the benchmark.

A pass on item i of run r of case (prompt) g happens with probability sigmoid(mu + a_g + b_gr + c_gi):
a prompt effect (some prompts are hard for a model), a run effect (one image of a prompt came out
better than another) and an item effect (some criteria are hard), all normal. Two raters judge every unit
and each misreads it with probability ``flip``; a unit's value is the raters' mean, as imgbench counts it.
The truth is the expected rater verdict over all three effects, found by a large Monte Carlo draw.
numpy is a dev dependency only: imgbench itself never imports it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Design:
    cases: int
    repeats: int
    items: int = 8
    mu: float = 0.4
    sd_case: float = 1.0
    sd_run: float = 0.5
    sd_item: float = 1.0
    raters: int = 2
    flip: float = 0.1


def truth(d: Design, rng: np.random.Generator, draws: int = 1_000_000) -> float:
    x = rng.normal(d.mu, np.sqrt(d.sd_case**2 + d.sd_run**2 + d.sd_item**2), draws)
    p = 1 / (1 + np.exp(-x))
    return float(np.mean(p * (1 - d.flip) + (1 - p) * d.flip))


def run_sums(d: Design, reps: int, rng: np.random.Generator) -> np.ndarray:
    """(reps, cases, repeats) sums of unit values over a run's items (each unit = the raters' mean)."""
    a = rng.normal(0, d.sd_case, (reps, d.cases, 1, 1))
    b = rng.normal(0, d.sd_run, (reps, d.cases, d.repeats, 1))
    c = rng.normal(0, d.sd_item, (reps, d.cases, 1, d.items))
    p = 1 / (1 + np.exp(-(d.mu + a + b + c)))
    passed = rng.random((reps, d.cases, d.repeats, d.items)) < p
    flips = rng.random((d.raters, reps, d.cases, d.repeats, d.items)) < d.flip
    verdicts = np.where(flips, ~passed, passed).mean(axis=0)
    return verdicts.sum(axis=3)


def clusters_of(sums: np.ndarray, items: int) -> tuple[tuple[tuple[float, int], ...], ...]:
    """One simulated dataset as imgbench's clusters: case -> runs -> (sum, units)."""
    return tuple(tuple((float(s), items) for s in case) for case in sums)
