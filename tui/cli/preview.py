"""``imgbench preview FILE|SESSION_ID``: an image, or a session's outputs as a labelled grid, without the TUI.

The same renderer and thumbnail cache as the TUI. Half-blocks by default; ``--mode kitty|sixel|iterm``
(or ``auto`` on a terminal that answers) prints a single file through textual-image instead.

A file outside the data dir shown in half-blocks takes a short path (``_preview_plain_file``): one decode, no
hash of the file and no thumbnail written (``--cache`` asks for them), so the whole process costs little more
than the decode itself. A plain PNG or JPEG is decoded by Pillow's C core alone (``tui.imaging.core_decode``),
without importing ``PIL.Image``; any other file goes through Pillow's public path.
"""

from __future__ import annotations

import os
import sys

from tui.cli.main import EXIT_OK
from tui.core.errors import InputError
from tui.core.safe_text import visible

TYPE_CHECKING = False  # not typing's: `imgbench preview FILE` is a short process that never needs it
if TYPE_CHECKING:
    import argparse
    from pathlib import Path

    from rich.console import Console

    from tui.imaging.graphics import Detection
    from tui.imaging.halfblock import Lines

GAP = 2  # columns between grid cells
MIN_CELL = 16  # narrower than this, a preview says nothing


class Tile:
    """One cell of a session's grid (a plain class: ``dataclasses`` costs a preview ~10 ms of imports)."""

    __slots__ = ("label", "message", "path", "sha256")

    def __init__(self, label: str, path: Path | None, sha256: str | None = None, message: str = "") -> None:
        self.label = label
        self.path = path
        self.sha256 = sha256
        self.message = message  # shown instead of an image (failed run, unreadable file)


def _console(colors: str | None) -> Console:
    from rich.console import Console

    # A preview is colour or nothing: emit ANSI even into a pipe (as chafa does); NO_COLOR still wins.
    system = {"truecolor": "truecolor", "256": "256", "16": "standard"}.get(colors or "auto", "auto")
    console = Console(force_terminal=True, color_system=system, highlight=False, soft_wrap=False)  # type: ignore[arg-type]
    if system == "auto" and console.color_system == "standard":
        # TERM=xterm and the like: every terminal emulator in use has 256 colours, and 16 make no picture.
        console = Console(force_terminal=True, color_system="256", highlight=False, soft_wrap=False)
    return console


def _box(args: argparse.Namespace) -> tuple[int, int]:
    cols, rows = args.cols, args.rows
    if not (cols and rows):  # shutil only then: its imports are ~4 ms of a ~40 ms preview
        import shutil

        size = shutil.get_terminal_size((80, 24))
        cols = cols or size.columns
        rows = rows or max(4, size.lines - 3)  # leave the prompt and a caption visible
    if cols < 2 or rows < 1:
        raise InputError("--cols must be at least 2 and --rows at least 1", key="preview")
    return cols, rows


def _mode(args: argparse.Namespace) -> str:
    if getattr(args, "mode", None):
        return args.mode
    if getattr(args, "preview", None):
        return args.preview
    from tui.core import paths

    if not os.path.exists(paths.config_file_name()):
        return "auto"  # the default, without importing the config's parser and validator
    from tui.core.config import load_config

    return load_config().preview


def cmd_preview(args: argparse.Namespace) -> int:
    target = args.target
    name = os.path.expanduser(target)  # as strings until the short path is ruled out: pathlib costs it ~2 ms
    cols, rows = _box(args)
    system = _plain_colors(args) if os.path.isfile(name) and not getattr(args, "cache", False) else None
    if system is not None and _halfblocks_only(_mode(args)) and not _in_data_dir(name):
        return _preview_plain_file(name, cols, rows, system)
    from pathlib import Path

    path = Path(name)
    console = _console(getattr(args, "colors", None))
    if path.exists():
        return _preview_file(path, cols, rows, console, _mode(args))
    return _preview_session(_session_id(target), cols, rows, console, args)


def _halfblocks_only(mode: str) -> bool:
    """Whether ``mode`` can only end in half-blocks here: asked for, or ``auto`` where no graphics protocol can be
    used (output not a terminal, or no textual-image), which is what ``graphics.detect`` would decide."""
    if mode == "halfblock":
        return True
    if mode != "auto":
        return False
    if not sys.stdout.isatty():
        return True
    from tui.imaging.graphics import textual_image_status

    return not textual_image_status()[0]


