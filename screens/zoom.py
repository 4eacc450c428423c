"""Zoom: one output over the whole terminal; flip between outputs; compare with the reference."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.widgets.image_view import ImageView

if TYPE_CHECKING:
    from screens.review import ReviewScreen


class ZoomScreen(Screen[None]):
    BINDINGS = [
        Binding("left,h", "flip(-1)", "◀ prev", id="zoom.prev"),
        Binding("right,l", "flip(1)", "next ▶", id="zoom.next"),
        Binding("c", "compare", "Compare ref", id="zoom.compare"),
        Binding("O", "open_full", "Open full size", id="zoom.open"),
        Binding("escape,z,q", "back", "Back", id="zoom.back"),
    ]

    def __init__(self, review: ReviewScreen, index: int) -> None:
        super().__init__()
        self.review = review
        self.index = index
        self.comparing = False

    def compose(self) -> ComposeResult:
        yield Static("", id="zoom-caption")
        with Horizontal(id="zoom-body"):
            yield ImageView(id="zoom-reference")
            yield ImageView(id="zoom-image")
        yield Footer()

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        review = self.review
        assert review.session is not None
        outputs = review.outputs()
        run = outputs[self.index]
        case = review.session.case(run.case_id)
        store = self.app.ctx.store
        reference = self.query_one("#zoom-reference", ImageView)
        reference.display = self.comparing and bool(case.references)
        if reference.display:
            reference.show(store.abspath(review.session.id, case.references[0].path))
        image = self.query_one("#zoom-image", ImageView)
        if run.images:
            image.show(store.abspath(review.session.id, run.images[0].path))
        else:
            image.show(None, message=f"{run.status}: {run.error.message if run.error else 'no image'}")
        compare = "  (left: reference)" if reference.display else ""
        self.query_one("#zoom-caption", Static).update(f"{self.index + 1}/{len(outputs)}  {review.label(run)}{compare}")

    def action_flip(self, step: int) -> None:
        self.index = (self.index + step) % len(self.review.outputs())
        self.review.output_index = self.index
        self.show()

    def action_compare(self) -> None:
        self.comparing = not self.comparing
        self.show()

    def action_open_full(self) -> None:
        import shutil
        import subprocess

        review = self.review
        assert review.session is not None
        run = review.outputs()[self.index]
        if not run.images:
            return
        path = self.app.ctx.store.abspath(review.session.id, run.images[0].path)
        opener = shutil.which("xdg-open") or shutil.which("open")
        if opener and not review.blind:
            subprocess.Popen([opener, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.notify("Opened in the system viewer")
        elif review.blind:
            self.notify(
                "Blind mode: the file name would reveal nothing, but the viewer's title might; reveal first",
                severity="warning",
            )
        else:
            self.notify(str(path), title="No viewer here; the file is at", timeout=15)

    def action_back(self) -> None:
        self.app.pop_screen()
        self.review.render_captions()
        self.review.render_checklist()
