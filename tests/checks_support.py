"""Shared by the machine-check tests: a CJK font found on this machine (or a clear failure), crafted posters,
and a stored session whose one case declares checks."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from tui.core.model import Case, ChecklistItem, MachineCheck, Params, Reference, Run, Session, new_session_id, now_iso
from tui.core.store import Store

# Where Debian's packages put them (.ci/run installs fonts-wqy-microhei), then whatever fontconfig knows.
FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)


def cjk_font() -> Path:
    """A font with both Simplified and Traditional Chinese; a failure (never a skip) when there is none."""
    for name in FONT_FILES:
        if Path(name).is_file():
            return Path(name)
    if shutil.which("fc-list"):
        out = subprocess.run(["fc-list", ":lang=zh-cn", "file"], capture_output=True, text=True, check=False).stdout
        for line in sorted(out.splitlines()):
            path = Path(line.split(":", 1)[0].strip())
            if path.suffix.lower() in (".ttf", ".ttc", ".otf") and path.is_file():
                return path
    pytest.fail("no CJK font here: install fonts-wqy-microhei or fonts-noto-cjk (.ci/run does)")


def poster(headline: str, size: tuple[int, int] = (1024, 1024)) -> bytes:
    """The cat3 poster's text, drawn plainly: the headline, the subtitle and the glass's English line."""
    from PIL import Image, ImageDraw, ImageFont

    font = str(cjk_font())
    img = Image.new("RGB", size, (244, 234, 214))
    draw = ImageDraw.Draw(img)
    draw.text((250, 90), headline, font=ImageFont.truetype(font, 100), fill=(150, 20, 30))
    draw.text((250, 240), "第七届 · 上海 · 1965年5月", font=ImageFont.truetype(font, 42), fill=(150, 20, 30))
    draw.text((230, 720), "GRAND OPENING NIGHT", font=ImageFont.truetype(font, 48), fill=(30, 30, 40))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def png(
    size: tuple[int, int], colour: tuple[int, int, int] = (90, 120, 150), box=None, box_colour=(250, 0, 0)
) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, colour)
    if box is not None:
        ImageDraw.Draw(img).rectangle(box, fill=box_colour)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def stored_session(
    store: Store, checks: dict[str, MachineCheck], outputs: list[bytes], *, params: Params | None = None,
    reference: bytes | None = None,
) -> Session:  # fmt: skip
    """A session of one case (items c1… declaring ``checks``) with one succeeded run per output, on disk."""
    from tui.core.images import inspect_bytes

    items = [ChecklistItem(item_id, f"criterion {item_id}", machine=check) for item_id, check in checks.items()]
    items.append(ChecklistItem("plain", "judged by a person only"))
    case = Case("k1", "a poster", checklist=items, params=params or Params(), mode="i2i" if reference else "t2i")
    models = [f"demo:m{i}" for i in range(len(outputs))]
    session = Session(new_session_id(), "checks", now_iso(), models=models, cases=[case])
    store.save(session)
    if reference is not None:
        case.references = [store.add_reference(session.id, reference, inspect_bytes(reference, what="ref"))]
        assert isinstance(case.references[0], Reference)
    for i, data in enumerate(outputs):
        run = Run(f"r-{i}", "k1", models[i], status="succeeded", params_requested=case.params.to_dict())
        run.images = [store.write_output(session.id, run.id, 0, data)]
        session.runs.append(run)
    store.save(session)
    return session
