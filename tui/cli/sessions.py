"""``imgbench sessions``: ``list`` here, read straight from the session index with nothing else imported (no
session model, no msgspec: 10,000 sessions in well under 100 ms); export, import and resume in ``commands``."""

from __future__ import annotations

import argparse
import sys

from tui.cli.main import EXIT_OK


def cmd_sessions(args: argparse.Namespace) -> int:
    if args.sessions_command == "list":
        return sessions_list(args)
    from tui.cli.commands import cmd_sessions as other

    return other(args)


def sessions_list(args: argparse.Namespace) -> int:
    from tui.core.index_open import open_index
    from tui.core.safe_text import visible

    index = open_index()
    if not index.sessions_dir.is_dir():
        return EXIT_OK
    check = bool(getattr(args, "check", False))
    if args.json:
        return _print_json(index, check)
    rows, errors = index.listing(every_file=check)
    _warn(index, errors)
    lines = []
    for sid, created, name, cases, models, ok, runs, scores in rows:
        line = (
            f"{sid}  {created[:16].replace('T', ' ')}  {cases} case{'' if cases == 1 else 's'} x "
            f"{models} model{'' if models == 1 else 's'}  {ok}/{runs} ok  {scores} score{'' if scores == 1 else 's'}"
            f"  {name}"
        )
        # isprintable() is False for every control character visible() marks (and for a few it leaves alone):
        # the regex only runs on the rare line that needs it.
        lines.append(line if line.isprintable() else visible(line, one_line=True))
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK


def _warn(index, errors) -> None:
    from tui.core.safe_text import visible
    from tui.core.validation import InputError

    notice, index.notice = index.notice, None
    if notice:
        print(visible(f"imgbench: {notice}", one_line=True), file=sys.stderr)
    for file, reason in errors:
        print(visible(f"imgbench: warning: {InputError(reason, file=file)}", one_line=True), file=sys.stderr)


def _print_json(index, check: bool) -> int:
    import json

    from tui.core.safe_text import json_text

    sessions, errors = index.summaries(every_file=check)
    _warn(index, errors)
    data = [
        {
            "id": h.id,
            "name": h.name,
            "created_at": h.created_at,
            "models": h.models,
            "cases": h.cases,
            "runs": h.runs,
            "status": h.status,
            "scores": h.scores,
        }
        for h in sessions
    ]
    sys.stdout.write(json_text(json.dumps(data, indent=2, ensure_ascii=False)) + "\n")
    return EXIT_OK
