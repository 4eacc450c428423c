"""Text in an output, read by RapidOCR (PP-OCR's Chinese and English models, shipped inside the
``rapidocr-onnxruntime`` wheel, on CPU onnxruntime): nothing is downloaded at run time.

Reads run in a worker process of their own (``read_file``): the engine's pre- and post-processing is Python and
numpy that holds the GIL for tens of milliseconds at a time, which in the TUI's process held frames over 100 ms
(measured: tests/benchmarks/bench_checks.py). The worker is started on the first read (spawned: no fork of a
process with threads), imports and loads the engine once (about a second) and reads one image at a time (onnxruntime
uses the cores itself). ``read_lines`` is the same read in this process. Nothing at import time.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL.Image import Image

PACKAGE = "rapidocr-onnxruntime"
MIN_SCORE = 0.5  # the engine's own default: lines it is less sure of are left out

_lock = threading.Lock()
_engine: Any = None
_worker: Any = None  # the ProcessPoolExecutor of one process that reads


class OcrUnavailable(RuntimeError):
    """The OCR engine cannot be loaded here (not installed, or onnxruntime refuses this CPU)."""


def engine_label() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{PACKAGE} {version(PACKAGE)}"
    except PackageNotFoundError:
        return PACKAGE


def _load() -> Any:
    global _engine
    if _engine is None:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:  # a broken install: the check says so, the run is unaffected
            raise OcrUnavailable(f"{PACKAGE} is not installed ({exc})") from None
        _engine = RapidOCR(print_verbose=False)
    return _engine


def read_lines(image: Image) -> list[str]:
    """Every line of text the engine reads with confidence, top to bottom as it returns them."""
    import numpy as np

    pixels = np.asarray(image.convert("RGB"))[:, :, ::-1]  # the engine takes OpenCV's BGR order
    with _lock:
        result, _elapsed = _load()(np.ascontiguousarray(pixels))
    lines: list[str] = []
    for entry in result or ():
        text, score = entry[1], entry[2]
        if isinstance(text, str) and text.strip() and float(score) >= MIN_SCORE:
            lines.append(" ".join(text.split()))
    return lines


def _read_path(path: str) -> list[str]:
    """In the worker: open the stored image safely (``decode.open_image``) and read it."""
    from pathlib import Path

    from tui.imaging.decode import open_image

    with open_image(Path(path)) as img:
        img.load()
        return read_lines(img)


def _background() -> None:
    """In the worker: below the screen and the runner when the cores are busy (reading is never urgent)."""
    import contextlib
    import os

    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)


def _shutdown(worker: Any) -> None:
    worker.shutdown(wait=True, cancel_futures=True)


def read_file(path: str) -> list[str]:
    """``read_lines`` of a stored image, in the reading process; its errors (``ThumbnailError``,
    ``OcrUnavailable``) come back as they were raised."""
    global _worker
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    with _lock:
        if _worker is None:
            import atexit

            _worker = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_background
            )
            atexit.register(_shutdown, _worker)  # before the interpreter tears the executor's modules down
        worker = _worker
    try:
        return worker.submit(_read_path, str(path)).result()
    except BrokenProcessPool:  # the reader died (out of memory, killed): a fresh one next time
        with _lock:
            if _worker is worker:
                _worker = None
        raise OcrUnavailable("the OCR process stopped while reading") from None
