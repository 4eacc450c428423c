"""Pinned: strict config sections, the keys file's permission check, and what an export must carry."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tui.core import credentials
from tui.core.compose import CaseSpec, SessionSpec, build_session
from tui.core.config import load_config
from tui.core.context import Context
from tui.core.validation import InputError
from tui.reports.export import export_document
from tui.reports.importing import session_from_document


@pytest.mark.parametrize(
    ("section", "line"),
    [("defaults", "sizee = '1024x1024'"), ("providers.demo", "latency = 5"), ("", "raterr = 'me'")],
)
def test_an_unknown_key_in_any_config_section_is_an_error_naming_it(tmp_path, section: str, line: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text((f"[{section}]\n" if section else "") + line + "\n")
    with pytest.raises(InputError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message and line.split(" ")[0] in message, message


def test_known_default_keys_still_load(tmp_path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[defaults]\nsize = '1024x1024'\n")
    assert load_config(path).defaults.size == "1024x1024"


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o620, 0o602])
def test_a_keys_file_any_other_user_can_touch_is_warned_about(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "cfg" / "credentials.toml"
    credentials.store_key("xai", "PLANTED-NOT-A-KEY-mode-test", path)
    path.chmod(mode)
    problem = credentials.permission_problem(path)
    assert problem is not None and f"mode {mode:o}" in problem
    path.chmod(0o600)
    assert credentials.permission_problem(path) is None
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700


def test_an_export_keeps_the_blind_seed_so_an_import_shows_the_same_slots(fast_demo) -> None:
    ctx = Context()
    spec = SessionSpec(cases=[CaseSpec(prompt="a red cube")], models=["demo:mosaic", "demo:aurora"], blind=True)
    session = build_session(spec, store=ctx.store, registry=ctx.registry, catalog=ctx.catalog)
    doc = json.loads(json.dumps(export_document(session, ctx.store)))
    assert doc["session"]["blind_seed"] == session.blind_seed != 0
    again = session_from_document(doc, file="export.json")
    assert again.blind and again.blind_seed == session.blind_seed
