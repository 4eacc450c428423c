"""The spending guard: what the runs (or the judge questions) about to be sent will cost (from
providers/prices.toml, unknown parts said), a refusal to start above a cap, and the cap the runner and the judge
pass check before every request they send.

The cap bounds what one command (or one start from the TUI) sends: the runner stops sending new requests once
the cost recorded by the runs it finished reaches the cap (a run whose provider reported no cost counts at its
estimate). Requests already in flight finish, so the spend may pass the cap by what they cost. A run not sent is
left ``interrupted`` with error kind ``budget``: a resume (with a higher cap, or none) sends it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.core.model import Run, RunError, Session
from tui.core.validation import InputError, OverBudget

if TYPE_CHECKING:
    from tui.core.registry import Registry

MAX_CAP_USD = 1_000_000.0


def check_cap(value: object, *, key: str = "--max-cost") -> float:
    """A cap in USD: a finite number above 0."""
    try:
        cap = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{value!r} is not an amount in USD (e.g. 2.50)", key=key) from None
    if isinstance(value, bool) or not math.isfinite(cap) or not 0 < cap <= MAX_CAP_USD:
        raise InputError(f"must be more than 0 and at most {MAX_CAP_USD:.0f} (USD)", key=key)
    return cap


def usd(value: float) -> str:
    """Cents, or a tenth of a cent where cents would hide it ($0.077); below that, the digits it takes ($0.0001)."""
    if 0 < value < 0.0005:
        return f"${value:.6f}".rstrip("0")
    return f"${value:.2f}" if value >= 1 or round(value, 2) == round(value, 3) else f"${value:.3f}"


@dataclass(frozen=True)
class Estimate:
    known_usd: float  # the runs (or judged outputs) with a price
    runs: int
    per_run: dict[str, float | None] = field(default_factory=dict)  # run id -> USD, None: no price
    unpriced: dict[str, int] = field(default_factory=dict)  # model (or judge) -> runs without a price
    unit: str = "run"  # what ``runs`` counts: "run", or "output" for a judge pass
    fewer: str = "run fewer models, cases or repeats"  # how to ask for less, said in a refusal
    unknown: tuple[str, ...] = ()  # parts of a priced bill no one can know before sending (a judge's thinking)

    def describe(self) -> str:
        """The estimate as said to a person: $0.40, or ≥ $0.40 + 2 models without a price (a, b), and any part that
        cannot be known before sending; never guessed."""
        parts = list(self.unknown)
        if self.unpriced:
            models = list(self.unpriced)
            shown = ", ".join(models[:3]) + (" …" if len(models) > 3 else "")
            plural = "model" if len(models) == 1 else "models"
            parts.insert(0, f"{len(models)} {plural} without a price ({shown})")
        if not parts:
            return usd(self.known_usd)
        return f"≥ {usd(self.known_usd)} + " + " + ".join(parts)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"known_usd": round(self.known_usd, 6), "runs": self.runs, "unpriced": self.unpriced}
        if self.unknown:
            out["unknown"] = list(self.unknown)
        return out


def estimate_runs(session: Session, runs: Iterable[Run], registry: Registry) -> Estimate:
    """What sending ``runs`` would cost, each at its effective parameters (what the provider will be asked)."""
    from providers.estimate import estimate_request

    per_run: dict[str, float | None] = {}
    unpriced: dict[str, int] = {}
    for run in runs:
        case = session.case(run.case_id)
        n_refs = sum(1 for r in case.references if r.role != "mask")
        try:
            provider, name = registry.resolve(run.model)
            effective = provider.effective_params(name, run.params_requested, n_refs)
            cost = estimate_request(provider.name, name, effective, n_refs, case.prompt)
        except (InputError, KeyError, ValueError):
            cost = None
        per_run[run.id] = cost
        if cost is None:
            unpriced[run.model] = unpriced.get(run.model, 0) + 1
    known = sum(c for c in per_run.values() if c is not None)
    return Estimate(round(known, 6), len(per_run), per_run, unpriced)


# Where a cap is set, named in a refusal so that it says what to change: the command line's flag, the config's
# default (a session opened from Home runs under it) and Compose's field (its label).
CLI_CAP = "--max-cost"
CONFIG_CAP = "[defaults] max_cost in config.toml"
COMPOSE_CAP = "Max cost in USD"


def refuse_above(estimate: Estimate, cap: float | None, *, where: str = CLI_CAP, fewer: str = "") -> None:
    """OverBudget when the priced part alone is above the cap (the unpriced part can only add to it). ``where``
    names the setting to raise (the flag, a field of a screen, the config key), ``fewer`` how to ask for less
    when it is not the estimate's own (a screen that has no such flag)."""
    if cap is not None and estimate.known_usd > cap:
        raise OverBudget(
            f"the estimated cost {estimate.describe()} of {estimate.runs} {estimate.unit}(s) is above the cap of "
            f"{usd(cap)}; nothing was sent (raise {where}, or {fewer or estimate.fewer})"
        )


class Budget:
    """The cap checked before sending each request (by the runner, and by a judge pass), and what the requests
    finished so far cost: the provider's figure when it gave one, else the request's estimate."""

    def __init__(self, cap: float, estimate: Estimate | None = None) -> None:
        self.cap = cap
        self.spent = 0.0
        self._estimates = estimate.per_run if estimate else {}

    def record(self, run: Run) -> None:
        self.spend(run.cost_usd, self._estimates.get(run.id))

    def spend(self, cost_usd: float | None, estimate_usd: float | None = None) -> None:
        """One finished request: what it cost, else what it was estimated to cost (else nothing is known)."""
        cost = cost_usd if cost_usd is not None else estimate_usd
        self.spent += cost or 0.0

    def reached(self) -> bool:
        return self.spent >= self.cap - 1e-9

    def stopped(self) -> str:
        """What a judge pass records for an output it did not ask about."""
        return f"not asked: the spending cap of {usd(self.cap)} was reached ({usd(self.spent)} recorded)"

    def refusal(self, session_id: str) -> RunError:
        return RunError(
            "budget",
            f"not sent: the spending cap of {usd(self.cap)} was reached ({usd(self.spent)} recorded); "
            f"`imgbench sessions resume {session_id}` sends it (with a higher --max-cost, or none)",
        )
