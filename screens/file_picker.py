"""Pick a reference image: a directory tree of images with a live preview, or a typed path."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Footer, Input, Static

from tui.widgets.image_view import ImageView
from tui.widgets.screen_base import ScreenBase

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".gif"}


class ImageTree(DirectoryTree):
    suffixes: set[str] = IMAGE_SUFFIXES  # what the tree lists besides directories

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() in self.suffixes)]


class FilePickerScreen(ScreenBase, ModalScreen[Path | None]):
    HELP_TITLE = "Pick a file"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="picker.cancel")]

    def __init__(self, title: str, start: Path | None = None, *, suffixes: set[str] | None = None) -> None:
        """``suffixes``: pick another kind of file than an image (an export, a bundle); checked by the caller."""
        super().__init__()
        self.title_text = title
        self.start = start or Path.cwd()
        self.suffixes = suffixes

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static(self.title_text, classes="pane-title")
            what = "an image (enter to attach)" if self.suffixes is None else "a file (enter to pick)"
            yield Input(placeholder=f"path to {what}", id="picker-path")
            with Horizontal(id="picker-body"):
                tree = ImageTree(self.start, id="picker-tree")
                if self.suffixes is not None:
                    tree.suffixes = self.suffixes
                yield tree
                yield ImageView(id="picker-preview")
            yield Static("", id="picker-error", classes="error")
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#picker-path", Input).focus()

    @on(DirectoryTree.NodeHighlighted)
    def _highlighted(self, event: DirectoryTree.NodeHighlighted) -> None:
        data = event.node.data
        path = getattr(data, "path", None)
        if path is not None and Path(path).is_file():
            self.query_one("#picker-path", Input).value = str(path)
            if Path(path).suffix.lower() in IMAGE_SUFFIXES:
                self.query_one("#picker-preview", ImageView).show(Path(path))

    @on(DirectoryTree.FileSelected)
    def _file_selected(self, event: DirectoryTree.FileSelected) -> None:
        self.check_and_return(event.path)

    @on(Input.Submitted, "#picker-path")
    def _typed(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.check_and_return(Path(event.value.strip()).expanduser())

    @work(thread=True, exclusive=True, group="picker-check", description="Checking the image", exit_on_error=False)
    def check_and_return(self, path: Path) -> None:
        from tui.core.images import read_reference
        from tui.core.validation import InputError

        try:
            if self.suffixes is None:
                read_reference(path)
            elif not path.is_file():
                raise InputError("not a file", file=path)
        except InputError as exc:
            self.app.call_from_thread(self._show_error, str(exc))
            return
        self.app.call_from_thread(self.dismiss, path)

    def _show_error(self, message: str) -> None:
        self.query_one("#picker-error", Static).update(f"✗ {message}")

    def action_cancel(self) -> None:
        self.dismiss(None)
