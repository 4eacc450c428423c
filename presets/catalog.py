"""The catalog of shipped + user presets: discovery, ordering, lookup and group expansion.

Never raises for a bad file: problems are collected in ``PresetCatalog.errors``.
Nothing here runs at import time.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .loader import _load
from .model import Preset, PresetError

__all__ = [
    "PresetCatalog",
    "UnknownPresetError",
    "builtin_dir",
    "load_catalog",
]


def builtin_dir() -> Path:
    """The ``presets`` package directory (the shipped TOML files live under it)."""
    return Path(__file__).resolve().parent


class UnknownPresetError(KeyError):
    """A preset id or group that is not in the catalog. ``str()`` is the readable message."""

    def __init__(self, ref: str, message: str) -> None:
        super().__init__(message)
        self.ref = ref
        self.message = message

    def __str__(self) -> str:
        return self.message


def _natural_key(text: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


class PresetCatalog:
    """Shipped + user presets in order (shipped first). Iterating yields :class:`Preset` objects."""

    def __init__(self, presets: Iterable[Preset] = (), errors: Iterable[PresetError] = ()) -> None:
        self.presets: dict[str, Preset] = {p.id: p for p in presets}
        self.errors: list[PresetError] = list(errors)

    def __repr__(self) -> str:
        return f"PresetCatalog({len(self.presets)} presets, {len(self.errors)} errors)"

    def __len__(self) -> int:
        return len(self.presets)

    def __iter__(self) -> Iterator[Preset]:
        return iter(self.presets.values())

    def __contains__(self, preset_id: object) -> bool:
        return preset_id in self.presets

    def groups(self) -> list[str]:
        """Every group prefix that ``expand`` accepts (``"tier-a"``, …), in catalog order."""
        out: dict[str, None] = {}
        for preset_id in self.presets:
            parts = preset_id.split("/")[:-1]
            for n in range(1, len(parts) + 1):
                out.setdefault("/".join(parts[:n]), None)
        return list(out)

    def _unknown(self, ref: str, options: Iterable[str]) -> UnknownPresetError:
        options = list(options)
        close = difflib.get_close_matches(ref, options, n=1, cutoff=0.6)
        if close:
            hint = f" (did you mean {close[0]!r}?)"
        elif options:
            shown = ", ".join(options[:8]) + (", …" if len(options) > 8 else "")
            hint = f"; known: {shown}"
        else:
            hint = "; no presets are loaded"
        return UnknownPresetError(ref, f"unknown preset {ref!r}{hint}")

    def get(self, preset_id: str) -> Preset:
        """The preset with exactly this id. Raises :class:`UnknownPresetError` (a KeyError) with a suggestion."""
        try:
            return self.presets[preset_id]
        except KeyError:
            raise self._unknown(preset_id, self.presets) from None

    def expand(self, ref: str) -> list[Preset]:
        """An exact id -> ``[that preset]``; a group (``"tier-a"``) -> every ``"tier-a/…"`` preset in order."""
        key = ref.strip().rstrip("/")
        if key in self.presets:
            return [self.presets[key]]
        prefix = key + "/"
        found = [p for pid, p in self.presets.items() if key and pid.startswith(prefix)]
        if found:
            return found
        raise self._unknown(ref, [*self.groups(), *self.presets])


def _toml_files(root: Path, errors: list[PresetError] | None = None) -> list[Path]:
    """Every ``*.toml`` under root (recursively), hidden files and dirs skipped, in natural order."""
    found: list[Path] = []

    def onerror(exc: OSError) -> None:
        if errors is not None:
            errors.append(PresetError(str(exc.filename or root), f"cannot read directory: {exc.strerror or exc}"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "__pycache__"]
        for name in filenames:
            if name.endswith(".toml") and not name.startswith("."):
                found.append(Path(dirpath, name))
    return sorted(found, key=lambda p: tuple(_natural_key(part) for part in p.relative_to(root).parts))


def load_catalog(user_dir: Path | None = None) -> PresetCatalog:
    """The shipped presets, then every ``*.toml`` under ``user_dir`` (recursively).

    Never raises for a bad file: each problem becomes a :class:`PresetError` in ``.errors`` and
    the other presets still load. A user preset whose id is already taken (by a shipped preset or
    an earlier user file) is an error for that file.
    """
    catalog = PresetCatalog()
    sources: list[tuple[Path, bool]] = [(p, True) for p in _toml_files(builtin_dir(), catalog.errors)]
    if user_dir is not None:
        user_dir = Path(user_dir)
        if user_dir.is_dir():
            sources += [(p, False) for p in _toml_files(user_dir, catalog.errors)]
        elif user_dir.exists():
            catalog.errors.append(PresetError(str(user_dir), "presets location is not a directory"))
    for path, builtin in sources:
        try:
            preset, ctx = _load(path, builtin=builtin)
        except PresetError as exc:
            catalog.errors.append(exc)
            continue
        other = catalog.presets.get(preset.id)
        if other is not None:
            what = "the shipped preset" if other.builtin else "the preset"
            catalog.errors.append(
                ctx.error(("id",), f"id {preset.id!r} is already used by {what} in {other.path}; choose another id")
            )
            continue
        catalog.presets[preset.id] = preset
    return catalog
