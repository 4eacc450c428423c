"""The keys of a screen as they are live: its BINDINGS (and its bases'), with the user's keymap applied, one entry
per binding id. Help, the command palette and the README's keys table all read this, so none of them can drift
from what a key press does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.keys import _normalize_key_list, format_key

# Names Textual gives keys, as a person reads them.
_SHOWN = {
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "question_mark": "?",
    "space": "space",
    "enter": "enter",
    "delete": "delete",
    "escape": "esc",
    "pageup": "pgup",
    "pagedown": "pgdn",
}


@dataclass(frozen=True)
class KeyedBinding:
    id: str
    action: str
    description: str  # the long one (the tooltip) when there is one: help and the palette have room
    keys: tuple[str, ...]  # Textual key names, after the keymap
    show: bool  # whether the footer shows it
    priority: bool

    @property
    def shown_keys(self) -> str:
        return ", ".join(display_key(k) for k in self.keys)


def display_key(key: str) -> str:
    if key in _SHOWN:
        return _SHOWN[key]
    if "+" in key:
        return key
    if len(key) == 1:
        return key
    return format_key(key)


def normalized(keymap: Mapping[str, str]) -> dict[str, str]:
    """The keymap as Textual applies it ("[" becomes "left_square_bracket")."""
    return {binding_id: _normalize_key_list(keys) for binding_id, keys in keymap.items()}


def keyed_bindings(node: type[DOMNode] | DOMNode, keymap: Mapping[str, str]) -> list[KeyedBinding]:
    """Every binding of ours (they all have an id; Textual's own, like tab for focus, have none) of a screen (class or
    instance) or the App, in declaration order, with the keymap applied."""
    cls = node if isinstance(node, type) else type(node)
    merged: BindingsMap = cls._merge_bindings()
    keymap = normalized(keymap)
    order: dict[str, KeyedBinding] = {}
    for key, bindings in merged.key_to_bindings.items():
        for binding in bindings:
            if not binding.id:
                continue
            binding_id = binding.id
            keys = keymap.get(binding_id)
            entry = order.get(binding_id)
            if entry is None:
                order[binding_id] = _entry(binding_id, binding, tuple(keys.split(",")) if keys else (key,))
            elif not keys:
                order[binding_id] = _with_key(entry, key)
    return list(order.values())


def _entry(binding_id: str, binding: Binding, keys: tuple[str, ...]) -> KeyedBinding:
    return KeyedBinding(
        id=binding_id,
        action=binding.action,
        description=binding.tooltip or binding.description or binding.action,  # the footer's label is the short one
        keys=keys,
        show=binding.show,
        priority=binding.priority,
    )


def _with_key(entry: KeyedBinding, key: str) -> KeyedBinding:
    from dataclasses import replace

    return replace(entry, keys=(*entry.keys, key))
