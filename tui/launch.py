"""The ``imgbench`` entry: the command line, and with no subcommand the TUI.

The TUI starts here: the config is loaded and checked first, and the preview mode detected before Textual owns
the terminal. Nothing heavy is imported until it is needed, so ``imgbench --version`` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def launch_tui(preview: str | None = None) -> int:
    import gc

    # Start-up allocates what lives for the whole session (modules, styles, widgets): collecting it is wasted work
    # before the first frame (~25 ms at 10,000 sessions). The app freezes it and turns the collector on once
    # Home is painted; on any way out it is on again.
    gc.disable()
    try:
        return _launch(preview)
    finally:
        gc.enable()


def _launch(preview: str | None) -> int:
    from tui.core.context import Context
    from tui.core.validation import InputError

    try:
        ctx = Context()
        config = ctx.config
        check_keys_and_theme(config)
    except InputError as exc:
        print(f"imgbench: error: {exc}", file=sys.stderr)
        return 2
    mode = preview or config.preview
    line = ""
    try:
        from tui.imaging.graphics import detect  # the previews module; may run textual-image's probe
    except ImportError:
        detect = None
    if detect is not None:
        try:
            from tui.widgets.graphics_widgets import load_graphics_widgets

            result = detect(mode, widgets=load_graphics_widgets, app=True)
            line = getattr(result, "explanation", "") or str(result)
        except Exception as exc:  # detection must never stop the app from starting
            line = f"halfblock: detection failed ({exc})"
    from screens.registry import build_app

    app = build_app(ctx, preview_line=line)
    app.run()
    if app.last_resort is not None:
        app.last_resort.cancel()  # the way out did finish
    return app.return_code or 0


def check_keys_and_theme(config) -> None:
    """The keymap and theme against the screens' bindings and Textual's themes: an InputError like any config error."""
    from screens.registry import SCREENS
    from tui.app import ImgbenchApp
    from tui.core import paths
    from tui.widgets.keymap_check import check_tui_config

    check_tui_config(config, SCREENS, ImgbenchApp, file=paths.config_file())


def main(argv: Sequence[str] | None = None) -> int:
    from tui.cli.main import main as cli_main

    return cli_main(argv, start_tui=launch_tui)


if __name__ == "__main__":
    raise SystemExit(main())
