"""Pinned: the retry schedule's numbers and the keys file's rules (a mutation run found them unguarded)."""

from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path

import pytest

from providers.base import ProviderError
from providers.retry import RetryPolicy
from tui.core import credentials
from tui.core.validation import InputError


class Bounds:
    """An rng that answers with the interval it was asked for, so each bound can be checked exactly."""

    def __init__(self) -> None:
        self.asked: list[tuple[float, float]] = []

    def uniform(self, low: float, high: float) -> float:
        self.asked.append((low, high))
        return high


def test_the_defaults_are_four_tries_from_one_second_capped_at_thirty() -> None:
    policy = RetryPolicy()
    assert (policy.max_attempts, policy.base_s, policy.cap_s, policy.max_wait_s) == (4, 1.0, 30.0, 120.0)


def test_backoff_doubles_from_the_base_up_to_the_cap_with_jitter_in_the_upper_half() -> None:
    rng = Bounds()
    policy = RetryPolicy(max_attempts=10, base_s=1.5, cap_s=10.0, rng=rng)  # type: ignore[arg-type]
    error = ProviderError("server", "HTTP 500", http_status=500)
    waits = [policy.delay(attempt, error) for attempt in range(1, 6)]
    assert [reason for _, reason in waits] == ["backoff"] * 5
    assert rng.asked == [(0.75, 1.5), (1.5, 3.0), (3.0, 6.0), (5.0, 10.0), (5.0, 10.0)]
    assert policy.delay(10, error) == (None, "gave up after 10 attempts")


def test_a_retry_after_hint_is_honoured_with_at_most_a_tenth_or_a_second_more() -> None:
    rng = Bounds()
    policy = RetryPolicy(rng=rng)  # type: ignore[arg-type]
    short = ProviderError("rate_limit", "slow down", http_status=429, retry_after=4.0)
    long = ProviderError("rate_limit", "slow down", http_status=429, retry_after=50.0)
    assert policy.delay(1, short) == (4.4, "retry-after")
    assert policy.delay(1, long) == (51.0, "retry-after")
    assert rng.asked == [(0, pytest.approx(0.4)), (0, 1.0)]
    too_long = ProviderError("rate_limit", "come back tomorrow", http_status=429, retry_after=121.0)
    wait, why = policy.delay(1, too_long)
    assert wait is None and "121 s" in why and "120 s" in why


def test_a_real_random_wait_stays_inside_its_interval() -> None:
    import random

    policy = RetryPolicy(rng=random.Random(3))
    error = ProviderError("network", "reset")
    for attempt in (1, 2, 3):
        wait, _ = policy.delay(attempt, error)
        ceiling = min(30.0, 2.0 ** (attempt - 1))
        assert ceiling / 2 <= wait <= ceiling


@pytest.mark.parametrize(
    ("key", "shown"),
    [("", ""), ("abcd", "••••"), ("12345678", "••••••••"), ("123456789", "123…6789"), ("sk-proj-abcdefgh", "sk-…efgh")],
)
def test_masking_shows_at_most_seven_characters_and_nothing_of_a_short_key(key: str, shown: str) -> None:
    assert credentials.mask(key) == shown


def test_an_unreadable_or_broken_keys_file_is_one_error_naming_the_file_never_its_lines(tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    folder.mkdir(mode=0o700)
    path = folder / "credentials.toml"
    path.write_bytes(b"\xff\xfe not utf-8")
    path.chmod(0o600)
    with pytest.raises(InputError) as info:
        credentials.load_stored(path)
    assert str(path) in str(info.value)
    path.write_text('[keys]\nxai = "PLANTED-NOT-A-KEY-broken\n')
    with pytest.raises(InputError) as info:
        credentials.load_stored(path)
    assert str(path) in str(info.value) and "PLANTED" not in str(info.value) and "line" in str(info.value)


def test_storing_a_key_makes_a_private_folder_even_under_a_lax_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = tmp_path / "a" / "b" / "credentials.toml"
        credentials.store_key("xai", "PLANTED-NOT-A-KEY-umask", path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("dir_mode", [0o701, 0o710, 0o750, 0o705])
def test_a_keys_folder_others_can_enter_is_warned_about(tmp_path: Path, dir_mode: int) -> None:
    path = tmp_path / "cfg" / "credentials.toml"
    credentials.store_key("xai", "PLANTED-NOT-A-KEY-dir", path)
    path.parent.chmod(dir_mode)
    problem = credentials.permission_problem(path)
    assert problem is not None and f"mode {dir_mode:o}" in problem and "should be 700" in problem


def test_a_given_key_table_is_used_as_given_and_the_hint_names_the_variable(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XAI_API_KEY", raising=False)
    monkeypatch.setattr(credentials, "load_stored", lambda path=None: {"xai": "PLANTED-from-disk"})
    assert credentials.resolve("xai", ("XAI_API_KEY",), stored={}).value is None
    missing = credentials.resolve("xai", ("XAI_API_KEY",), stored={})
    assert missing.hint == "export XAI_API_KEY=… or imgbench keys set xai"
    assert credentials.resolve("xai", (), stored={}).hint == "imgbench keys set xai"
    assert credentials.resolve("xai", ("XAI_API_KEY",)).value == "PLANTED-from-disk"
    monkeypatch.setenv("XAI_API_KEY", "PLANTED-from-env")
    assert credentials.resolve("xai", ("XAI_API_KEY",), stored={"xai": "x"}).source == "env:XAI_API_KEY"


def test_the_permission_warning_points_at_the_callers_line(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "credentials.toml"
    credentials.store_key("xai", "PLANTED-NOT-A-KEY-warn", path)
    path.chmod(0o644)
    credentials._warned.discard(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        credentials.load_stored(path)
    (warning,) = [w for w in caught if issubclass(w.category, credentials.InsecureCredentialsWarning)]
    assert Path(warning.filename).name == Path(__file__).name, warning.filename
