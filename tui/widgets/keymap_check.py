"""``[keymap]`` and ``theme`` of config.toml checked like every other key: an unknown binding id, a key no terminal
can send, a key that takes another binding's place, or a theme Textual does not have is an InputError naming the
file, the line and the key, with a suggestion. Here, not in tui/core/config.py, because the binding ids, key names
and themes are Textual's and the screens' (the core does not import Textual)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from textual.keys import Keys, key_to_character

from tui.core.validation import InputError, find_line, suggest
from tui.widgets.bindings import KeyedBinding, keyed_bindings, normalized

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
# What a terminal sends for these is another key's byte: Textual sees that other key.
ARRIVES_AS = {"ctrl+h": "backspace", "ctrl+i": "tab", "ctrl+m": "enter", "ctrl+left_square_bracket": "escape"}


def _named_keys() -> set[str]:
    return {k.value for k in Keys} | {"space", "question_mark"}


def key_problem(key: str) -> str | None:
    """Why ``key`` (a Textual key name, normalized) cannot be bound, or None."""
    if not key:
        return "an empty key"
    if key in ARRIVES_AS:
        return f"terminals send {key} as {ARRIVES_AS[key]}, so it would never arrive; choose another key"
    *mods, base = key.split("+")
    if any(m not in MODIFIERS for m in mods):
        return f"unknown modifier in {key!r} (use {', '.join(MODIFIERS[:3])})"
    if len(base) == 1 or base in _named_keys() or key_to_character(base) is not None:
        return None
    return f"unknown key {base!r}" + suggest(base, sorted(_named_keys()))


def check_tui_config(config: Any, screens: Mapping[str, type], app: type, *, file: Path) -> None:
    """Raise InputError for the first problem in ``config.keymap`` or ``config.theme``."""
    try:
        text = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    if config.theme:
        _check_theme(config.theme, file=file, text=text)
    if not config.keymap:
        return
    scopes: dict[str, list[KeyedBinding]] = {"": keyed_bindings(app, {})}
    for name, cls in screens.items():
        scopes[name] = keyed_bindings(cls, {})
    known = {b.id: b for bindings in scopes.values() for b in bindings}
    keymap = normalized(config.keymap)

    def error(binding_id: str, reason: str) -> InputError:
        return InputError(reason, file=file, key=f"keymap.{binding_id}", line=find_line(text, binding_id, "keymap"))

    for binding_id, keys in keymap.items():
        if binding_id not in known:
            raise error(binding_id, "unknown binding id" + suggest(binding_id, known) + " (f1 lists every id)")
        for key in keys.split(","):
            if problem := key_problem(key.strip()):
                raise error(binding_id, problem)
    effective = {b.id: tuple(keymap[b.id].split(",")) if b.id in keymap else b.keys for b in known.values()}
    for binding_id in keymap:
        everywhere = any(b.id == binding_id for b in scopes[""])
        rivals = {
            b.id: b
            for scope, bindings in scopes.items()
            if everywhere or scope == "" or any(b.id == binding_id for b in bindings)
            for b in bindings
            if b.id != binding_id
        }
        for rival in rivals.values():
            # Overlaps the defaults already have are by design (help's f1 closes it): only new ones count.
            taken = (set(effective[binding_id]) & set(effective[rival.id])) - set(known[binding_id].keys)
            if taken:
                key = sorted(taken)[0]
                raise error(
                    binding_id,
                    f"{key!r} is already {rival.id} ({rival.description}); choose another key, or remap {rival.id} too",
                )


def _check_theme(theme: str, *, file: Path, text: str) -> None:
    from textual.theme import BUILTIN_THEMES

    if theme not in BUILTIN_THEMES:
        raise InputError(
            f"unknown theme {theme!r}" + (suggest(theme, BUILTIN_THEMES) or f" (one of: {', '.join(BUILTIN_THEMES)})"),
            file=file,
            key="theme",
            line=find_line(text, "theme"),
        )
