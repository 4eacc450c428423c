"""Small pieces of English shared by the CLI, reports and screens: counts with the right plural, file modes."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's, nor pathlib at import: `sessions list` counts with this module
if TYPE_CHECKING:
    from pathlib import Path


def count(n: int, word: str, plural: str | None = None) -> str:
    """ "1 check", "3 checks", "0 checks"; ``plural`` for the irregular ones ("1 reference", "2 references")."""
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def file_mode(path: Path) -> str:
    """The file's permission bits as "mode 600", or "not created yet"."""
    try:
        return f"mode {path.stat().st_mode & 0o777:o}"
    except FileNotFoundError:
        return "not created yet"
