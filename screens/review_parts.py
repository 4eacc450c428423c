"""The pieces of the Review screen that other screens share, or that are plain rendering: the output tile, the
grid's shape, verdict marks and the checklist text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from tui.core.model import Case, Run, Score, Session
from tui.core.safe_text import visible
from tui.core.wording import count
from tui.widgets.image_view import ImageView
from tui.widgets.steady_static import SteadyStatic

MARKS = {"pass": ("✓", "green"), "fail": ("✗", "red"), "partial": ("½", "yellow"), "na": ("–", "grey50")}


class ReviewState(Protocol):
    """What Zoom and the preference dialog use of the Review screen that opened them."""

    session: Session | None
    session_id: str
    output_index: int
    regions: dict[str, tuple[float, float, float, float] | None]

    @property
    def blind(self) -> bool: ...
    @property
    def rater(self) -> str: ...
    def outputs(self) -> list[Run]: ...
    def label(self, run: Run) -> str: ...
    def render_captions(self) -> None: ...
    def render_checklist(self) -> None: ...
    def save(self, change: Callable[[Session], None]) -> None:
        """Apply a change to the session on disk, in order with the verdicts (the ordered saver)."""


def best_columns(count: int, width: int, height: int) -> int:
    """The column count that gives each (roughly square) image the most cells; a cell is ~1:2."""
    if count <= 1:
        return 1

    def side(columns: int) -> float:
        rows = -(-count // columns)
        return min(width / columns - 2, (height / rows - 3) * 2)

    return max(range(1, min(count, 9) + 1), key=side)


class OutputTile(Vertical):
    """One output: its image and a caption that never names the model in blind mode."""

    def __init__(self, index: int) -> None:
        super().__init__(classes="tile")
        self.index = index

    def compose(self) -> ComposeResult:
        screen = self.screen
        yield ImageView(classes="tile-image", blind=bool(getattr(screen, "session", None) and screen.session.blind))
        yield SteadyStatic("", classes="tile-caption")


class SafeText(Text):
    """A Text whose appended strings (criteria, notes, provider messages: stored text) show their control
    characters instead of sending them (``tui.core.safe_text.visible``)."""

    def append(self, text, style=None):  # type: ignore[no-untyped-def, override]
        return super().append(visible(text) if isinstance(text, str) else text, style)


def checklist_text(
    session: Session, run: Run, score: Score | None, *, label: str, cursor: int, left: int, blind: bool
) -> Text:
    """The checklist of ``run``'s case with this rater's marks, the item under the cursor, what is left, the note
    and (masked when blind) the run's error."""
    case = session.case(run.case_id)
    verdicts = score.verdicts if score else {}
    text = SafeText()
    text.append(f"Checklist for {label}\n", style="bold")
    if not case.checklist:
        text.append("This case has no checklist: add notes with o.\n", style="dim")
    for i, item in enumerate(case.checklist):
        mark, colour = MARKS.get(verdicts.get(item.id, ""), ("·", "grey50"))
        style = "reverse" if i == cursor else ""
        text.append(f"{'▸' if i == cursor else ' '}{mark} ", style=f"bold {colour}")
        text.append(f"{item.criterion}", style=f"bold {style}")
        if item.check:
            text.append(f" — {item.check}", style=style or "dim")
        if item.machine is not None:  # on the item's own line: the cursor's scrolling counts one line per item
            text.append(f"  {machine_line(session, run, item.id, blind)}", style="italic cyan")
        text.append("\n")
    if case.checklist:
        text.append(f"\n{count(left, 'item')} left in this case", style="dim")
    if score and score.note:
        text.append(f"\nNote: {score.note}", style="italic")
    if run.error:
        message = run.error.message
        if blind:
            from tui.scoring.blind import mask_models

            message = mask_models(message, session)
        text.append(f"\n{run.error.kind}: {message}", style="red")
    return text


def machine_line(session: Session, run: Run, item_id: str, blind: bool) -> str:
    """What the item's machine check measured on this output (a measurement beside the verdict, never one). Blind,
    the text read is masked like every other free text: a demo label or a provider's watermark names a model."""
    from tui.imaging.machine_checks import describe

    result = run.check_of(item_id)
    if result is not None and run.images and result.image_sha256 == run.images[0].sha256:
        if blind:
            from tui.scoring.blind import mask_models

            return mask_models(describe(result, blind=True), session)
        return describe(result)
    return "machine: measuring…" if run.status == "succeeded" and run.images else "machine: no output"


def take_checks(mine: Session, fresh: Session) -> bool:
    """Copy the check results measured since ``mine`` was loaded (the background queue writes them to the file);
    whether any changed."""
    measured = {run.id: run.checks for run in fresh.runs}
    changed = False
    for run in mine.runs:
        if run.id in measured and measured[run.id] != run.checks:
            run.checks, changed = measured[run.id], True
    return changed


def scroll_for_line(text: Text, line: int, width: int, console, scroll_y: float, view: int) -> int | None:
    """Where a pane ``view`` rows high showing ``text`` wrapped at ``width`` must scroll for logical line ``line``
    (and the row after it) to be in sight; None when it already is."""
    lines = text.split("\n")
    top = sum(len(part.wrap(console, width)) for part in lines[:line])
    height = len(lines[line].wrap(console, width)) if line < len(lines) else 1
    if top < scroll_y:
        return max(0, top - 1)
    if top + height + 1 > scroll_y + view:
        return top + height + 1 - view
    return None


def next_unscored(
    session: Session, case: Case, outputs: list[Run], rater: str, output: int, item: int
) -> tuple[int, int] | None:
    """After a verdict: the next unscored item of this output; when it is done, the next output with work left."""
    for offset in range(len(outputs)):
        index = (output + offset) % len(outputs)
        run = outputs[index]
        if run.status != "succeeded":
            continue
        score = session.score_of(run.id, rater)
        done = score.verdicts if score else {}
        start = item + 1 if offset == 0 else 0
        for i in list(range(start, len(case.checklist))) + list(range(0, start)):
            if case.checklist[i].id not in done:
                return index, i
    return None
