"""Intervals and tests that respect how a benchmark's data is clustered: items within an image, images
(repeats) within a prompt. Standard library only: this runs inside the app.

The data of one model is a set of *cases* (prompts); each case has *runs* (repeats), each run a sum of
unit values and a unit count (a unit is one checklist item of one run, its value already averaged over
the raters who judged it). The pass rate is the pooled ratio sum / count.

Why not Wilson over units: units of one image, and images of one prompt, are correlated, so n units
carry far less information than n independent coin flips; simulated with prompt, run and item effects,
Wilson's "95 %" covers the truth 65–85 % of the time (tests/test_cluster_coverage.py).

The interval here is the cluster bootstrap's: cases resampled, then runs within each case. Its variance
is computed in closed form, the exact limit of that two-stage bootstrap as the number of resamples grows
(linearised ratio): no Monte Carlo noise, the same figure on every machine, and O(units) work, so the
200-session figures stay inside the performance budget. Tests check it against a 20,000-resample bootstrap.
With few cases a bootstrap is too narrow on its own (3 cases give 10 distinct resamples), so the variance
is corrected by G/(G−1) and the interval uses Student's t with G−1 degrees of freedom, shaped as a Wilson
interval at the *effective* sample size p(1−p)/variance, which keeps it inside [0, 1] and honest near 0 and 1.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

Z95 = 1.959963984540054  # two-sided 95 % normal quantile
Z80 = 0.8416212335729143  # one-sided 80 % (power) normal quantile

# Student's t, 0.975 quantile, df 1..30 (from the standard table; scipy.stats.t.ppf checks it in the tests).
_T975 = (
    12.7062047364, 4.30265272975, 3.18244630528, 2.7764451052, 2.57058183661, 2.44691185114, 2.36462425159,
    2.30600413520, 2.26215716280, 2.22813885196, 2.20098516009, 2.17881282966, 2.16036865646, 2.14478668792,
    2.13144954556, 2.11990529922, 2.10981557783, 2.10092204024, 2.09302405441, 2.08596344727, 2.07961384473,
    2.07387306790, 2.06865761042, 2.06389856163, 2.05953855275, 2.05552943864, 2.05183051648, 2.04840714180,
    2.04522964213, 2.04227245630,
)  # fmt: skip

Clusters = Sequence[Sequence[tuple[float, float]]]  # case -> runs -> (sum of unit values, units)


def t975(df: float) -> float:
    """The 0.975 quantile of Student's t (df >= 1); past the table a Cornish–Fisher expansion (error < 1e-4)."""
    if df < 1:
        raise ValueError("t needs at least one degree of freedom")
    d = int(df)
    if d <= len(_T975):
        return _T975[d - 1]
    z = Z95
    return z + (z**3 + z) / (4 * d) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * d * d)


