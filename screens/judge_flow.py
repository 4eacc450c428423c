"""Judge from the TUI: ask which judge (``PROVIDER:MODEL``; ``demo:pixels`` works offline), run the judge pass in
a worker, say what it did and refresh the screen. The same pass as ``imgbench judge``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial

from textual.screen import Screen

from tui.widgets.workbench import workbench

DEFAULT_JUDGE = "demo:pixels"


def judge_session(screen: Screen, session_id: str, *, then: Callable[[], object]) -> None:
    def chosen(judge_id: str | None) -> None:
        if judge_id:
            screen.run_worker(
                partial(_judge, screen, session_id, judge_id, then),
                thread=True,
                group="judge",
                description="Judging the outputs",
                exit_on_error=False,
            )

    workbench(screen).open(
        "note",
        "Judge every output's checklist with (PROVIDER:MODEL; demo:pixels is the offline demo judge)",
        DEFAULT_JUDGE,
        placeholder="openai:gpt-4.1-mini, gemini:gemini-2.5-flash, openrouter:…, demo:pixels",
        callback=chosen,
    )


def _judge(screen: Screen, session_id: str, judge_id: str, then: Callable[[], object]) -> None:
    from tui.core.judging import JudgePass, resolve_judge
    from tui.core.safe_text import visible
    from tui.core.wording import count

    ctx = screen.app.ctx  # type: ignore[attr-defined]
    spec = resolve_judge(ctx.registry, judge_id)  # an InputError goes through the one error path
    result = asyncio.run(JudgePass(ctx.store, ctx.store.load(session_id), spec).execute())
    said = (
        f"{count(result.outputs, 'output')}, {count(result.asked, 'item')} asked, {result.cached} from the cache"
        + (f"; {len(result.failed)} with errors: {result.failed[0][1]}" if result.failed else "")
        + (" (demo judge: from the pixels, not a model)" if spec.judge.demo else "")
    )
    app = screen.app
    app.call_from_thread(app.notify, visible(said, one_line=True), title=f"Judged by {spec.rater}", timeout=10)
    app.call_from_thread(then)
