"""A contact sheet: one PNG of a whole session, for a doc, a chat thread or a slide.

One row per case (its title, and small copies of its reference images, at the left), one column per
model (its name as the header). Each cell holds a thumbnail of the run's first output, or a plain
placeholder saying why there is none, and under it the checklist marks (✓ pass, ✗ fail, ½ partial or
raters split, – n/a, · not scored) with the score "6.5/8", then the model name again so a cropped
cell still says whose it is.

Memory stays low: each image is opened, reduced while decoding (``draft`` for JPEG, ``reduce`` inside
``thumbnail``) and closed before the next; only the sheet itself is held whole.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from tui.core.model import Case, Run, Session
from tui.core.outputs import write_user_file
from tui.core.store import Store
from tui.core.wording import count
from tui.scoring.blind import slot_view
from tui.scoring.stats import VERDICT_VALUE, effective_verdicts

DEFAULT_THUMB = 224
MARGIN = 16
LABEL_W = 240
TITLE_H = 44
HEADER_H = 34
GAP = 12
LINE_H = 20
REF_THUMB = 64

BG, INK, MUTED, BOX = (250, 250, 252), (29, 29, 31), (110, 110, 118), (228, 228, 234)
MARK_COLOUR = {"✓": (22, 130, 60), "✗": (200, 40, 40), "½": (190, 120, 0), "–": MUTED, "·": (170, 170, 176)}
ASCII_MARKS = {"✓": "+", "✗": "x", "½": "~", "–": "-", "·": "."}

FontT = ImageFont.FreeTypeFont | ImageFont.ImageFont


@functools.lru_cache(maxsize=16)
def _font(size: int, bold: bool = False) -> tuple[FontT, bool]:
    """DejaVu Sans when the system has it (it has ✓ ✗ ½), else Pillow's own scalable font and ASCII marks."""
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf", size), True
    except OSError:
        return ImageFont.load_default(size=size), False


def sheet_size(n_cases: int, n_models: int, thumb: int = DEFAULT_THUMB) -> tuple[int, int]:
    """The (width, height) in pixels of a sheet with this many rows and columns."""
    width = 2 * MARGIN + LABEL_W + n_models * (thumb + GAP)
    height = 2 * MARGIN + TITLE_H + HEADER_H + n_cases * _row_h(thumb)
    return width, height


def _row_h(thumb: int) -> int:
    return thumb + 2 * LINE_H + GAP + 6


def marks(case: Case, session: Session, run: Run, rater: str | None = None) -> tuple[list[str], float, int]:
    """Per checklist item a mark, plus (points, items counted) across the considered raters."""
    per_item: dict[str, list[str]] = {}
    for score in session.scores:
        if score.run_id == run.id and (rater is None or score.rater == rater):
            for item_id, verdict in effective_verdicts(case.checklist, score.verdicts).items():
                per_item.setdefault(item_id, []).append(verdict)
    out: list[str] = []
    points, counted = 0.0, 0
    for item in case.checklist:
        given = per_item.get(item.id)
        values = [VERDICT_VALUE[v] for v in given or [] if v != "na"]
        if not given:
            out.append("·")
        elif not values:
            out.append("–")
        else:
            mean = sum(values) / len(values)
            points += mean
            counted += 1
            out.append("✓" if mean == 1 else "✗" if mean == 0 else "½")
    return out, points, counted


def _fit(draw: ImageDraw.ImageDraw, text: str, font: FontT, width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: FontT, width: int, max_lines: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _fit(draw, " ".join(lines[max_lines - 1 :]), font, width)]
    return [_fit(draw, line, font, width) for line in lines]


def _thumbnail(path: Path, box: int) -> Image.Image | None:
    try:
        with Image.open(path) as im:
            im.draft("RGB", (box, box))  # JPEG decodes at 1/2, 1/4 or 1/8 scale: far less memory
            im.thumbnail((box, box), Image.Resampling.LANCZOS, reducing_gap=2.0)
            return im.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def _placeholder(draw: ImageDraw.ImageDraw, xy: tuple[int, int], thumb: int, text: str, font: FontT) -> None:
    x, y = xy
    draw.rectangle((x, y, x + thumb - 1, y + thumb - 1), fill=BOX, outline=(200, 200, 208))
    lines = _wrap(draw, text, font, thumb - 16, 3)
    top = y + thumb // 2 - len(lines) * LINE_H // 2
    for i, line in enumerate(lines):
        w = draw.textlength(line, font=font)
        draw.text((x + (thumb - w) / 2, top + i * LINE_H), line, fill=MUTED, font=font)


def _cell_run(session: Session, case: Case, model: str) -> Run | None:
    runs = [r for r in session.runs if r.case_id == case.id and r.model == model]
    return min(runs, key=lambda r: r.repeat) if runs else None


