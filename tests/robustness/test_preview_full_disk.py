"""A full disk (or a cache dir that cannot be written) costs the thumbnail cache, never the preview itself."""

from __future__ import annotations

import errno
from pathlib import Path

from tui.cli.main import main
from tui.imaging import thumbs


def test_preview_of_a_session_on_a_full_disk(fast_demo: Path, capsys, monkeypatch) -> None:
    assert main(["run", "--prompt", "a fox", "--model", "demo:mosaic", "--model", "demo:aurora", "-q"]) == 0
    session_id = capsys.readouterr().out.strip()
    for cached in thumbs.thumbs_dir().rglob("*"):  # what the run made: the preview must make its own
        if cached.is_file():
            cached.unlink()
    written: list[Path] = []

    def full(path: Path, data: bytes, **_: object) -> None:
        written.append(path)
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(thumbs, "atomic_write", full)
    code = main(["preview", session_id, "--cols", "60", "--rows", "12", "--colors", "truecolor"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert written, "the preview never tried the cache: the test would not see a full disk"
    assert "▀" in out and "error" not in err.lower(), err
    assert not [p for p in thumbs.thumbs_dir().rglob("*") if p.is_file()]
