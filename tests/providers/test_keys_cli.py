"""`imgbench keys`: set from a pipe, list with sources and fixes, rm, fix-permissions, warnings."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import warnings

import pytest

from tui.cli.main import main
from tui.core import credentials


def _set(monkeypatch, provider: str, text: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    return main(["keys", "set", provider])


def test_set_list_rm(monkeypatch, capsys, config_dir) -> None:
    assert _set(monkeypatch, "openai", "stored-0123456789abcd\n") == 0
    out = capsys.readouterr().out
    assert "sto…abcd" in out and "stored-0123456789abcd" not in out
    creds = config_dir / "credentials.toml"
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600 and stat.S_IMODE(config_dir.stat().st_mode) == 0o700

    monkeypatch.setenv("XAI_API_KEY", "xai-from-env-0123456789")
    assert main(["keys", "list"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line and line[0] != "k"}
    assert "credentials.toml" in lines["openai"] and "sto…abcd" in lines["openai"]
    assert "env:XAI_API_KEY" in lines["xai"] and "xai…6789" in lines["xai"]
    assert "missing — export GEMINI_API_KEY=… or imgbench keys set gemini" in lines["gemini"]
    assert "missing — export FAL_KEY=… or imgbench keys set fal" in lines["fal"]

    assert main(["keys", "list", "--json"]) == 0
    rows = {r["provider"]: r for r in json.loads(capsys.readouterr().out)["keys"]}
    assert rows["openai"]["source"] == "credentials.toml" and rows["gemini"]["present"] is False

    assert main(["keys", "rm", "openai"]) == 0
    assert "removed" in capsys.readouterr().out
    assert credentials.load_stored() == {}
    assert main(["keys", "rm", "openai"]) == 0
    assert "nothing removed" in capsys.readouterr().out


def test_set_refuses_empty_and_unknown(monkeypatch, capsys) -> None:
    assert _set(monkeypatch, "openai", "\n") == 2
    assert "empty" in capsys.readouterr().err
    assert _set(monkeypatch, "openia", "fake-x\n") == 2
    assert "openai" in capsys.readouterr().err  # the suggestion
    assert _set(monkeypatch, "openai", "fake-two words\n") == 2
    assert _set(monkeypatch, "openai", "fake-curly…quote\n") == 2
    assert credentials.load_stored() == {}


def test_env_shadowing_is_said(monkeypatch, capsys) -> None:
    monkeypatch.setenv("FAL_KEY", "fal-env-0123456789")
    assert _set(monkeypatch, "fal", "fal-stored-0123456789\n") == 0
    assert "$FAL_KEY is set and takes precedence" in capsys.readouterr().err


def test_endpoints_are_listed(config_dir, capsys) -> None:
    (config_dir / "config.toml").write_text(
        '[endpoints.lumen]\nbase_url = "https://api.lumenfall.ai/openai/v1"\nkey_env = "LUMENFALL_API_KEY"\n'
        'models = ["gpt-image-1.5"]\n'
    )
    assert main(["keys", "list"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^lumen +missing — export LUMENFALL_API_KEY=… or imgbench keys set lumen$", out, re.M)


def test_wide_permissions_warn_and_fix(monkeypatch, capsys, config_dir) -> None:
    assert _set(monkeypatch, "openai", "stored-0123456789abcd\n") == 0
    creds = config_dir / "credentials.toml"
    os.chmod(creds, 0o644)
    os.chmod(config_dir, 0o755)
    with pytest.warns(credentials.InsecureCredentialsWarning, match="should be 600"):
        credentials.load_stored(creds)
    capsys.readouterr()
    assert main(["keys", "list"]) == 0
    assert "keys fix-permissions" in capsys.readouterr().err
    assert main(["keys", "fix-permissions"]) == 0
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600 and stat.S_IMODE(config_dir.stat().st_mode) == 0o700
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        credentials.load_stored(creds)  # no warning any more
