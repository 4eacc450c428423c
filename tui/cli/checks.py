"""``imgbench checks SESSION``: (re)measure the machine checks of every output and print them.

The same measurements the background queue makes after each run is recorded (``tui.imaging.check_queue``), one
output after another, each stored on its run as it is made. A blind session shows slot letters, never a model.
The exit status does not depend on what was measured: a check is evidence for the person, not a verdict.
"""

from __future__ import annotations

import argparse
import sys

from tui.cli.main import EXIT_OK
from tui.core.checking import declares_checks
from tui.core.context import Context
from tui.core.model import CheckResult, Session
from tui.core.safe_text import visible


def _blinded(result: CheckResult, session: Session) -> CheckResult:
    """Blind: an output's pixel size can tell a model apart, so aspect and size give their outcome only; text read
    (a demo label, a provider's watermark) has the session's model names masked, like every other free text."""
    import msgspec

    from tui.scoring.blind import mask_models

    if result.kind in ("aspect", "size"):
        return CheckResult(result.item_id, result.kind, result.outcome, f"{result.kind} (blind)",
                           result.image_sha256, result.checked_at, result.engine)  # fmt: skip
    strings = tuple(msgspec.structs.replace(m, closest=mask_models(m.closest, session)) for m in result.strings)
    text = None if result.text is None else mask_models(result.text, session)
    return msgspec.structs.replace(result, summary=mask_models(result.summary, session), text=text, strings=strings)


def cmd_checks(args: argparse.Namespace) -> int:
    import msgspec

    from tui.imaging.check_queue import check_run
    from tui.imaging.machine_checks import describe
    from tui.scoring.blind import slots

    ctx = Context(config=None)
    session = ctx.store.load(args.id)
    cases = [case for case in session.cases if declares_checks(case)]
    if not cases:
        print("imgbench: no checklist item of this session declares a machine check", file=sys.stderr)
        return EXIT_OK
    out: list[dict[str, object]] = []
    for number, case in enumerate(session.cases, 1):
        if case not in cases:
            continue
        if not args.json:
            print(visible(f"case {number}: {case.label}", one_line=True), flush=True)
        for letter, run in slots(session, case.id):
            if run.status != "succeeded" or not run.images:
                continue
            results = check_run(ctx.store, session.id, run.id)
            who = letter if session.blind else f"{letter} {run.model}"
            if args.json:
                shown = [_blinded(r, session) for r in results] if session.blind else results
                out.append({"case": number, "slot": letter, **({} if session.blind else {"model": run.model}),
                            "run_id": run.id, "checks": msgspec.to_builtins(shown)})  # fmt: skip
                continue
            for result in results:
                print(
                    visible(f"  {who}  {result.item_id}  ", one_line=True) + describe(result, blind=session.blind),
                    flush=True,
                )
    if args.json:
        from tui.core.safe_text import json_bytes

        sys.stdout.buffer.write(json_bytes(msgspec.json.format(msgspec.json.encode(out), indent=2)) + b"\n")
    return EXIT_OK
