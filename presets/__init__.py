"""Benchmark presets: TOML data shipped in this package, plus the loader that validates them.

No Textual, no ``tui`` imports, and nothing happens at import time (files are read only when
``load_catalog`` / ``load_preset_file`` are called).
"""

from .catalog import PresetCatalog, UnknownPresetError, builtin_dir, load_catalog
from .loader import MAX_FILE_BYTES, SCHEMA_VERSION, load_preset_file
from .model import Preset, PresetError, PresetItem, ReferenceSlot

__all__ = [
    "MAX_FILE_BYTES",
    "SCHEMA_VERSION",
    "Preset",
    "PresetCatalog",
    "PresetError",
    "PresetItem",
    "ReferenceSlot",
    "UnknownPresetError",
    "builtin_dir",
    "load_catalog",
    "load_preset_file",
]
