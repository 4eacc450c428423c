"""The ``imgbench`` command: a thin entry. With no subcommand it starts the TUI.

Heavy imports (Textual, httpx, Pillow) happen inside the command that needs them,
so ``imgbench --version`` and the headless commands start fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tui import __version__

EXIT_OK, EXIT_RUNS_FAILED, EXIT_USAGE = 0, 3, 2

# subcommand -> "module:function"; the module is imported only when that subcommand runs.
HANDLERS: dict[str, str] = {
    "presets": "tui.commands:cmd_presets",
    "models": "tui.commands:cmd_models",
    "run": "tui.commands:cmd_run",
    "sessions": "tui.commands:cmd_sessions",
    "locate": "tui.commands:cmd_locate",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"imgbench: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="imgbench", description="Compare image-generation models fairly, in the terminal.")
    p.add_argument("--version", action="version", version=f"imgbench {__version__}")
    p.add_argument(
        "--preview",
        choices=["auto", "halfblock", "kitty", "sixel", "iterm"],
        help="how images are drawn (default: config, then auto-detect)",
    )
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    presets = sub.add_parser("presets", help="list benchmark presets")
    presets.add_argument("--json", action="store_true")

    models = sub.add_parser("models", help="list models and whether their key is available")
    models.add_argument("--json", action="store_true")

    run = sub.add_parser("run", help="run a benchmark headless; prints the session id")
    what = run.add_argument_group("what to run")
    what.add_argument(
        "--preset", action="append", default=[], metavar="ID", help="preset id, or a group such as tier-a (repeatable)"
    )
    what.add_argument("--prompt", action="append", default=[], metavar="TEXT", help="a free prompt (repeatable)")
    what.add_argument(
        "--ref",
        action="append",
        default=[],
        metavar="[PRESET_ID[#N]=]FILE",
        help="reference image: FILE for a --prompt case, PRESET_ID=FILE or PRESET_ID#N=FILE for a slot",
    )
    run.add_argument("--model", action="append", default=[], metavar="ID", help="provider:model (repeatable)")
    run.add_argument("--size", metavar="WxH")
    run.add_argument("--aspect", metavar="W:H")
    run.add_argument("--resolution", metavar="1K|2K|4K")
    run.add_argument("--quality", metavar="Q")
    run.add_argument("--repeat", type=int, default=1, metavar="N")
    run.add_argument("--name")
    run.add_argument("--concurrency", type=int, metavar="N")
    run.add_argument("--blind", action="store_true", help="mark the session for blind scoring")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")

    sessions = sub.add_parser("sessions", help="list, export, import and resume sessions")
    ssub = sessions.add_subparsers(dest="sessions_command", required=True, parser_class=_Parser)
    sl = ssub.add_parser("list", help="list sessions, newest first")
    sl.add_argument("--json", action="store_true")
    se = ssub.add_parser("export", help="write a session as one JSON document")
    se.add_argument("id")
    se.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    si = ssub.add_parser("import", help="import an export; merges scores into an existing session")
    si.add_argument("file")
    sr = ssub.add_parser("resume", help="finish what a stopped run left (queued and interrupted runs)")
    sr.add_argument("id")
    sr.add_argument("--retry-failed", action="store_true", help="also run failed runs again")
    sr.add_argument("--quiet", "-q", action="store_true")

    sub.add_parser("locate", help="print the config, data and cache directories")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from tui.validation import InputError

    try:
        if args.command is None:
            from tui.launch import launch_tui

            return launch_tui(preview=args.preview)
        import importlib

        module, _, function = HANDLERS[args.command].partition(":")
        return getattr(importlib.import_module(module), function)(args)
    except InputError as exc:
        print(f"imgbench: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("imgbench: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
