"""Machine checks of one output: what a checklist item's declared check measures, with its evidence.

- ``ocr``: the text read (``tui.imaging.ocr``) and, for each expected string, found or not and its character
  error rate (``tui.imaging.text_match``); passes when every string is found.
- ``aspect``: the output's width / height against the ratio asked (the check's own, else the run's requested
  aspect, else its size), within a relative tolerance (default 2 %).
- ``size``: the output's edges against the size asked (the check's own, else the run's requested size), each
  within a relative tolerance (default 0: exactly).
- ``preserve``: the share of pixels changed against the first reference (``tui.imaging.diff``, a pixel changed
  when a channel moved by more than ``delta``), outside the edit region (set in Zoom for this run, else the
  preset's; with neither, over the whole image), at most ``max_changed``.

A result is a measurement, never a verdict: the person's verdict is theirs (``tui.core.model.CheckResult``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tui.core.model import Case, CheckResult, MachineCheck, Run, now_iso

PIXELS = "imgbench pixels"
DEFAULT_ASPECT_TOLERANCE = 0.02
ZOOM_REGION_KEYS = ("diff_region_x0", "diff_region_y0", "diff_region_x1", "diff_region_y1")


class CannotMeasure(Exception):
    """The check cannot be made on this output; ``str()`` says why (stored as an "error" result)."""


def _pair(text: str, sep: str) -> tuple[int, int]:
    a, _, b = text.partition(sep)
    return int(a), int(b)


def _image_size(path: Path) -> tuple[int, int]:
    from tui.imaging.decode import ThumbnailError, open_image

    try:
        with open_image(path) as img:
            return img.size
    except ThumbnailError as exc:
        raise CannotMeasure(f"cannot read the output: {exc}") from None


def _aspect(check: MachineCheck, run: Run, path: Path) -> tuple[CheckResult, str]:
    asked = check.ratio or run.params_requested.get("aspect")
    sep = ":"
    if not isinstance(asked, str) or ":" not in asked:
        asked, sep = run.params_requested.get("size"), "x"
    if not isinstance(asked, str) or sep not in asked:
        raise CannotMeasure("the request named no aspect or size to compare with")
    aw, ah = _pair(asked, sep)
    w, h = _image_size(path)
    tolerance = DEFAULT_ASPECT_TOLERANCE if check.tolerance is None else check.tolerance
    expected, measured = aw / ah, w / h
    ok = abs(measured / expected - 1) <= tolerance + 1e-9
    summary = f"{w}x{h} is {measured:.3f}, asked {asked} = {expected:.3f} (±{tolerance:.0%})"
    return CheckResult("", "aspect", "pass" if ok else "fail", summary, measured=round(measured, 4),
                       expected=round(expected, 4), width=w, height=h), PIXELS  # fmt: skip


def _size(check: MachineCheck, run: Run, path: Path) -> tuple[CheckResult, str]:
    asked = check.size or run.params_requested.get("size")
    if not isinstance(asked, str) or "x" not in asked:
        raise CannotMeasure("the request named no size to compare with")
    aw, ah = _pair(asked, "x")
    w, h = _image_size(path)
    tolerance = check.tolerance or 0.0
    error = max(abs(w - aw) / aw, abs(h - ah) / ah)
    ok = error <= tolerance + 1e-9
    within = f" (±{tolerance:.0%})" if tolerance else ""
    summary = f"{w}x{h}, asked {asked}{within}"
    return CheckResult("", "size", "pass" if ok else "fail", summary, measured=round(error, 4), width=w,
                       height=h), PIXELS  # fmt: skip


def _preserve(check: MachineCheck, run: Run, path: Path, reference: Path | None) -> tuple[CheckResult, str]:
    from tui.imaging.diff import DEFAULT_THRESHOLD
    from tui.imaging.thumbs import ThumbnailError

    if reference is None:
        raise CannotMeasure("the case has no reference image to compare with")
    region, where = check.region, "outside the preset's region"
    if all(key in run.metrics for key in ZOOM_REGION_KEYS):
        region, where = tuple(float(run.metrics[k]) for k in ZOOM_REGION_KEYS), "outside the region set in Zoom"
    if region is None:
        where = "of the whole image (no edit region)"
    delta = DEFAULT_THRESHOLD if check.delta is None else check.delta
    try:
        figures = _difference(path, reference, delta, region)
    except ThumbnailError as exc:
        raise CannotMeasure(f"cannot compare with the reference: {exc}") from None
    changed = figures["changed"] if figures["changed_outside"] is None else figures["changed_outside"]
    limit = check.max_changed if check.max_changed is not None else 0.0
    ok = changed <= limit + 1e-9
    summary = f"{changed:.1%} changed {where}, at most {limit:.1%} allowed (Δ>{delta})"
    shown = tuple(figures["region"]) if figures["region"] is not None else None
    return CheckResult("", "preserve", "pass" if ok else "fail", summary, measured=round(changed, 4),
                       expected=limit, region=shown), PIXELS  # fmt: skip


def _difference(path: Path, reference: Path, delta: int, region: object) -> dict:
    """The difference's figures, measured in the OCR process (two decodes and the ImageChops passes held the
    TUI's GIL in pieces); here only when that process cannot answer, so the check still measures."""
    from tui.imaging import ocr
    from tui.imaging.diff import diff_files

    try:
        return ocr.diff_apart(path, reference, threshold=delta, region=region)
    except OSError:
        diff = diff_files(path, reference, threshold=delta, region=region, heatmap=False)  # type: ignore[arg-type]
        return {"changed": diff.changed, "changed_outside": diff.changed_outside, "region": diff.region}


