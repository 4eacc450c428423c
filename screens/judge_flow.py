"""Judge from the TUI: ask which judge (``PROVIDER:MODEL``, optionally followed by a cap in USD; ``demo:pixels``
works offline), run the judge pass in a worker, say what it did and refresh the screen. The same pass, estimate
and spending cap as ``imgbench judge`` (``JudgePass.guard``): above the cap nothing is sent; at it the pass stops
sending, and a later pass (its items unscored) asks the rest."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.screen import Screen

from tui.widgets.workbench import ask_then_work

DEFAULT_JUDGE = "demo:pixels"


def judge_session(screen: Screen, session_id: str, *, then: Callable[[], object]) -> None:
    cap = screen.app.ctx.config.defaults.max_cost  # type: ignore[attr-defined]
    ask_then_work(
        screen,
        "note",
        # Short enough for an 80-column terminal: the dialog shows its title on one line.
        "Judge: PROVIDER:MODEL and a USD cap if any (demo:pixels: offline)",  # no [ ]: markup
        DEFAULT_JUDGE if cap is None else f"{DEFAULT_JUDGE} {cap:g}",  # the config's cap, filled in
        placeholder="openai:gpt-4.1-mini 0.50 · gemini:gemini-2.5-flash · openrouter:… · demo:pixels",
        work=lambda answer: _judge(screen, session_id, answer, then),
        group="judge",
        description="Judging the outputs",
    )


def judge_and_cap(answer: str) -> tuple[str, float | None]:
    """``PROVIDER:MODEL [USD]``: the judge and the cap typed after it (checked like --max-cost), or no cap."""
    from tui.core.budget import check_cap
    from tui.core.validation import InputError

    words = answer.split()
    if len(words) > 2:
        raise InputError("give PROVIDER:MODEL, then at most a cap in USD (e.g. openai:gpt-4.1-mini 0.50)", key="judge")
    cap = check_cap(words[1].removeprefix("$"), key="cap") if len(words) == 2 else None
    return words[0], cap


def _judge(screen: Screen, session_id: str, answer: str, then: Callable[[], object]) -> None:
    from tui.core.budget import usd
    from tui.core.judge_spec import resolve_judge
    from tui.core.judging import JudgePass
    from tui.core.safe_text import visible
    from tui.core.validation import OverBudget
    from tui.core.wording import count

    app = screen.app
    ctx = app.ctx  # type: ignore[attr-defined]
    judge_id, cap = judge_and_cap(answer)  # an InputError goes through the one error path
    spec = resolve_judge(ctx.registry, judge_id)
    judge_pass = JudgePass(ctx.store, ctx.store.load(session_id), spec)
    try:
        unscored = f"imgbench judge {session_id} --model {judge_id} --items unscored"
        typed = f"the cap typed after the judge ({judge_id} 2.00), or leave it out for none"
        estimate = judge_pass.guard(cap, where=typed, fewer=f"judge fewer items: {unscored}")
    except OverBudget as exc:
        app.call_from_thread(app.notify, visible(str(exc)), title="Not judged", severity="warning", timeout=15)
        return
    capped = f" (cap {usd(cap)})" if cap is not None else ""
    app.call_from_thread(app.notify, visible(f"Estimated cost: {estimate.describe()}{capped}"), title="Spending")
    result = asyncio.run(judge_pass.execute())
    said = (
        f"{count(result.outputs, 'output')}, {count(result.asked, 'item')} asked, {result.cached} from the cache"
        + (f"; {len(result.failed)} with errors: {result.failed[0][1]}" if result.failed else "")
        + (
            f"; stopped at the cap: {count(result.held, 'output')} not judged in full (judge again to ask the rest)"
            if result.held
            else ""
        )
        + (" (demo judge: from the pixels, not a model)" if spec.judge.demo else "")
    )
    app.call_from_thread(app.notify, visible(said, one_line=True), title=f"Judged by {spec.rater}", timeout=10)
    app.call_from_thread(then)