def _plain_colors(args: argparse.Namespace) -> str | None:
    """'truecolor' or '256' when the short path draws what Rich would; None for what only Rich handles
    (NO_COLOR, 16 colours, a dumb terminal)."""
    if os.environ.get("NO_COLOR"):
        return None
    colors = getattr(args, "colors", None) or "auto"
    if colors in ("truecolor", "256"):
        return colors
    if colors != "auto" or os.environ.get("TERM", "") in ("dumb", "unknown"):
        return None
    # Rich's detection: COLORTERM says truecolor, anything else gets 256 colours (see _console).
    return "truecolor" if os.environ.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit") else "256"


def _in_data_dir(name: str) -> bool:
    from tui.core import paths

    try:
        real, data = os.path.realpath(name), os.path.realpath(paths.data_dir_name())
    except (OSError, ValueError):
        return False
    return real == data or real.startswith(data.rstrip(os.sep) + os.sep)


def _preview_plain_file(path: str, cols: int, rows: int, system: str) -> int:
    from tui.imaging.ansi_blocks import ansi_lines
    from tui.imaging.core_decode import decode_small_core

    side = max(cols, rows * 2)
    img = decode_small_core(path, side)
    if img is None:  # not a plain PNG or JPEG, or damaged: Pillow's own path reads it or words why not
        from tui.imaging.decode import ThumbnailError, decode_small

        try:
            img = decode_small(path, side)
        except ThumbnailError as exc:
            raise InputError(str(exc), file=path) from None
    lines = ansi_lines(img, cols, rows, color_system=system)
    sys.stdout.write("".join(line + "\n" for line in lines))
    sys.stdout.flush()
    return EXIT_OK


def _session_id(target: str) -> str:
    """A session's id, or its unique prefix; an ambiguous prefix names the candidates."""
    from tui.cli.session_ids import AmbiguousSession, resolve_session_id
    from tui.core.store import Store

    try:
        return resolve_session_id(Store(), target)
    except AmbiguousSession:
        raise
    except InputError:  # not an id at all, or no session has it
        raise InputError("no such file or session", file=target) from None


# -- one file -----------------------------------------------------------------------------------


def _preview_file(path: Path, cols: int, rows: int, console: Console, mode: str) -> int:
    from tui.imaging import graphics, halfblock, thumbs
    from tui.imaging.halfblock import HalfBlock

    if not path.is_file():
        raise InputError("no such file" if not path.exists() else "not a file", file=path)
    detection = graphics.detect(mode) if mode != "halfblock" else None
    if detection is not None and not detection.graphics and (mode in graphics.GRAPHICS or detection.fixable):
        print(f"imgbench: note: {detection.explanation}", file=sys.stderr)
    try:
        if detection is not None and detection.graphics:
            _print_graphic(path, cols, rows, console, detection)
            return EXIT_OK
        lines = halfblock.render_file(path, cols, rows, color_system=console.color_system, pad=False)
    except thumbs.ThumbnailError as exc:
        raise InputError(str(exc), file=path) from None
    console.print(HalfBlock(lines), crop=False)
    return EXIT_OK


def _print_graphic(path: Path, cols: int, rows: int, console: Console, detection: Detection) -> None:
    from tui.imaging import graphics, thumbs

    cell_w, cell_h = detection.cell_size or graphics.DEFAULT_CELL
    img = thumbs.load_thumbnail(path, None, max_side=max(cols * cell_w, rows * cell_h))
    scale = min(cols * cell_w / img.width, rows * cell_h / img.height)
    width = max(1, round(img.width * scale / cell_w))
    height = max(1, round(img.height * scale / cell_h))
    if detection.mode == "kitty" and detection.kitty_placement == "direct":
        from tui.imaging import kitty

        img = img.resize((width * cell_w, height * cell_h)) if img.width > width * cell_w else img
        if detection.tmux is not None:  # placed through tmux's passthrough, at the pane's cursor
            from tui.imaging.kitty_tmux import print_direct

            assert sys.__stdin__ is not None
            if print_direct(img, width, height, console.file, sys.__stdin__.fileno(), detection.tmux,
                            timeout=graphics.probe_timeout(os.environ)):  # fmt: skip
                return
            raise InputError("tmux did not say where its cursor is; try --mode halfblock", file=path)
        console.file.write(kitty.direct(img, width, height))
        console.file.flush()
        return
    from textual_image.renderable import SixelImage, TGPImage

    cls = TGPImage if detection.mode == "kitty" else SixelImage
    console.print(cls(img, width=width, height="auto"), crop=False)