def read_text(path: Path, cache: dict[Path, list[str]] | None = None) -> list[str]:
    """The lines OCR reads in the image (once per image when a cache is given: several items may ask)."""
    from tui.imaging import ocr
    from tui.imaging.decode import ThumbnailError

    if cache is not None and path in cache:
        return cache[path]
    try:
        lines = ocr.read_file(path)  # in the OCR process, which opens and checks the file itself
    except ThumbnailError as exc:
        raise CannotMeasure(f"cannot read the output: {exc}") from None
    except ocr.OcrUnavailable as exc:
        raise CannotMeasure(str(exc)) from None
    if cache is not None:
        cache[path] = lines
    return lines


def _ocr(check: MachineCheck, path: Path, cache: dict[Path, list[str]] | None) -> tuple[CheckResult, str]:
    from tui.imaging import ocr, text_match

    text = " / ".join(read_text(path, cache))
    strings = tuple(text_match.match(expected, text) for expected in check.expect)
    missing = [m for m in strings if not m.found]
    if missing:
        said = "; ".join(f"read {m.closest or 'nothing'} for {m.expected}, CER {m.cer:g}" for m in missing)
        summary = f"{said} ({len(strings) - len(missing)}/{len(strings)} found)"
    else:
        summary = f"found {', '.join(m.expected for m in strings)}"
    result = CheckResult("", "ocr", "fail" if missing else "pass", summary, text=text, strings=strings)
    return result, ocr.engine_label()


def measure(check: MachineCheck, item_id: str, run: Run, image: Path, reference: Path | None,
            image_sha256: str = "", ocr_cache: dict[Path, list[str]] | None = None) -> CheckResult:  # fmt: skip
    """One declared check on one stored output. Never raises for a bad image: that is an "error" result."""
    import msgspec

    started = time.perf_counter()
    makers: dict[str, Callable[[], tuple[CheckResult, str]]] = {
        "ocr": lambda: _ocr(check, image, ocr_cache),
        "aspect": lambda: _aspect(check, run, image),
        "size": lambda: _size(check, run, image),
        "preserve": lambda: _preserve(check, run, image, reference),
    }
    try:
        result, engine = makers[check.kind]()
    except CannotMeasure as exc:
        result, engine = CheckResult("", check.kind, "error", str(exc)), ""
    return msgspec.structs.replace(
        result, item_id=item_id, image_sha256=image_sha256, checked_at=now_iso(), engine=engine,
        duration_ms=round((time.perf_counter() - started) * 1000, 1),
    )  # fmt: skip


MARKS = {"pass": "✓", "fail": "✗", "error": "?"}


def describe(result: CheckResult, *, blind: bool = False) -> str:
    """The one line shown beside the item (Review, ``imgbench checks``): ``machine: ✗ read 時光電影節 for 时光电影节,
    CER 0.6``. Blind, an output's pixel size is left out (it can tell a model apart): aspect and size say only
    their mark."""
    from tui.core.safe_text import visible

    summary = result.summary if not (blind and result.kind in ("aspect", "size")) else f"{result.kind} (blind)"
    return visible(f"machine: {MARKS[result.outcome]} {summary}", one_line=True)


def checks_of(case: Case) -> list[tuple[str, MachineCheck]]:
    return [(item.id, item.machine) for item in case.checklist if item.machine is not None]


def measure_run(case: Case, run: Run, image: Path, reference: Path | None) -> list[CheckResult]:
    """Every declared check of the case on the run's first output, in checklist order."""
    sha = run.images[0].sha256 if run.images else ""
    cache: dict[Path, list[str]] = {}  # the image is read once, whatever number of items ask what it says
    return [measure(check, item_id, run, image, reference, sha, cache) for item_id, check in checks_of(case)]
