"""Start the TUI: load and check the config first, detect the preview mode before Textual owns the terminal."""

from __future__ import annotations

import sys

from tui.context import Context
from tui.validation import InputError


def launch_tui(preview: str | None = None) -> int:
    try:
        ctx = Context()
        config = ctx.config
    except InputError as exc:
        print(f"imgbench: error: {exc}", file=sys.stderr)
        return 2
    mode = preview or config.preview
    line = ""
    try:
        from tui.graphics import detect  # the previews module; may run textual-image's probe
    except ImportError:
        detect = None
    if detect is not None:
        try:
            result = detect(mode)
            line = getattr(result, "explanation", "") or str(result)
        except Exception as exc:  # detection must never stop the app from starting
            line = f"halfblock: detection failed ({exc})"
    from tui.app import ImgbenchApp

    ImgbenchApp(ctx, preview_line=line).run()
    return 0
