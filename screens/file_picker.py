"""Pick a reference image: a folder of images with a live preview, or a typed path with tab completion.

It opens where the last reference came from (remembered across sessions), backspace goes up a folder (from the
tree, or from an empty path field), a typed folder opens in the tree, and its title names the slot being filled.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Footer, Input, Static

from tui.core.file_choice import (
    IMAGE_SUFFIXES,
    complete_path,
    is_image_name,
    last_reference_dir,
    remember_reference_dir,
)
from tui.widgets.image_view import ImageView
from tui.widgets.screen_base import ScreenBase


class ImageTree(DirectoryTree):
    suffixes: frozenset[str] = IMAGE_SUFFIXES  # what the tree lists besides folders

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() in self.suffixes)]


class PathInput(Input):
    """The path field: tab completes (folders and images only); backspace in an empty field goes up a folder."""

    # Not a priority binding: those run before the keys typed just before reach the field, so tab would complete
    # the text as it was a few keys ago.
    BINDINGS = [Binding("tab", "complete", "Complete", show=False)]

    class Up(Message):
        pass

    class Completed(Message):
        def __init__(self, candidates: list[str]) -> None:
            super().__init__()
            self.candidates = candidates

    def __init__(self, *args, cwd: Path, suffixes: frozenset[str] = IMAGE_SUFFIXES, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cwd = cwd
        self.suffixes = suffixes

    def action_complete(self) -> None:
        text, candidates = complete_path(self.value, self.cwd, self.suffixes)
        self.value = text
        self.cursor_position = len(text)
        self.post_message(self.Completed(candidates))

    def action_delete_left(self) -> None:
        if not self.value:
            self.post_message(self.Up())
            return
        super().action_delete_left()


class FilePickerScreen(ScreenBase, ModalScreen[Path | None]):
    HELP_TITLE = "Pick a file"
    DEFAULT_CSS = """
    #picker-detail { color: $text-muted; max-height: 2; }
    #picker-where { color: $text-muted; }
    """
    BINDINGS = [
        Binding("backspace", "up", "Parent folder", id="picker.up"),
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
    ]

    def __init__(
        self, title: str, start: Path | None = None, detail: str = "", *, suffixes: set[str] | None = None
    ) -> None:
        """``suffixes``: pick another kind of file than an image (an export, a bundle); checked by the caller."""
        super().__init__()
        self.title_text = title
        self.detail = detail
        self.suffixes = suffixes
        self.wanted = IMAGE_SUFFIXES if suffixes is None else frozenset(suffixes)
        self.folder = (start or last_reference_dir() or Path.cwd()).resolve()

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static(self.title_text, classes="pane-title", id="picker-title")
            if self.detail:
                yield Static(self.detail, id="picker-detail")
            what = "attaches an image" if self.suffixes is None else "picks a file"
            yield PathInput(
                placeholder=f"a path: tab completes, enter opens a folder or {what}",
                id="picker-path",
                cwd=self.folder,
                suffixes=self.wanted,
            )
            yield Static("", id="picker-where")
            with Horizontal(id="picker-body"):
                tree = ImageTree(self.folder, id="picker-tree")
                tree.suffixes = self.wanted
                yield tree
                yield ImageView(id="picker-preview")
            yield Static("", id="picker-error", classes="error")
            yield Footer()

    def on_mount(self) -> None:
        self._show_where()
        self.query_one("#picker-path", Input).focus()

    # -- where we are ---------------------------------------------------------------------------
    def _show_where(self, note: str = "") -> None:
        kinds = "images" if self.suffixes is None else " ".join(sorted(self.wanted))
        where = (
            f"in {_shown(self.folder)}   (backspace: parent folder · tab: complete · only folders and {kinds} shown)"
        )
        self.query_one("#picker-where", Static).update(note or where)

    def open_folder(self, folder: Path) -> None:
        self.folder = folder.resolve()
        self.query_one("#picker-path", PathInput).cwd = self.folder
        self.query_one("#picker-tree", ImageTree).path = self.folder
        self._error("")
        self._show_where()

    def action_up(self) -> None:
        if self.folder.parent != self.folder:
            self.open_folder(self.folder.parent)

    @on(PathInput.Up)
    async def _up(self) -> None:
        await self.app.run_action("up", self)  # as the key binding would (and so in the action log)

    @on(PathInput.Completed)
    def _completed(self, event: PathInput.Completed) -> None:
        if event.candidates:
            shown = "  ".join(event.candidates[:12]) + ("  …" if len(event.candidates) > 12 else "")
            self._show_where(f"{len(event.candidates)} matches: {shown}")
        else:
            self._show_where()

    # -- the tree -------------------------------------------------------------------------------
    @on(DirectoryTree.NodeHighlighted)
    def _highlighted(self, event: DirectoryTree.NodeHighlighted) -> None:
        path = getattr(event.node.data, "path", None)
        if path is None:
            return
        path = Path(path)
        preview = self.query_one("#picker-preview", ImageView)
        if path.is_file():
            self.query_one("#picker-path", Input).value = str(path)
            if is_image_name(path):
                preview.show(path)
        else:
            preview.show(None, message=f"folder {path.name}: enter opens it")

    @on(DirectoryTree.FileSelected)
    def _file_selected(self, event: DirectoryTree.FileSelected) -> None:
        self.check_and_return(event.path)

    # -- the typed path ---------------------------------------------------------------------------
    def _typed_path(self, text: str) -> Path:
        path = Path(text).expanduser()
        return path if path.is_absolute() else self.folder / path

    @on(Input.Changed, "#picker-path")
    def _changed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        if text and is_image_name(Path(text)):
            path = self._typed_path(text)
            if path.is_file():
                self.query_one("#picker-preview", ImageView).show(path)

    @on(Input.Submitted, "#picker-path")
    def _typed(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        path = self._typed_path(text)
        if path.is_dir():
            self.open_folder(path)
            event.input.value = ""
        elif path.exists():
            self.check_and_return(path)
        else:
            self._error(f"no such file or folder: {path}")

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
            self.app.call_from_thread(self._error, str(exc))
            return
        if self.suffixes is None:
            remember_reference_dir(path.parent)  # the next reference starts here, in this session or the next
        self.app.call_from_thread(self.dismiss, path)

    def _error(self, message: str) -> None:
        self.query_one("#picker-error", Static).update(f"✗ {message}" if message else "")

    def action_cancel(self) -> None:
        self.dismiss(None)


def _shown(folder: Path) -> str:
    """The folder as a person reads it: relative to where imgbench was started when inside it, ~ for the home."""
    for base, prefix in ((Path.cwd(), "."), (Path.home(), "~")):
        try:
            rest = folder.relative_to(base.resolve())
        except (ValueError, OSError, RuntimeError):
            continue
        return prefix if not rest.parts else f"{prefix}/{rest.as_posix()}"
    return str(folder)
