"""``sessions export --bundle`` / ``--for-rater``: a session, or a blind packet of it, as one file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tui.cli.main import EXIT_OK
from tui.core.context import Context
from tui.core.validation import InputError
from tui.core.wording import count


def export_bundle(ctx: Context, args: argparse.Namespace) -> int:
    from tui.core.outputs import write_user_file
    from tui.reports.packet import check_rater_name, make_packet, packet_file_name, record_packet, session_bundle

    if args.output and args.bundle:
        raise InputError("give --bundle FILE or -o FILE, not both", key="--bundle")
    session = ctx.store.load(args.id)
    if args.for_rater is None:
        target = Path(args.bundle)
        write_user_file(target, session_bundle(session, ctx.store), durable=True)
        print(target, file=sys.stderr)
        return EXIT_OK
    rater = check_rater_name(args.for_rater)
    target = Path(args.bundle or args.output or packet_file_name(session.id, rater))
    record, data = make_packet(session, ctx.store, rater)
    record_packet(ctx.store, session.id, record)
    write_user_file(target, data, durable=True)
    print(target)
    print(f"packet {record.packet_id} for {rater}: {count(len(record.runs), 'output')} to score", file=sys.stderr)
    return EXIT_OK
