"""``imgbench compare BASELINE NEW``: the CI gate. Prints the comparison (Markdown or JSON) and exits
``EXIT_REGRESSION`` when any model's pass rate dropped beyond its paired interval."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tui.cli.main import EXIT_OK, EXIT_REGRESSION, one_line
from tui.core.context import Context
from tui.core.model import Session
from tui.core.store import Store, check_session_id
from tui.core.validation import InputError

_SUFFIX_FORMAT = {".md": "md", ".markdown": "md", ".json": "json"}


def load_side(value: str, store: Store, *, key: str) -> Session:
    """A session of the store by id or unique prefix, or an export (or bundle) file, checked like an import."""
    looks_like_file = os.sep in value or value.endswith((".json", ".zip")) or os.path.lexists(value)
    if looks_like_file:
        from tui.reports.bundle_import import read_export

        return read_export(Path(value).expanduser())
    from tui.cli.session_ids import resolve_session_id

    try:
        check_session_id(value)
    except InputError:
        raise InputError(f"{value!r} is neither a session id nor a file", key=key) from None
    try:
        return store.load(resolve_session_id(store, value))
    except InputError as exc:
        raise InputError(exc.reason, key=key) from None


def cmd_compare(args: argparse.Namespace) -> int:
    from tui.core.outputs import write_user_file
    from tui.reports.compare_report import render_json, render_markdown
    from tui.scoring.compare import check_scorer, compare

    check_scorer(args.scorer)  # before reading anything
    store = Context(config=None).store
    baseline = load_side(args.baseline, store, key="BASELINE")
    new = load_side(args.new, store, key="NEW")
    result = compare(baseline, new, args.scorer)
    fmt = args.format or _SUFFIX_FORMAT.get(Path(args.output or "").suffix.lower(), "md")
    text = render_json(result) if fmt == "json" else render_markdown(result)
    where = write_user_file(args.output or "-", text.encode("utf-8"))
    if where != "stdout":
        print(one_line(where), file=sys.stderr)
    for m in result.models:
        if m.regressed:
            print(one_line(f"imgbench: regression: {m.model} {m.paired.difference * 100:+.0f} pts"), file=sys.stderr)  # type: ignore[union-attr]
    return EXIT_REGRESSION if result.regressions else EXIT_OK
