"""The spending guard on the command line: the cap from ``--max-cost`` or the config, the estimate said before
anything is sent, and what to say when the runner stopped at the cap."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from tui.core.budget import Budget, Estimate, check_cap, estimate_runs, refuse_above, usd
from tui.core.context import Context
from tui.core.model import Run, Session
from tui.core.safe_text import visible


def cap_of(value: str | None, ctx: Context) -> float | None:
    """``--max-cost`` when given, else the config's ``[defaults] max_cost``, else no cap."""
    if value is not None:
        return check_cap(value)
    return ctx.config.defaults.max_cost


def checked_estimate(ctx: Context, session: Session, runs: Iterable[Run], cap: float | None) -> Estimate:
    """What sending ``runs`` would cost; OverBudget when it is above the cap."""
    estimate = estimate_runs(session, runs, ctx.registry)
    refuse_above(estimate, cap)
    return estimate


def say_estimate(estimate: Estimate, cap: float | None, *, quiet: bool) -> Budget | None:
    """The estimate on stderr (unless quiet), and the runner's budget when there is a cap."""
    if not quiet:
        capped = f" (cap {usd(cap)})" if cap is not None else ""
        print(visible(f"estimated cost: {estimate.describe()}{capped}", one_line=True), file=sys.stderr, flush=True)
    return Budget(cap, estimate) if cap is not None else None


def guard(ctx: Context, session: Session, runs: Iterable[Run], cap: float | None, *, quiet: bool) -> Budget | None:
    """Refuse above the cap (OverBudget), else say the estimate and give the runner's budget."""
    return say_estimate(checked_estimate(ctx, session, runs, cap), cap, quiet=quiet)


def held_back(session: Session, budget: Budget | None) -> str:
    """The line for runs the cap held back, or "" when it held none."""
    if budget is None:
        return ""
    held = sum(
        1 for r in session.runs if r.status == "interrupted" and r.error is not None and r.error.kind == "budget"
    )
    if not held:
        return ""
    return (
        f"imgbench: stopped at the spending cap of {usd(budget.cap)}: {held} run(s) not sent; "
        f"`imgbench sessions resume {session.id}` sends them ({usd(budget.spent)} recorded)"
    )
