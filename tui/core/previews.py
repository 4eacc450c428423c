"""Where the core hands stored images for previews, without knowing who makes them.

The core stores images; the imaging layer makes their thumbnails. The core cannot import imaging (it sits
below it), so whoever starts a command or the App installs the preview maker here (``install``) and the core
only ever talks to this module. With nothing installed, no previews are made, which is right for a library use.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol


class PreviewMaker(Protocol):
    def submit(self, images: Iterable[tuple[Path, str | None]]) -> None: ...
    def hold(self) -> None: ...
    def release(self) -> None: ...


class _NoPreviews:
    def submit(self, images: Iterable[tuple[Path, str | None]]) -> None:
        for _ in images:  # the caller's generator may hold a lock or a file: let it finish
            pass

    def hold(self) -> None:
        pass

    def release(self) -> None:
        pass


_maker: PreviewMaker = _NoPreviews()


def install(maker: PreviewMaker) -> None:
    global _maker
    _maker = maker


def submit(images: Iterable[tuple[Path, str | None]]) -> None:
    """Make previews of these stored images in the background (path, sha256)."""
    _maker.submit(images)


def hold() -> None:
    """A runner has results to record: previews wait so they do not take the CPU from it."""
    _maker.hold()


def release() -> None:
    _maker.release()
