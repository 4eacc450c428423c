"""Text in an output, read by RapidOCR (PP-OCR's Chinese and English models, shipped inside the
``rapidocr-onnxruntime`` wheel, on CPU onnxruntime): nothing is downloaded at run time. The same process measures
the preserve check's pixel difference (``diff_apart``).

``read_file`` reads a stored image in the OCR process (``tui.imaging.ocr_worker``, where the engine is loaded
and the read itself is): the engine's pre- and post-processing is Python and numpy that holds the GIL for tens of
milliseconds at a time, which in the TUI's process held frames for 200-600 ms. Nothing at import time.
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, Any

from tui.imaging.ocr_worker import PACKAGE, OcrUnavailable, Reader, ReadFailed

if TYPE_CHECKING:
    from pathlib import Path

_lock = threading.Lock()
_reader: Reader | None = None  # made on the first read_file
_idle = [False]  # set by the App: beside a screen the reading process takes the idle policy


def yield_to_screen() -> None:
    """A screen is on (the App calls this once): the reading process gets a core only when nothing else wants one,
    so reading never slows a frame; on a busy machine the checks take longer instead. Headless, the process runs
    at nice 10 (a CI job waiting for the checks is not starved by its neighbours)."""
    _idle[0] = True


@functools.cache  # read once: the package's metadata, parsed on every check of every output, held the GIL
def engine_label() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{PACKAGE} {version(PACKAGE)}"
    except PackageNotFoundError:
        return PACKAGE


def read_file(path: Path) -> list[str]:
    """``read_lines`` of the image stored at ``path``, in the OCR process. ``ThumbnailError`` when the file is not
    an image it may open, ``OcrUnavailable`` when the engine cannot read here (or the process stopped)."""
    from tui.imaging.decode import ThumbnailError

    try:
        return _the_reader().read(path)
    except ReadFailed as exc:
        if exc.kind == "image":
            raise ThumbnailError(str(exc)) from None
        raise OcrUnavailable(str(exc) if exc.kind == "unavailable" else f"OCR failed: {exc}") from None
    except OSError as exc:
        raise OcrUnavailable(str(exc)) from None


def _the_reader() -> Reader:
    """The process's one reader, made on first use."""
    global _reader
    with _lock:
        if _reader is None:
            import atexit

            _reader = Reader(idle=_idle[0])
            atexit.register(_reader.close)  # the child also dies with this process, whatever ends it
        return _reader


def diff_apart(output: Path, reference: Path, *, threshold: int, region: Any = None) -> dict[str, Any]:
    """The preserve check's ``diff_files`` (no heat map) measured in the same process as OCR, so its decoding and
    pixel passes never hold the screen's GIL: the figures as a dict (``Reader.diff``). ``ThumbnailError`` when a
    file is not an image it may open; ``OSError`` when the process cannot answer (the caller measures here then)."""
    from tui.imaging.decode import ThumbnailError

    try:
        return _the_reader().diff(output, reference, threshold=threshold, region=region)
    except ReadFailed as exc:
        if exc.kind == "image":
            raise ThumbnailError(str(exc)) from None
        raise OSError(f"the difference failed: {exc}") from None


def reader_pid() -> int | None:
    """The OCR process's id while one runs (for tests and the benchmark)."""
    return _reader.pid if _reader is not None else None
