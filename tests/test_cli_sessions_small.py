"""The command line's smaller promises: session ids by any unique prefix (an ambiguous one names the candidates on
one line), automatic session names that do not repeat, an unknown leaderboard preset refused, and texts that
count right."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import DEMO3
from tui.cli.main import main
from tui.core.store import Store
from tui.core.wording import count, file_mode
from tui.reports.report_tables import _points


def _run(capsys, *extra: str) -> str:
    assert main(["run", "--preset", "tier-a/cat1", "--quiet", *DEMO3, *extra]) == 0
    return capsys.readouterr().out.strip()


def test_a_unique_prefix_names_the_session_everywhere(fast_demo, capsys, tmp_path: Path) -> None:
    first = _run(capsys)
    prefix = first[: len(first) - 3]  # the random tail tells sessions of one second apart
    assert main(["report", prefix]) == 0
    assert f"Session {first}" in capsys.readouterr().out
    assert main(["sessions", "export", prefix, "-o", str(tmp_path / "e.json")]) == 0
    assert first in (tmp_path / "e.json").read_text()
    assert main(["sessions", "resume", prefix, "--quiet"]) == 0
    assert main(["preview", prefix, "--cols", "40", "--rows", "12", "--mode", "halfblock"]) == 0
    assert "Cat 1" in capsys.readouterr().out


def test_an_ambiguous_prefix_is_one_line_naming_the_candidates(fast_demo, capsys, data_dir: Path) -> None:
    ids = sorted(_run(capsys) for _ in range(2))
    common = next(i for i, (a, b) in enumerate(zip(*ids, strict=True)) if a != b)
    prefix = ids[0][:common]
    for argv in (
        ["report", prefix],
        ["sessions", "export", prefix],
        ["preview", prefix],
        ["sessions", "resume", prefix],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "matches 2 sessions" in err, err
        assert ids[0] in err and ids[1] in err and "give more of the id" in err
    assert main(["report", "nope-nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no session 'nope-nope'" in err
    assert main(["preview", "nope-nope"]) == 2
    assert "no such file or session" in capsys.readouterr().err
    assert main(["report", "../x"]) == 2  # not an id at all: never a path outside the store
    assert Store(data_dir).sessions_dir.is_dir()


def test_automatic_names_do_not_repeat(fast_demo, capsys, data_dir: Path) -> None:
    ids = [_run(capsys) for _ in range(3)] + [_run(capsys, "--name", "mine"), _run(capsys, "--name", "mine")]
    names = [Store(data_dir).load(i).name for i in ids]
    assert names[:3] == ["tier-a/cat1", "tier-a/cat1 #2", "tier-a/cat1 #3"]
    assert names[3:] == ["mine", "mine"], "a name the user gave is theirs, repeated or not"


def test_leaderboard_with_an_unknown_preset_exits_2_on_one_line(fast_demo, capsys) -> None:
    assert main(["leaderboard", "--preset", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown preset 'nope'" in err and "--preset" in err
    assert main(["leaderboard", "--preset", "tier-a/cat"]) == 2
    assert "did you mean 'tier-a/cat" in capsys.readouterr().err
    assert main(["leaderboard", "--preset", "tier-a"]) == 0  # a group is known
    capsys.readouterr()


@pytest.mark.parametrize(("n", "text"), [(0, "0 checks"), (1, "1 check"), (2, "2 checks")])
def test_counts_agree_with_their_number(n: int, text: str) -> None:
    assert count(n, "check") == text


def test_presets_list_counts_checks_and_references(capsys) -> None:
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    assert "(8 checks)" in out and "needs 1 reference image" in out and "needs 3 reference images" in out
    assert " ref\n" not in out and "(1 checks)" not in out


def test_points_are_never_minus_zero() -> None:
    assert [_points(v) for v in (-0.001, 0.0, 0.004, -0.2, 0.126, None)] == [
        "+0 pts",
        "+0 pts",
        "+0 pts",
        "-20 pts",
        "+13 pts",
        "–",
    ]


def test_file_mode_says_what_the_file_has(tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    assert file_mode(path) == "not created yet"
    path.write_text("")
    path.chmod(0o644)
    assert file_mode(path) == "mode 644"
    path.chmod(0o600)
    assert file_mode(path) == "mode 600"
