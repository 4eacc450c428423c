"""The errors every command can end with, apart from the parsing of messages (``validation``), so that the CLI's
error path imports nothing else: not re, pathlib or typing, which a short command would otherwise pay for."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path


class InputError(Exception):
    """Bad user input: a file or an argument. ``str()`` is one line a user can act on."""

    def __init__(
        self, reason: str, *, file: Path | str | None = None, key: str | None = None, line: int | None = None
    ) -> None:
        self.reason = reason
        self.file = str(file) if file is not None else None
        self.key = key
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        key = f"{self.key}: " if self.key else ""
        return f"{where}{key}{self.reason}"


class OverBudget(Exception):
    """The estimated cost is above the spending cap (tui/core/budget.py): nothing was sent."""


class StorageError(Exception):
    """The system refused a write (a full disk, a read-only mount) even after retrying: one line, naming the file."""

    def __init__(self, reason: str, *, file: Path | str) -> None:
        self.reason = reason
        self.file = str(file)
        super().__init__(f"{self.file}: {reason}")
