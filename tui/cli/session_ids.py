"""Session ids on the command line: the whole id, or any prefix of it that only one session has."""

from __future__ import annotations

from tui.core.store import SESSION_FILE, Store, check_session_id
from tui.core.validation import InputError

SHOWN = 4  # candidates named in an ambiguous-prefix error, so it stays one line


class NoSuchSession(InputError):
    """No session has this id or starts with it."""


class AmbiguousSession(InputError):
    """Several sessions start with this prefix."""


def resolve_session_id(store: Store, text: str) -> str:
    """The id of the one session whose id is ``text`` or starts with it; an InputError naming the candidates
    when several do, a NoSuchSession when none does."""
    check_session_id(text)
    if store.exists(text):
        return text
    try:
        names = sorted(p.name for p in store.sessions_dir.iterdir() if p.name.startswith(text))
    except FileNotFoundError:
        names = []
    matches = [name for name in names if (store.sessions_dir / name / SESSION_FILE).is_file()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NoSuchSession(f"no session {text!r} (`imgbench sessions list` shows them)")
    shown = ", ".join(matches[:SHOWN]) + (f" and {len(matches) - SHOWN} more" if len(matches) > SHOWN else "")
    raise AmbiguousSession(f"{text!r} matches {len(matches)} sessions: {shown}; give more of the id")
