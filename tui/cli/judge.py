"""``imgbench judge SESSION --model PROVIDER:MODEL``: an AI judge (or ``demo:pixels``, offline) answers the
checklist of every output; its verdicts are the score of rater ``judge:PROVIDER:MODEL``, never a person's."""

from __future__ import annotations

import argparse
import asyncio
import sys

from tui.cli.main import EXIT_OK, EXIT_OVER_BUDGET, EXIT_RUNS_FAILED
from tui.core.context import Context
from tui.core.safe_text import visible
from tui.core.wording import count


def cmd_judge(args: argparse.Namespace) -> int:
    from tui.cli.spending import cap_of, say_estimate
    from tui.core.budget import usd
    from tui.core.judge_spec import resolve_judge
    from tui.core.judging import JudgeEvent, JudgePass

    ctx = Context()
    cap = cap_of(args.max_cost, ctx)
    session = ctx.store.load(args.id)
    spec = resolve_judge(ctx.registry, args.model, args.api)
    labels = {r.id: f"{r.case_id}/{r.id}" for r in session.runs}
    quiet = args.quiet

    def listen(event: JudgeEvent) -> None:
        if event.kind != "judged" or not quiet:
            print(visible(f"{event.kind}: {labels.get(event.run_id, event.run_id)}: {event.message}", one_line=True),
                  file=sys.stderr)  # fmt: skip

    judge_pass = JudgePass(ctx.store, session, spec, items=args.items, listener=listen)
    planned = judge_pass.plan()
    if not planned:
        print(f"{spec.rater}: nothing to judge (no scored-checklist outputs left)", file=sys.stderr)
        return EXIT_OK
    say_estimate(judge_pass.guard(cap, planned), cap, quiet=quiet)  # OverBudget above the cap: exit 5, nothing sent
    result = asyncio.run(judge_pass.execute())
    cost = f"${result.cost_usd:.4f}" + (
        f" + {count(result.cost_unknown, 'request')} of unknown cost" if result.cost_unknown else ""
    )
    print(
        visible(
            f"{spec.rater}{' (demo: from the pixels, not a model)' if spec.judge.demo else ''}: "
            f"{count(result.outputs, 'output')}, {count(result.asked, 'item')} asked in "
            f"{count(result.requests, 'request')}, {result.cached} from the cache, "
            f"{result.skipped} not asked (parent failed), {cost}"
            + (f", {count(len(result.failed), 'output')} with errors" if result.failed else "")
            + (f", {count(result.held, 'output')} not asked at the cap" if result.held else ""),
            one_line=True,
        ),
        file=sys.stderr,
    )
    if result.stopped and judge_pass.budget is not None:
        print(
            visible(
                f"imgbench: stopped at the spending cap of {usd(judge_pass.budget.cap)} "
                f"({usd(judge_pass.budget.spent)} recorded): {count(result.held, 'output')} not judged in full; "
                f"`imgbench judge {session.id} --model {spec.judge_id} --items unscored` asks the rest",
                one_line=True,
            ),
            file=sys.stderr,
        )
        return EXIT_OVER_BUDGET
    return EXIT_RUNS_FAILED if result.failed else EXIT_OK
