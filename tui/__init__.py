"""imgbench: a keyboard-driven terminal workbench for comparing image-generation models fairly.

The ``tui`` package holds the application *and* its core. The core modules (model, store, runner,
stats, export, images, config, credentials, paths) import no Textual, so the headless CLI and the
TUI drive the same code. Only ``tui.app``, ``tui.widgets`` and the ``screens`` package know Textual.
"""

__version__ = "0.1.0"
TOOL_NAME = "imgbench"
