"""Shared by the whole-process benchmarks: the child's environment as an installed imgbench would run."""

from __future__ import annotations

import compileall
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("tui", "screens", "presets", "providers")


def installed_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` for a child that imports from compiled bytecode, as a pip-installed imgbench does: the checkout's
    modules are compiled once here, and PYTHONDONTWRITEBYTECODE (set on some machines) is dropped, since a
    process compiling ~300 modules from source at every start measures the compiler, not imgbench."""
    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)
    out = dict(env)
    out.pop("PYTHONDONTWRITEBYTECODE", None)
    return out