# -- a session ----------------------------------------------------------------------------------


def _tiles(session_id: str, blind: bool) -> list[tuple[str, list[Tile]]]:
    from tui.core.store import Store

    store = Store()
    session = store.load(session_id)
    blind = blind or session.blind
    cases: list[tuple[str, list[Tile]]] = []
    for case in session.cases:
        runs = session.runs_of(case.id)
        if blind:
            from tui.scoring.blind import blind_order, slot_label

            runs = blind_order(session, case.id)
        tiles = []
        for run in runs:
            label = visible(slot_label(session, run) if blind else run.model, one_line=True)
            if run.repeat:
                label += f" #{run.repeat + 1}"
            if run.images:
                image = run.images[0]
                tiles.append(Tile(label, store.abspath(session.id, image.path), image.sha256))
            else:
                why = run.error.kind if run.error else run.status
                tiles.append(Tile(label, None, message=f"{run.status}" + (f": {why}" if why != run.status else "")))
        cases.append((visible(case.label, one_line=True), tiles))
    return cases


def _cell_lines(tile: Tile, width: int, height: int, color_system: str) -> Lines:
    from tui.imaging import halfblock, thumbs

    if tile.path is not None:
        try:
            return halfblock.render_file(tile.path, width, height, sha256=tile.sha256, color_system=color_system)
        except thumbs.ThumbnailError as exc:
            tile.message = f"cannot show: {exc}"
    return halfblock.text_lines(tile.message or "no image", width, height)


def _trim_blank_rows(row_cells: list[Lines]) -> list[Lines]:
    """Drop the padding rows every cell of a grid row has (wide images leave bands above and below)."""

    def blank(line: list) -> bool:
        return all(not seg.style and not seg.text.strip() for seg in line)

    height = len(row_cells[0])
    top = 0
    while top < height - 1 and all(blank(c[top]) for c in row_cells):
        top += 1
    bottom = height
    while bottom > top + 1 and all(blank(c[bottom - 1]) for c in row_cells):
        bottom -= 1
    return [c[top:bottom] for c in row_cells]


def _preview_session(session_id: str, cols: int, rows: int, console: Console, args: argparse.Namespace) -> int:
    from rich.segment import Segment
    from rich.style import Style
    from rich.text import Text

    from tui.imaging import halfblock
    from tui.imaging.halfblock import HalfBlock

    cases = _tiles(session_id, getattr(args, "blind", False))
    system = halfblock.normalise_color_system(console.color_system)
    title_style, label_style = Style(bold=True), Style(dim=True)
    for title, tiles in cases:
        console.print(Text(title[:cols], style=title_style), crop=False)
        if not tiles:
            console.print("  (no runs)", style=label_style)
            continue
        per_row = max(1, min(len(tiles), (cols + GAP) // (MIN_CELL + GAP)))
        width = (cols - GAP * (per_row - 1)) // per_row
        # Square-ish cells (a cell is 1:2), never taller than the box.
        height = max(2, min(rows - 1, (width + 1) // 2))
        for start in range(0, len(tiles), per_row):
            chunk = tiles[start : start + per_row]
            cells = _trim_blank_rows([_cell_lines(t, width, height, system) for t in chunk])
            gap = Segment(" " * GAP)
            lines: Lines = []
            for y in range(len(cells[0])):
                line: list[Segment] = []
                for i, cell in enumerate(cells):
                    if i:
                        line.append(gap)
                    line.extend(cell[y])
                lines.append(line)
            labels: list[Segment] = []
            for i, tile in enumerate(chunk):
                if i:
                    labels.append(gap)
                labels.append(Segment(tile.label[:width].center(width), label_style))
            lines.append(labels)
            console.print(HalfBlock(lines), crop=False)
        console.print()
    return EXIT_OK
