"""The exit statuses of every command, and the one-line wording of an error (shared by the dispatch in ``main``
and the argument parser, which ``main`` imports only for the command lines ``fast_args`` does not take)."""

from __future__ import annotations

EXIT_OK, EXIT_SYSTEM, EXIT_USAGE, EXIT_RUNS_FAILED = 0, 1, 2, 3
EXIT_REGRESSION = 4  # `compare`: a model's pass rate dropped beyond its interval
EXIT_OVER_BUDGET = 5  # --max-cost: refused to start, or stopped sending at the cap

MAX_COST_HELP = (
    f"refuse to start (exit {EXIT_OVER_BUDGET}) when the estimate is above USD, and stop sending once the recorded "
    "cost reaches it (default: config [defaults] max_cost)"
)


def one_line(text: str) -> str:
    """Control characters (a newline in a file name, ESC in an argument) shown, so an error stays one line."""
    from tui.core.safe_text import visible

    return visible(text, one_line=True)
