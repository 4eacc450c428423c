"""The ``imgbench`` command line: arguments, dispatch to each headless command, and the one error path.

With no subcommand the caller's ``start_tui`` runs (``tui.launch`` passes the TUI; the CLI layer sits below
the Textual app and never imports it).

Heavy imports (Textual, httpx, Pillow) happen inside the command that needs them,
so ``imgbench --version`` and the headless commands start fast.
"""

from __future__ import annotations

import sys

from tui.cli.exits import (  # noqa: F401  (the handlers import them from here)
    EXIT_OK,
    EXIT_OVER_BUDGET,
    EXIT_REGRESSION,
    EXIT_RUNS_FAILED,
    EXIT_SYSTEM,
    EXIT_USAGE,
    MAX_COST_HELP,
    one_line,
)

TYPE_CHECKING = False  # not typing's: a short command would import re with it
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

# subcommand -> "module:function"; the module is imported only when that subcommand runs.
HANDLERS: dict[str, str] = {
    "presets": "tui.cli.commands:cmd_presets",
    "models": "tui.cli.commands:cmd_models",
    "run": "tui.cli.commands:cmd_run",
    "sessions": "tui.cli.sessions:cmd_sessions",
    "locate": "tui.cli.commands:cmd_locate",
    "keys": "tui.cli.keys:cmd_keys",
    "score": "tui.cli.score:cmd_score",
    "judge": "tui.cli.judge:cmd_judge",
    "checks": "tui.cli.checks:cmd_checks",
    "report": "tui.cli.report:cmd_report",
    "leaderboard": "tui.cli.report:cmd_leaderboard",
    "preview": "tui.cli.preview:cmd_preview",
    "compare": "tui.cli.compare:cmd_compare",
}


def main(argv: Sequence[str] | None = None, *, start_tui: Callable[[str | None], int] | None = None) -> int:
    from tui.cli.fast_args import parse

    args = parse(sys.argv[1:] if argv is None else argv)
    if args is None:
        from tui.cli.parser import build_parser

        args = build_parser().parse_args(argv)
    from tui.core.errors import InputError, OverBudget, StorageError

    try:
        if args.command is None:
            if start_tui is None:
                from tui.cli.parser import build_parser

                build_parser().print_help(sys.stderr)
                return EXIT_USAGE
            return start_tui(args.preview)
        import importlib

        module, _, function = HANDLERS[args.command].partition(":")
        return getattr(importlib.import_module(module), function)(args)
    except InputError as exc:
        print(f"imgbench: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except OverBudget as exc:
        print(f"imgbench: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_OVER_BUDGET
    except StorageError as exc:
        print(f"imgbench: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_SYSTEM
    except KeyboardInterrupt:
        print("imgbench: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:  # the system said no: a full disk, a read-only mount, a permission
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"imgbench: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_SYSTEM


if __name__ == "__main__":
    sys.exit(main())
