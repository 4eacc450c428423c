"""The measuring process: RapidOCR, and the preserve check's pixel difference, in a child process of its own, so
their Python, numpy and Pillow never hold the GIL of the process that draws the TUI (in-process, OCR reads held
frames for 200-600 ms: tests/benchmarks/bench_checks.py; the preserve check's two decodes, EXIF reads and
ImageChops passes held it for tens of milliseconds an output, in pieces).

The child is tied to its parent so that it can never outlive it or keep anything of it open:

- **it dies with its parent**: on Linux it asks the kernel for SIGKILL when the parent goes (``PR_SET_PDEATHSIG``,
  through ctypes, then checks the parent did not go before it asked); everywhere, it exits at the end of its
  stdin, which only the parent holds (a SIGKILLed parent closes it too);
- **it holds none of the parent's files**: ``close_fds``, its stdin and stdout are pipes of its own, its stderr
  is /dev/null (onnxruntime's warnings), and inside it fd 1 is pointed at /dev/null too, so a stray print of a
  library cannot break the replies; a terminal or a test's capture pipe is never inherited;
- **it runs below the screen**: ``nice`` 10 and Linux's batch policy, and the engine uses every core but one
  (``engine_threads``); beside the TUI (``Reader(idle=True)``) it takes the idle policy instead: it gets a core
  only when nothing else wants it, so a busy machine slows the checks, never the screen;
- **one request at a time**, a JSON line each way: ``{"path": …}`` (read the text), then ``{"lines": […]}``; or
  ``{"diff": {"output": …, "reference": …, "threshold": …, "region": …}}`` (``tui.imaging.diff.diff_files``
  without a heat map), then ``{"changed": …, "changed_inside": …, "changed_outside": …, "region": …, "size": …}``;
  either way ``{"error": kind, "message": …}`` when it could not. The images are opened and checked in the child
  (``decode.open_image``): a hostile file is decoded away from the TUI's process too. A difference needs no OCR
  engine, so it is measured even where the engine cannot load.

``Reader`` is the parent's side: started on the first read (loading the engine takes a second or two), kept for
the process, replaced when it died; the atexit hook ends it. ``python -m tui.imaging.ocr_worker PARENT_PID`` is
the child. Nothing at import time.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

PACKAGE = "rapidocr-onnxruntime"
MIN_SCORE = 0.5  # the engine's own default: lines it is less sure of are left out
NICE = 10
READ_TIMEOUT_S = 180.0  # a 4096² poster reads in ~20 s on a busy CPU; past this the child is stuck
START_TIMEOUT_S = 60.0
PR_SET_PDEATHSIG = 1


_engine: Any = None  # in the child: RapidOCR, loaded on the first read


class OcrUnavailable(RuntimeError):
    """The OCR engine cannot be loaded here (not installed, or onnxruntime refuses this CPU)."""


class ReadFailed(RuntimeError):
    """The child answered with an error: ``kind`` is "image" (the file cannot be read as an image), "unavailable"
    (no engine here) or "failed"; ``str()`` is one line."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


