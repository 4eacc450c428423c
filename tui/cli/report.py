"""``imgbench report`` (a session's report or contact sheet) and ``imgbench leaderboard`` (across sessions)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tui.cli.main import EXIT_OK
from tui.core.context import Context
from tui.core.safe_text import visible
from tui.core.validation import InputError
from tui.core.wording import count

TYPE_CHECKING = False  # not typing's: it imports re
if TYPE_CHECKING:
    import argparse

_SUFFIX_FORMAT = {".md": "md", ".markdown": "md", ".json": "json", ".html": "html", ".htm": "html"}


def _write(text: str, output: str | None) -> None:
    from tui.core.outputs import write_user_file

    if write_user_file(output or "-", text.encode("utf-8")) != "stdout":
        print(visible(str(output), one_line=True), file=sys.stderr)


def cmd_report(args: argparse.Namespace) -> int:
    from tui.cli.session_ids import resolve_session_id

    ctx = Context(config=None)
    session = ctx.store.load(resolve_session_id(ctx.store, args.id))
    if args.rater and not any(s.rater == args.rater for s in session.scores):
        known = ", ".join(sorted({s.rater for s in session.scores})) or "nobody has scored yet"
        raise InputError(f"no scores by {args.rater!r} in this session (raters: {known})", key="--rater")
    from tui.scoring.blind import names_hidden

    # Blind and not revealed to whoever runs this: by slot, unless they ask for the names.
    by_slot = names_hidden(session, ctx.rater) and not args.reveal
    if args.sheet:
        from tui.reports.sheet import contact_sheet

        if not 64 <= args.thumb <= 1024:
            raise InputError("must be between 64 and 1024", key="--thumb")
        out = contact_sheet(session, ctx.store, Path(args.sheet), rater=args.rater, thumb=args.thumb, by_slot=by_slot)
        _say_hidden(by_slot, ctx.rater)
        print(out, file=sys.stderr)
        return EXIT_OK
    from tui.reports.report import render_report

    fmt = args.format or _SUFFIX_FORMAT.get(Path(args.output or "").suffix.lower(), "md")
    _write(render_report(session, fmt, store=ctx.store, rater=args.rater, by_slot=by_slot), args.output)
    _say_hidden(by_slot, ctx.rater)
    return EXIT_OK


def _say_hidden(by_slot: bool, rater: str) -> None:
    if by_slot:
        print(
            f"imgbench: blind session not revealed for rater {rater!r}: outputs by slot, no model names, latency or "
            "cost (--reveal names the models)",
            file=sys.stderr,
        )


def cmd_leaderboard(args: argparse.Namespace) -> int:
    from tui.reports.cells import rate_cell  # not report_tables: that imports every table (judges, trust)
    from tui.scoring.leaderboard import leaderboard

    ctx = Context(config=None)
    presets = None
    if args.preset:  # each an id or a group ("tier-a"); an unknown one is an error, not an empty board
        try:
            presets = [p.id for ref in args.preset for p in ctx.catalog.expand(ref)]
        except KeyError as exc:
            raise InputError(str(exc), key="--preset") from None
    board = leaderboard(ctx.store, rater=args.rater, presets=presets)
    for err in board.errors:
        print(visible(f"imgbench: warning: session skipped: {err}", one_line=True), file=sys.stderr)
    if args.json:
        _write(json.dumps(board.to_dict(), indent=2, ensure_ascii=False) + "\n", None)
        return EXIT_OK
    if not board.rows:
        print(
            "no leaderboard yet: it needs preset cases scored for at least two models "
            f"({count(board.sessions_seen, 'session')} looked at)",
            file=sys.stderr,
        )
        return EXIT_OK
    rows = [
        [
            str(r.rank),
            r.model,
            rate_cell(r.rate.to_dict()),
            "–" if r.vs_field is None else f"{r.vs_field * 100:+.0f} pts",
            str(r.sessions),
            str(r.presets),
            str(r.runs_scored),
        ]
        for r in board.rows
    ]
    headers = ["rank", "model", "pass rate [95% CI] passed/units", "vs others, same presets", "sessions", "presets"]
    headers.append("runs")
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    for line in [headers, *rows]:
        print(visible("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip(), one_line=True))
    which = "common to every model" if board.common else "shared (none common to every model)"
    print(
        visible(
            f"\nrates over {count(len(board.presets), 'preset')} {which}, {count(board.sessions, 'session')}: "
            f"{', '.join(board.presets)}"
        ),
        file=sys.stderr,
    )
    for note in board.notes:
        print(visible(f"note: {note}", one_line=True), file=sys.stderr)
    return EXIT_OK
