"""Shared by the preset tests: the Tier-A ids, a good user preset file and helpers to write and load it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from presets import (
    PresetError,
    load_preset_file,
)

TIER_A = [f"tier-a/cat{n}" for n in range(1, 7)]


GOOD = """\
schema_version = 1
id = "mine/test"
title = "Test"
category = "Testing"
mode = "t2i"
prompt = "a red cube"

[[checklist]]
id = "c1"
criterion = "Cube"
check = "The cube is red"

[[checklist]]
id = "c2"
criterion = "Shadow"
parent = "c1"
"""

SLOT = """
[[reference_slots]]
id = "ref"
description = "Any photo"
"""


def write(tmp_path: Path, text: str | bytes, name: str = "my.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str | bytes) -> PresetError:
    path = write(tmp_path, text)
    with pytest.raises(PresetError) as exc:
        load_preset_file(path)
    err = exc.value
    assert err.file == str(path)
    message = str(err)
    assert "\n" not in message
    assert message.startswith(str(path))
    return err
