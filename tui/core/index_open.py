"""The session index on its own, for a listing that must not wait for the session model's imports (``sessions
list``, Home's first rows): the store, the model and msgspec are imported only if a file has to be re-read."""

from __future__ import annotations

from tui.core import paths
from tui.core.index import SessionIndex

TYPE_CHECKING = False  # not typing's, nor pathlib: `sessions list` imports neither
if TYPE_CHECKING:
    from pathlib import Path


def open_index(root: Path | None = None) -> SessionIndex:
    return SessionIndex(root or paths.data_dir_name(), _decode_full)


def _decode_full(data: bytes, file: str) -> object:
    from tui.core.store import decode_session  # a stale file the slim decode cannot take (older, or broken)

    return decode_session(data, file=file)
