"""``imgbench sessions``: ``list`` here, read straight from the session index with nothing else imported (no
session model, no msgspec: 10,000 sessions in well under 100 ms); export, import and resume in ``commands``."""

from __future__ import annotations

import os
import sys

from tui.cli.main import EXIT_OK

TYPE_CHECKING = False  # not typing's: it imports re
if TYPE_CHECKING:
    import argparse


def cmd_sessions(args: argparse.Namespace) -> int:
    if args.sessions_command == "list":
        return sessions_list(args)
    from tui.cli.commands import cmd_sessions as other

    return other(args)


def sessions_list(args: argparse.Namespace) -> int:
    from tui.core.index_open import open_index

    index = open_index()
    if not os.path.isdir(index.sessions_name):
        return EXIT_OK
    check = bool(getattr(args, "check", False))
    if args.json:
        return _print_json(index, check)
    text, errors = index.listing_text(every_file=check)
    _warn(index, errors)
    if text:
        sys.stdout.write(text + "\n")
    return EXIT_OK


def _warn(index, errors) -> None:
    notice, index.notice = index.notice, None
    if not notice and not errors:
        return  # (the usual listing: nothing to word, so neither module below is imported)
    from tui.core.errors import InputError
    from tui.core.safe_text import visible

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
