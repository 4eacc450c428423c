"""[keymap] and theme errors read like every other config error: file, line, key, and a suggestion; a key that takes
another binding's place names both; the TUI does not start on them (exit 2, one line), it does not crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from screens.registry import SCREENS
from tui.app import ImgbenchApp
from tui.core.config import load_config
from tui.core.validation import InputError
from tui.launch import main
from tui.widgets.keymap_check import check_tui_config


def check(config_dir: Path, body: str) -> None:
    path = config_dir / "config.toml"
    path.write_text('rater = "ann"\n' + body)
    check_tui_config(load_config(path), SCREENS, ImgbenchApp, file=path)


def error(config_dir: Path, body: str) -> InputError:
    with pytest.raises(InputError) as caught:
        check(config_dir, body)
    return caught.value


def test_an_unknown_binding_id_is_named_with_its_line_and_a_suggestion(config_dir: Path) -> None:
    err = error(config_dir, '\n[keymap]\n"review.pas" = "y"\n')
    assert err.file == str(config_dir / "config.toml") and err.line == 4 and err.key == "keymap.review.pas"
    assert "unknown binding id" in err.reason and "'review.pass'" in err.reason


def test_a_key_that_steals_another_binding_names_both(config_dir: Path) -> None:
    err = error(config_dir, '[keymap]\n"review.pass" = "f"\n')
    assert err.key == "keymap.review.pass" and err.line == 3
    assert "'f' is already review.fail" in err.reason and "remap review.fail too" in err.reason
    err = error(config_dir, '[keymap]\n"app.help" = "o"\n')  # everywhere: it would shadow Review's note
    assert "'o' is already review.note" in err.reason


def test_keys_a_terminal_cannot_send_or_that_do_not_exist(config_dir: Path) -> None:
    err = error(config_dir, '[keymap]\n"app.home" = "ctrl+h"\n')
    assert "backspace" in err.reason and err.key == "keymap.app.home"
    err = error(config_dir, '[keymap]\n"review.zoom" = "pgup2"\n')
    assert "unknown key 'pgup2'" in err.reason
    err = error(config_dir, '[keymap]\n"review.zoom" = "cmd+z"\n')
    assert "modifier" in err.reason


def test_good_remaps_pass(config_dir: Path) -> None:
    check(config_dir, '[keymap]\n"review.pass" = "g"\n')
    check(config_dir, '[keymap]\n"review.pass" = "f"\n"review.fail" = "p"\n')  # a swap
    check(config_dir, '[keymap]\n"review.next_case" = "],l"\n"review.prev_case" = "[,ctrl+b"\n')
    check(config_dir, '[keymap]\n"app.help" = "f1,question_mark"\n')  # as shipped: help's own f1 is by design
    check(config_dir, 'theme = "nord"\n')


def test_an_unknown_theme_is_a_config_error(config_dir: Path) -> None:
    err = error(config_dir, 'theme = "draculla"\n')
    assert err.key == "theme" and err.line == 2 and "'dracula'" in err.reason
    err = error(config_dir, 'theme = "no-such-theme"\n')
    assert "unknown theme 'no-such-theme'" in err.reason and "textual-dark" in err.reason


def test_the_tui_refuses_to_start_with_one_line_not_a_traceback(config_dir: Path, capsys) -> None:
    (config_dir / "config.toml").write_text('theme = "no-such-theme"\n')
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "config.toml:1: theme: unknown theme 'no-such-theme'" in err
    (config_dir / "config.toml").write_text('[keymap]\n"review.pass" = "f"\n')
    assert main([]) == 2
    assert "review.fail" in capsys.readouterr().err