def wilson(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion p observed on n (possibly fractional, effective) trials."""
    if n <= 0:
        return 0.0, 1.0
    p = min(max(p, 0.0), 1.0)
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def ratio_variance(clusters: Clusters, rate: float, total: float, *, small_sample: bool = True) -> float:
    """Variance of the pooled ratio under the two-stage cluster bootstrap, in closed form.

    With z = sum − rate·count per run (linearised ratio), Z_g the case totals and v_g the within-case
    population variance of z over a case's R_g runs: Var* = (Σ Z_g² + Σ R_g·v_g) / total², the first
    term scaled by G/(G−1) for the bootstrap's small-sample bias.
    """
    g = len(clusters)
    between = within = 0.0
    for runs in clusters:
        zs = [s - rate * n for s, n in runs]
        zg = sum(zs)
        between += zg * zg
        if len(zs) > 1:
            mean = zg / len(zs)
            within += sum((z - mean) ** 2 for z in zs)  # R_g · v_g
    if g > 1 and small_sample:
        between *= g / (g - 1)
    return (between + within) / (total * total)


def cluster_interval(clusters: Clusters) -> tuple[float, float, float, float] | None:
    """(rate, low, high, effective n) of the pooled ratio over the clusters; None when nothing counted.

    One case: its runs become the clusters (the interval is then about this prompt only). One run of one
    case: Wilson at n = 1, since a single image says little about the next. When every unit agrees there
    is no spread to measure, so each case counts as one observation.
    """
    clusters = [c for c in clusters if any(n for _, n in c)]
    if len(clusters) == 1 and len(clusters[0]) > 1:
        clusters = [[run] for run in clusters[0] if run[1]]
    total = sum(n for runs in clusters for _, n in runs)
    if not total:
        return None
    rate = sum(s for runs in clusters for s, _ in runs) / total
    g = len(clusters)
    if g < 2:
        low, high = wilson(rate, 1.0)
        return rate, low, high, 1.0
    var = ratio_variance(clusters, rate, total)
    spread = rate * (1 - rate)
    n_eff = float(g) if var <= 1e-15 or spread <= 1e-15 else min(max(spread / var, 1.0), total)
    low, high = wilson(rate, n_eff, t975(g - 1))
    return rate, low, high, n_eff


# -- paired: two models over the cases both were judged on ---------------------------------------------
def paired_difference(a: Clusters, b: Clusters, *, small_sample: bool = True) -> tuple[float, float]:
    """(difference of pooled rates a − b, its two-stage cluster-bootstrap variance), cases aligned by index.

    The linearised difference per run is z_a/N_a − z_b/N_b; a case's two models are resampled together
    (the case is the unit), their runs independently within it.
    """
    na = sum(n for runs in a for _, n in runs)
    nb = sum(n for runs in b for _, n in runs)
    ra = sum(s for runs in a for s, _ in runs) / na
    rb = sum(s for runs in b for s, _ in runs) / nb
    g = len(a)
    between = within = 0.0
    for runs_a, runs_b in zip(a, b, strict=True):
        za = [(s - ra * n) / na for s, n in runs_a]
        zb = [(s - rb * n) / nb for s, n in runs_b]
        zg = sum(za) - sum(zb)
        between += zg * zg
        for zs in (za, zb):
            if len(zs) > 1:
                mean = sum(zs) / len(zs)
                within += sum((z - mean) ** 2 for z in zs)
    if g > 1 and small_sample:
        between *= g / (g - 1)
    return ra - rb, between + within


EXACT_FLIPS = 16  # up to 2**16 sign patterns are enumerated; beyond, a seeded random sample of them


def sign_flip_p(diffs: Sequence[float], *, resamples: int = 20000, seed: int = 0) -> float:
    """Two-sided sign-flip permutation p of Σ d over cases: under "no difference" each case's difference
    is as likely negative as positive. Exact up to 16 cases; beyond, ``resamples`` seeded random flips
    (with the observed pattern counted, so p is never 0)."""
    observed = abs(sum(diffs)) - 1e-12
    if not diffs:
        return 1.0
    if len(diffs) <= EXACT_FLIPS:
        sums = [0.0]
        for d in diffs:
            sums = [x + d for x in sums] + [x - d for x in sums]
        return sum(1 for x in sums if abs(x) >= observed) / len(sums)
    rng = random.Random(seed)
    hits = 1
    for _ in range(resamples):
        total = 0.0
        bits = rng.getrandbits(len(diffs))
        for i, d in enumerate(diffs):
            total += d if bits >> i & 1 else -d
        hits += abs(total) >= observed
    return hits / (resamples + 1)


def cases_for_power(difference: float, variance: float, cases: int, *, power_z: float = Z80) -> int | None:
    """Shared cases needed to tell the two apart with 80 % power at a two-sided 0.05 level, if the true
    difference were the one observed and each case varied as these did: n = (z₀.₉₇₅ + z₀.₈)² σ² / d²,
    with σ² = variance × cases (one case's variance). None when no difference was seen."""
    if cases < 1 or abs(difference) < 1e-12 or variance <= 0:
        return None
    per_case = variance * cases
    return math.ceil((Z95 + power_z) ** 2 * per_case / (difference * difference))


# -- the same interval from summable moments (the session index keeps these, not every run) ----------------
Moments = tuple[float, float, int, float, float, float]  # per case: Σs, Σn, runs, Σs², Σs·n, Σn² over its runs
MOMENTS_NOISE = 1e-8  # relative: moments rounded to 9 places (and float sums) cannot tell a smaller spread from 0


def moments_interval(cases: Sequence[Moments]) -> tuple[float, float, float, float] | None:
    """``cluster_interval`` from per-case sums of the runs' (s, n), s², s·n and n²: what SQLite can add up.
    Same rules: one case makes its runs the clusters; one run of one case is Wilson at n = 1."""
    cases = [c for c in cases if c[1] > 0]
    total = sum(c[1] for c in cases)
    if not total:
        return None
    rate = sum(c[0] for c in cases) / total

    def zz(c: Moments) -> float:  # Σ over the case's runs of (s − rate·n)²
        # The three terms cancel when every run scored the rate itself; the moments are summed as floats and
        # rounded to 9 places, so what is left below that is no spread, as cluster_interval computes it exactly.
        left = c[3] - 2 * rate * c[4] + rate * rate * c[5]
        return left if left > MOMENTS_NOISE * (1.0 + c[3] + rate * rate * c[5]) else 0.0

    if len(cases) == 1:
        g = cases[0][2]
        if g < 2:
            low, high = wilson(rate, 1.0)
            return rate, low, high, 1.0
        var = zz(cases[0]) * g / (g - 1) / (total * total)
    else:
        g = len(cases)
        between = within = 0.0
        for c in cases:
            z = c[0] - rate * c[1]
            between += z * z
            within += max(zz(c) - z * z / c[2], 0.0) if c[2] > 1 else 0.0
        var = (between * g / (g - 1) + within) / (total * total)
    spread = rate * (1 - rate)
    n_eff = float(g) if var <= 1e-15 or spread <= 1e-15 else min(max(spread / var, 1.0), total)
    low, high = wilson(rate, n_eff, t975(g - 1))
    return rate, low, high, n_eff
