"""`imgbench report` and `report --sheet` of a blind session the reader has not revealed: by slot, no model
names, latency, attempts or cost, saying so; --reveal (or having revealed every case) names the models."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_cli import DEMO3
from tui.cli.main import main
from tui.core.store import Store
from tui.scoring.blind import mark_revealed

NAMES = re.compile(r"demo:|mosaic|aurora|sketch", re.IGNORECASE)


@pytest.fixture
def blind_id(fast_demo: Path, capsys) -> str:
    (fast_demo / "config.toml").write_text('rater = "bo"\n[providers.demo]\nlatency_ms = 20\n')
    args = ["run", "--preset", "tier-a/cat1", "--preset", "tier-a/cat2", "--blind", "--quiet", *DEMO3]
    assert main(args) == 0
    return capsys.readouterr().out.strip()


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_report_of_an_unrevealed_blind_session_is_by_slot(blind_id: str, capsys, fmt: str) -> None:
    assert main(["report", blind_id, "--format", fmt]) == 0
    out, err = capsys.readouterr()
    assert not NAMES.search(out), "a model name in the report"
    assert "slot A" in out and "slot C" in out
    if fmt != "json":  # no speed, retry or price column or table, and no figure of one
        assert not re.search(r"[|>] ?(p50|p95|TTFB|Attempts)", out), "a speed or retry column"
        assert "## Cost" not in out and ">Cost<" not in out and "$" not in out
        assert not re.search(r"\b\d+(\.\d+)? ?(ms|s)\b", out), "a latency figure"
    assert "not revealed" in err and "--reveal" in err
    if fmt != "json":
        assert "Blind, not revealed" in out
    else:
        import json

        data = json.loads(out)
        assert data["session"]["names_hidden"] and data["session"]["models"] == ["slot A", "slot B", "slot C"]
        for row in data["models"]:
            assert row["median_latency_ms"] is None and row["cost_usd"] is None and row["attempts"] == 0

    assert main(["report", blind_id, "--format", fmt, "--reveal"]) == 0
    out, err = capsys.readouterr()
    assert "demo:mosaic" in out and "not revealed" not in err


def test_a_rater_who_revealed_every_case_gets_the_names(blind_id: str, data_dir: Path, capsys) -> None:
    store = Store(data_dir)
    session = store.load(blind_id)

    def reveal_all(s) -> None:
        for case in session.cases:
            mark_revealed(s, "bo", case.id)

    store.mutate(blind_id, reveal_all)
    assert main(["report", blind_id]) == 0
    out, err = capsys.readouterr()
    assert "demo:aurora" in out and "not revealed" not in err
    store.mutate(blind_id, lambda s: s.revealed.update({"bo": [session.cases[0].id]}))  # one case is not enough
    assert main(["report", blind_id]) == 0
    assert not NAMES.search(capsys.readouterr().out)


def test_contact_sheet_of_an_unrevealed_blind_session_is_by_slot(blind_id: str, tmp_path: Path, capsys) -> None:
    from PIL import Image

    hidden, named = tmp_path / "hidden.png", tmp_path / "named.png"
    assert main(["report", blind_id, "--sheet", str(hidden)]) == 0
    assert "not revealed" in capsys.readouterr().err
    assert main(["report", blind_id, "--sheet", str(named), "--reveal"]) == 0
    assert "not revealed" not in capsys.readouterr().err
    with Image.open(hidden) as a, Image.open(named) as b:
        assert a.size == b.size and a.tobytes() != b.tobytes()