# -- the parent's side ---------------------------------------------------------------------------------------
class Reader:
    def __init__(self, *, idle: bool = False) -> None:
        self._lock = threading.Lock()
        self._proc: Any = None
        self.idle = idle  # the idle policy (beside the TUI), else nice 10 and the batch policy (headless)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def _start(self) -> Any:
        import subprocess

        root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # numpy's own pools, if any
            env.setdefault(name, str(engine_threads()))
        return subprocess.Popen(
            [sys.executable, "-m", "tui.imaging.ocr_worker", str(os.getpid()), *(["--idle"] if self.idle else [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,  # no terminal signals: its life is its parent's (above), not the terminal's
            env=env,
            cwd=root,
        )

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        """One request, one reply object. ``ReadFailed`` for what the child reported; ``OSError`` when the child
        cannot be started or stopped answering (it is ended and a fresh one starts next time)."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._proc = self._start()
            proc = self._proc
            try:
                proc.stdin.write(json.dumps(request).encode() + b"\n")
                proc.stdin.flush()
                line = _read_line(proc.stdout, READ_TIMEOUT_S)
            except (OSError, ValueError, TimeoutError) as exc:
                self._end(proc)
                raise OSError(f"the OCR process stopped answering ({exc})") from None
        try:
            reply = json.loads(line)
        except ValueError:
            reply = {"error": "failed", "message": "the OCR process answered something that is not JSON"}
        if not isinstance(reply, dict):
            raise ReadFailed("failed", "the OCR process answered something that is not an object")
        if "error" in reply:
            raise ReadFailed(str(reply.get("error")), str(reply.get("message", ""))[:500])
        return reply

    def read(self, path: Path) -> list[str]:
        """The lines read in the image at ``path`` (``_ask``'s errors)."""
        lines = self._ask({"path": str(path)}).get("lines")
        if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
            raise ReadFailed("failed", "the OCR process answered without lines")
        return lines

    def diff(self, output: Path, reference: Path, *, threshold: int, region: Any = None) -> dict[str, Any]:
        """``diff_files`` of the two images (no heat map), measured in the child: its figures as a dict
        (``changed``, ``changed_inside``, ``changed_outside``, ``region``, ``size``); ``_ask``'s errors."""
        request = {"output": str(output), "reference": str(reference), "threshold": threshold,
                   "region": list(region) if region is not None else None}  # fmt: skip
        reply = self._ask({"diff": request})
        if not isinstance(reply.get("changed"), int | float) or not isinstance(reply.get("size"), list):
            raise ReadFailed("failed", "the OCR process answered without the difference")
        return reply

    def _end(self, proc: Any) -> None:
        import contextlib

        with contextlib.suppress(OSError, ValueError):
            proc.stdin.close()
        with contextlib.suppress(OSError):
            proc.kill()
        with contextlib.suppress(Exception):
            proc.wait(5)
        with contextlib.suppress(OSError, ValueError):
            proc.stdout.close()
        if self._proc is proc:
            self._proc = None

    def close(self) -> None:
        """End the child: its stdin closed (it exits at once when idle), killed if it is still reading a second
        later."""
        import contextlib
        import subprocess

        with self._lock:
            proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(OSError, ValueError):
            proc.stdin.close()
        try:
            proc.wait(1.0)
        except subprocess.TimeoutExpired:
            self._end(proc)
        with contextlib.suppress(OSError, ValueError):
            proc.stdout.close()


def _read_line(stream: IO[bytes], timeout: float) -> bytes:
    """One line from the child, or TimeoutError / EOFError (as OSError: it died)."""
    import select

    fd = stream.fileno()
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no answer within {timeout:.0f} s")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            raise OSError("it exited")
        data += chunk
    return data


# -- the child -----------------------------------------------------------------------------------------------
def _die_with_parent(parent: int) -> None:
    """SIGKILL when the parent goes (Linux), and exit now if it already went."""
    import signal

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass  # stdin's end still ends it
    if os.getppid() != parent:
        os._exit(0)


def _lower_priority(idle: bool) -> None:
    """nice 10, and Linux's batch policy (no preempting a task that just woke, such as the TUI after a key), or its
    idle policy (a core only when no other task wants one)."""
    import contextlib

    with contextlib.suppress(OSError, AttributeError):
        os.nice(NICE)
    with contextlib.suppress(OSError, AttributeError):
        os.sched_setscheduler(0, os.SCHED_IDLE if idle else os.SCHED_BATCH, os.sched_param(0))


def engine_threads() -> int:
    """The engine's threads: every core but one, which stays the screen's (one on a machine of one or two)."""
    return max(1, (os.cpu_count() or 2) - 1)


def _load() -> Any:
    global _engine
    if _engine is None:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:  # a broken install: the check says so, the run is unaffected
            raise OcrUnavailable(f"{PACKAGE} is not installed ({exc})") from None
        threads = engine_threads()
        _engine = RapidOCR(print_verbose=False, intra_op_num_threads=threads, inter_op_num_threads=1)
    return _engine


def read_lines(image: Any) -> list[str]:
    """Every line of text the engine reads with confidence in a PIL image, top to bottom as it returns them (the
    engine is loaded on the first read, one to two seconds, and kept; onnxruntime uses the cores itself)."""
    import numpy as np

    pixels = np.asarray(image.convert("RGB"))[:, :, ::-1]  # the engine takes OpenCV's BGR order
    result, _elapsed = _load()(np.ascontiguousarray(pixels))
    lines: list[str] = []
    for entry in result or ():
        text, score = entry[1], entry[2]
        if isinstance(text, str) and text.strip() and float(score) >= MIN_SCORE:
            lines.append(" ".join(text.split()))
    return lines


def _answer(path: str) -> dict[str, Any]:
    from tui.imaging.decode import ThumbnailError, open_image

    try:
        with open_image(Path(path)) as img:
            img.load()
            return {"lines": read_lines(img)}
    except ThumbnailError as exc:
        return {"error": "image", "message": str(exc)}
    except OcrUnavailable as exc:
        return {"error": "unavailable", "message": str(exc)}
    except Exception as exc:  # the engine failing on one image must not end the reader
        return {"error": "failed", "message": f"{type(exc).__name__}: {exc}"}


def _answer_diff(request: Any) -> dict[str, Any]:
    from tui.imaging.decode import ThumbnailError
    from tui.imaging.diff import diff_files

    try:
        region = request.get("region")
        diff = diff_files(Path(request["output"]), Path(request["reference"]), threshold=int(request["threshold"]),
                          region=tuple(region) if region is not None else None, heatmap=False)  # fmt: skip
    except ThumbnailError as exc:
        return {"error": "image", "message": str(exc)}
    except Exception as exc:  # a malformed request or Pillow failing on one pair must not end the process
        return {"error": "failed", "message": f"{type(exc).__name__}: {exc}"}
    return {"changed": diff.changed, "changed_inside": diff.changed_inside, "changed_outside": diff.changed_outside,
            "region": list(diff.region) if diff.region is not None else None, "size": list(diff.size)}  # fmt: skip


def _reply(raw: bytes) -> dict[str, Any]:
    try:
        request = json.loads(raw)
    except ValueError:
        request = None
    if isinstance(request, dict) and isinstance(request.get("path"), str):
        return _answer(request["path"])
    if isinstance(request, dict) and isinstance(request.get("diff"), dict):
        return _answer_diff(request["diff"])
    return {"error": "failed", "message": "not a request"}


def main(argv: list[str]) -> int:
    parent = int(argv[0]) if argv and argv[0].isdigit() else os.getppid()
    _die_with_parent(parent)
    _lower_priority("--idle" in argv[1:])
    replies = os.fdopen(os.dup(1), "wb", buffering=0)
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)  # a library's print goes nowhere, never into the replies
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (for the process's life)
    for raw in sys.stdin.buffer:  # the end of stdin: the parent is done, or gone
        replies.write(json.dumps(_reply(raw), ensure_ascii=False).encode() + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
