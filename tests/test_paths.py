"""Where imgbench's files live, against platformdirs itself: the Linux short cut in tui.core.paths (no
platformdirs import for `sessions list` and `preview FILE`) must name the very folders platformdirs names, for any
HOME and XDG variables, set, empty, relative or odd."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core import paths

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the short cut is taken on Linux alone")

VALUES = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(["/", "/tmp/x", "/tmp/x/", "//tmp//y", "relative/dir", "~/cfg", "~", "./here", " /lead"]),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12),
)
KINDS = {
    "config": ("XDG_CONFIG_HOME", platformdirs.user_config_path, paths.config_dir),
    "data": ("XDG_DATA_HOME", platformdirs.user_data_path, paths.data_dir),
    "cache": ("XDG_CACHE_HOME", platformdirs.user_cache_path, paths.cache_dir),
}


@settings(max_examples=300, deadline=None)
@given(home=VALUES, xdg=st.fixed_dictionaries({var: VALUES for var, _, _ in KINDS.values()}))
def test_the_linux_short_cut_names_platformdirs_folder(home: str | None, xdg: dict[str, str | None]) -> None:
    with pytest.MonkeyPatch.context() as mp:
        for var in ("IMGBENCH_CONFIG_DIR", "IMGBENCH_DATA_DIR", "IMGBENCH_CACHE_DIR"):
            mp.delenv(var, raising=False)
        for var, value in [("HOME", home), *xdg.items()]:
            if value is None:
                mp.delenv(var, raising=False)
            else:
                mp.setenv(var, value)
        for kind, (_, theirs, ours) in KINDS.items():
            try:
                expected: Path | None = theirs(paths.APP_NAME, appauthor=False)
            except RuntimeError:  # no usable home at all: platformdirs refuses, and so must we
                expected = None
            short = paths._linux_dir(kind)
            if short is not None:
                assert Path(short) == expected, (kind, home, xdg)
            if expected is not None:
                assert ours() == expected
        if short is None:
            assert not (home or "").startswith("/")  # the short cut steps aside only where HOME is unusable


def test_the_string_forms_agree_with_the_paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("IMGBENCH_CONFIG_DIR", "IMGBENCH_DATA_DIR", "IMGBENCH_CACHE_DIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert Path(paths.data_dir_name()) == paths.data_dir() == tmp_path / ".local/share/imgbench"
    assert Path(paths.config_file_name()) == paths.config_file() == tmp_path / ".config/imgbench/config.toml"
    monkeypatch.setenv("IMGBENCH_CONFIG_DIR", "~/elsewhere")
    assert Path(paths.config_file_name()) == paths.config_file() == tmp_path / "elsewhere/config.toml"
    monkeypatch.setenv("IMGBENCH_DATA_DIR", str(tmp_path / "d"))
    assert paths.data_dir_name() == str(tmp_path / "d")