def render_sheet(
    session: Session, store: Store, *, rater: str | None = None, thumb: int = DEFAULT_THUMB, note: str = ""
) -> Image.Image:
    """The sheet as an image (RGB); ``note`` goes on the line under the title (e.g. that names are hidden)."""
    width, height = sheet_size(len(session.cases), len(session.models), thumb)
    sheet = Image.new("RGB", (width, height), BG)
    draw = ImageDraw.Draw(sheet)
    title_font, _ = _font(20, bold=True)
    head_font, _ = _font(15, bold=True)
    text_font, _ = _font(13)

    draw.text(
        (MARGIN, MARGIN),
        _fit(draw, session.name or session.id, title_font, width - 2 * MARGIN),
        fill=INK,
        font=title_font,
    )
    info = f"{session.id} · {session.created_at[:16].replace('T', ' ')}" + (f" · rater {rater}" if rater else "")
    info += f" · {note}" if note else ""
    draw.text((MARGIN, MARGIN + 26), _fit(draw, info, text_font, width - 2 * MARGIN), fill=MUTED, font=text_font)
    top = MARGIN + TITLE_H
    left = MARGIN + LABEL_W
    for col, model in enumerate(session.models):
        x = left + col * (thumb + GAP)
        draw.text((x, top + 6), _fit(draw, model, head_font, thumb), fill=INK, font=head_font)
    draw.line((MARGIN, top + HEADER_H - 4, width - MARGIN, top + HEADER_H - 4), fill=BOX, width=2)

    for row, case in enumerate(session.cases):
        y = top + HEADER_H + row * _row_h(thumb)
        lines = _wrap(draw, case.label, head_font, LABEL_W - GAP, 4)
        for i, line in enumerate(lines):
            draw.text((MARGIN, y + i * LINE_H), line, fill=INK, font=head_font)
        sub = f"{case.mode} · {count(len(case.checklist), 'check')}" + (
            f" · {count(len(case.references), 'ref')}" if case.references else ""
        )
        draw.text((MARGIN, y + len(lines) * LINE_H + 2), sub, fill=MUTED, font=text_font)
        _draw_refs(sheet, store, session, case, (MARGIN, y + thumb - REF_THUMB))
        for col, model in enumerate(session.models):
            x = left + col * (thumb + GAP)
            _draw_cell(sheet, draw, store, session, case, _cell_run(session, case, model), (x, y), thumb, rater)
            draw.text((x, y + thumb + 4 + LINE_H), _fit(draw, model, text_font, thumb), fill=MUTED, font=text_font)
    return sheet


def _draw_refs(sheet: Image.Image, store: Store, session: Session, case: Case, xy: tuple[int, int]) -> None:
    x, y = xy
    for ref in case.references[: (LABEL_W - GAP) // (REF_THUMB + 4)]:
        try:
            path = store.abspath(session.id, ref.path)
        except ValueError:
            continue
        img = _thumbnail(path, REF_THUMB)
        if img is not None:
            sheet.paste(img, (x, y + (REF_THUMB - img.height)))
            x += img.width + 4
            img.close()


def _draw_cell(
    sheet: Image.Image,
    draw: ImageDraw.ImageDraw,
    store: Store,
    session: Session,
    case: Case,
    run: Run | None,
    xy: tuple[int, int],
    thumb: int,
    rater: str | None,
) -> None:
    x, y = xy
    text_font, unicode_ok = _font(13)
    mark_font, _ = _font(15, bold=True)
    img = None
    if run is not None and run.status == "succeeded" and run.images:
        try:
            img = _thumbnail(store.abspath(session.id, run.images[0].path), thumb)
        except ValueError:
            img = None
    if img is not None:
        sheet.paste(img, (x + (thumb - img.width) // 2, y + (thumb - img.height) // 2))
        img.close()
    elif run is None:
        _placeholder(draw, (x, y), thumb, "not run", text_font)
    elif run.status == "failed":
        _placeholder(draw, (x, y), thumb, f"failed: {run.error.kind if run.error else 'unknown'}", text_font)
    elif run.status == "succeeded":
        _placeholder(draw, (x, y), thumb, "no image", text_font)
    else:
        _placeholder(draw, (x, y), thumb, run.status, text_font)
    if run is None:
        return
    item_marks, points, counted = marks(case, session, run, rater)
    if run.status != "succeeded" and not counted:
        return  # nothing was made and nothing scored: the placeholder says it all
    score = f"{points:g}/{counted}" if counted else ("not scored" if case.checklist else "")
    score_w = draw.textlength(score, font=text_font) if score else 0
    glyphs = [(m if unicode_ok else ASCII_MARKS[m], MARK_COLOUR[m]) for m in item_marks]
    if sum(draw.textlength(g, font=mark_font) + 3 for g, _ in glyphs) > thumb - score_w - 6:
        # Too many items for one mark each: counts per kind instead ("✓5 ½2 ✗3").
        glyphs = [
            (f"{g}{item_marks.count(m)} ", MARK_COLOUR[m])
            for m in MARK_COLOUR
            if m in item_marks
            for g in [m if unicode_ok else ASCII_MARKS[m]]
        ]
    cx, cy = x, y + thumb + 4
    for glyph, colour in glyphs:
        draw.text((cx, cy), glyph, fill=colour, font=mark_font)
        cx += int(draw.textlength(glyph, font=mark_font)) + 3
    if score:
        draw.text((x + thumb - score_w, cy + 1), score, fill=INK, font=text_font)


def contact_sheet(
    session: Session,
    store: Store,
    out_path: Path | str,
    *,
    rater: str | None = None,
    thumb: int = DEFAULT_THUMB,
    by_slot: bool = False,
) -> Path:
    """Write the session's contact sheet as a PNG at ``out_path`` (atomically) and return the path. ``by_slot`` (a
    blind session whose names are hidden from the reader): a column per slot, as in Review, and no model names."""
    out = Path(out_path)
    note = ""
    if by_slot and session.blind:
        session, note = slot_view(session), "blind, names hidden: a column per slot (shuffled per case)"
    sheet = render_sheet(session, store, rater=rater, thumb=thumb, note=note)
    buf = io.BytesIO()
    sheet.save(buf, "PNG", optimize=True)
    sheet.close()
    write_user_file(out, buf.getvalue())
    return out
