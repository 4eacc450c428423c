"""Zoom: one output over the whole terminal; flip between outputs; compare with the reference; a difference
view against the reference for edit cases, whose figures are recorded with the run; and a loupe in every
preview mode: zoom in down to one image pixel per drawn pixel (and beyond), pan, with the same crop of the
reference beside it when comparing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.core.model import Run
from tui.core.safe_text import visible
from tui.imaging.loupe import Loupe
from tui.widgets.diff_view import DiffView
from tui.widgets.image_view import ImageView
from tui.widgets.screen_base import ScreenBase
from tui.widgets.workbench import workbench

if TYPE_CHECKING:
    from screens.review_parts import ReviewState


class ZoomScreen(ScreenBase, Screen[None]):
    HELP_TITLE = "Zoom"
    BINDINGS = [
        Binding("left,h", "left", "◀", id="zoom.prev", tooltip="Previous output (zoomed in: pan left)"),
        Binding("right,l", "right", "▶", id="zoom.next", tooltip="Next output (zoomed in: pan right)"),
        Binding("up,k", "pan(0, -1)", "Pan up", id="zoom.pan_up", show=False),
        Binding("down,j", "pan(0, 1)", "Pan down", id="zoom.pan_down", show=False),
        Binding("plus,equals_sign", "loupe(1)", "In", id="zoom.loupe_in", key_display="+", tooltip="Zoom in"),
        Binding("minus", "loupe(-1)", "Out", id="zoom.loupe_out", key_display="-", tooltip="Zoom out"),
        Binding("0", "loupe_fit", "Fit", id="zoom.loupe_fit", show=False, tooltip="Fit the whole image"),
        Binding("comma", "flip(-1)", "◀ prev output", id="zoom.prev_output", show=False),
        Binding("full_stop", "flip(1)", "next output ▶", id="zoom.next_output", show=False),
        Binding("c", "compare", "Ref", id="zoom.compare", tooltip="Compare with the reference, side by side"),
        Binding("d", "diff", "Diff", id="zoom.diff", tooltip="Difference view against the reference"),
        Binding("r", "region", "Region", id="zoom.region", tooltip="Edit region of the difference view"),
        Binding("O", "open_full", "Open", id="zoom.open", tooltip="Open full size in the system viewer"),
        Binding("escape,z,q", "back", "Back", id="zoom.back", show=False, tooltip="Back to Review"),
    ]

    def __init__(self, review: ReviewState, index: int) -> None:
        super().__init__()
        self.review = review
        self.index = index
        self.comparing = False
        self.diffing = False
        self.loupe = Loupe()
        self._mode_text = ""

    def compose(self) -> ComposeResult:
        blind = bool(self.review.session and self.review.session.blind)
        yield Static("", id="zoom-caption")
        with Horizontal(id="zoom-body"):
            yield ImageView(id="zoom-reference", blind=blind)
            yield ImageView(id="zoom-image", blind=blind)
            yield DiffView(id="zoom-diff", blind=blind)
        yield Footer()

    def on_mount(self) -> None:
        self.show()

    @property
    def session_id(self) -> str:
        return self.review.session_id

    @property
    def run(self) -> Run:
        return self.review.outputs()[self.index]

    def _region(self) -> tuple[float, float, float, float] | None:
        metrics = self.run.metrics
        keys = ("diff_region_x0", "diff_region_y0", "diff_region_x1", "diff_region_y1")
        if all(k in metrics for k in keys):
            return tuple(metrics[k] for k in keys)  # type: ignore[return-value]
        return self.review.regions.get(self.run.case_id)

    def show(self) -> None:
        review = self.review
        assert review.session is not None
        outputs = review.outputs()
        run = outputs[self.index]
        case = review.session.case(run.case_id)
        store = self.app.ctx.store
        ref_path = store.abspath(review.session.id, case.references[0].path) if case.references else None
        out_path = store.abspath(review.session.id, run.images[0].path) if run.images else None
        reference = self.query_one("#zoom-reference", ImageView)
        reference.display = (self.comparing or self.diffing) and ref_path is not None
        if reference.display:
            reference.show(ref_path, sha256=case.references[0].sha256)
        image = self.query_one("#zoom-image", ImageView)
        image.loupe = self.loupe
        reference.loupe = self.loupe  # the same region of the reference, beside it
        reference.loupe_leader = out_path
        image.loupe_drawn = reference.loupe_drawn = self._loupe_drawn
        image.on_drawn = self.update_caption
        diff = self.query_one("#zoom-diff", DiffView)
        image.display = not self.diffing
        diff.display = self.diffing
        if self.diffing:
            diff.compare(out_path, ref_path, region=self._region())
        elif run.images:
            image.show(out_path, sha256=run.images[0].sha256)
        else:
            image.show(None, message=f"{run.status}: {run.error.kind if run.error else 'no image'}")
        mode = "  (left: reference)" if self.comparing and not self.diffing else ""
        if self.diffing:
            mode = "  difference from the reference (r: edit region)"
        self._mode_text = mode
        self.update_caption()

    def update_caption(self) -> None:
        """The position, the label, the mode and the loupe's level and region (again once the image is drawn:
        the region depends on the tile's size, known only after layout)."""
        run, outputs = self.run, self.review.outputs()
        loupe = ""
        size = self._image_size()
        if size is not None and not self.diffing:
            loupe = "  " + self.loupe.describe(size, self._loupe_drawn())
        caption = f"{self.index + 1}/{len(outputs)}  {self.review.label(run)}{self._mode_text}{loupe}"
        self.query_one("#zoom-caption", Static).update(Text(visible(caption)))

    def _loupe_drawn(self) -> tuple[int, int]:
        """The loupe's drawn size: the output's tile, or the smaller of both tiles when the reference is beside it."""
        sizes = [v.drawn_size() for v in self.query(ImageView) if v.display]
        if not sizes:
            return self.query_one("#zoom-image", ImageView).drawn_size()
        return min(w for w, _h in sizes), min(h for _w, h in sizes)

    def _image_size(self) -> tuple[int, int] | None:
        run = self.run
        if not run.images or not run.images[0].width or not run.images[0].height:
            return None
        return run.images[0].width, run.images[0].height

    def action_loupe(self, step: int) -> None:
        self.loupe.zoom(step)
        self.show()

    def action_loupe_fit(self) -> None:
        self.loupe.fit()
        self.show()

    def action_pan(self, dx: int, dy: int) -> None:
        size = self._image_size()
        if size is None or not self.loupe.zoomed:
            return
        self.loupe.pan(dx, dy, size, self._loupe_drawn())
        self.show()

    def action_left(self) -> None:
        self.action_pan(-1, 0) if self.loupe.zoomed else self.action_flip(-1)

    def action_right(self) -> None:
        self.action_pan(1, 0) if self.loupe.zoomed else self.action_flip(1)

    def action_flip(self, step: int) -> None:
        self.index = (self.index + step) % len(self.review.outputs())
        self.review.output_index = self.index
        self.show()

    def action_compare(self) -> None:
        self.comparing = not self.comparing
        self.show()

    def _case_has_reference(self) -> bool:
        session = self.review.session
        return bool(session and session.case(self.run.case_id).references)

    def action_diff(self) -> None:
        if not self._case_has_reference():
            self.notify("This case has no reference image to compare with", severity="warning")
            return
        self.diffing = not self.diffing
        self.show()

    def action_region(self) -> None:
        if not self._case_has_reference():
            return

        def apply(region) -> None:
            if region is False:  # cancelled: the region stays as it was
                return
            self.review.regions[self.run.case_id] = region
            self.diffing = True
            self.show()

        workbench(self).open("region", self._region(), callback=apply)

    @on(DiffView.Computed)
    def _record(self, event: DiffView.Computed) -> None:
        """The preservation figure is objective: it is stored with the run, for every rater and the export."""
        run, review = self.run, self.review
        metrics = dict(event.result.metrics())
        region = event.result.region
        if region is not None:
            metrics.update(
                zip(("diff_region_x0", "diff_region_y0", "diff_region_x1", "diff_region_y1"), region, strict=True)
            )
        stale = [k for k in run.metrics if k.startswith("diff_")]

        def apply(session) -> None:
            target = session.run(run.id)
            target.metrics = {**{k: v for k, v in target.metrics.items() if k not in stale}, **metrics}

        apply(review.session)
        review.save(apply)

    def action_open_full(self) -> None:
        import os
        import shutil
        import subprocess

        review = self.review
        assert review.session is not None
        run = self.run
        if not run.images:
            return
        path = self.app.ctx.store.abspath(review.session.id, run.images[0].path)
        if review.blind:
            self.notify("Blind: the viewer's title would show the file; reveal the case first", severity="warning")
            return
        opener = shutil.which("xdg-open") or shutil.which("open")
        if opener and (os.environ.get("DISPLAY") or shutil.which("open")):
            subprocess.Popen([opener, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.notify("Opened in the system viewer")
        else:
            self.notify(str(path), title="No viewer here; the file is at", timeout=15)

    def action_back(self) -> None:
        self.app.pop_screen()
        self.review.render_captions()
        self.review.render_checklist()
