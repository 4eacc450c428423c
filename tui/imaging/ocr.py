"""Text in an output, read by RapidOCR (PP-OCR's Chinese and English models, shipped inside the
``rapidocr-onnxruntime`` wheel, on CPU onnxruntime): nothing is downloaded at run time.

The engine is imported and loaded on the first read (about half a second) and kept for the process; reads go one
at a time through it (one onnxruntime session per model, each already using the cores). Nothing at import time.
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
