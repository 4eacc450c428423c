"""``sessions list`` prints each session's line as the index stored it when the row was written: the exact text
(plurals, the date), and a name's control characters shown, never sent to the terminal."""

from __future__ import annotations

from tui.cli.main import main


def test_a_listing_line_word_for_word_with_a_hostile_name(fast_demo, capsys) -> None:
    name = "evil\x1b]52;c;aGk=\x07\nsecond line\u202e"
    assert main(["run", "--prompt", "ok", "--model", "demo:mosaic", "--name", name, "-q"]) == 0
    sid = capsys.readouterr().out.strip()
    assert main(["sessions", "list"]) == 0
    out = capsys.readouterr().out
    (line,) = out.splitlines()
    assert line.startswith(f"{sid}  20") and line[len(sid) + 2 :][10] == " "  # "YYYY-MM-DD HH:MM", no T
    assert line.endswith("  1 case x 1 model  1/1 ok  0 scores  evil␛]52;c;aGk=␇␊second line<U+202E>")
    assert "\x1b" not in out and "\x07" not in out


def test_plurals_follow_the_counts(fast_demo, capsys) -> None:
    argv = ["run", "--prompt", "a", "--prompt", "b", "--model", "demo:mosaic", "--model", "demo:aurora", "-q"]
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["sessions", "list"]) == 0
    assert "  2 cases x 2 models  4/4 ok  0 scores  " in capsys.readouterr().out
