"""Pinned: session storage behaviours the mutation script found unguarded (tests/mutation), through the Store."""

from __future__ import annotations

import json

import pytest

from tui.core.compose import CaseSpec, SessionSpec, build_session
from tui.core.context import Context
from tui.core.model import SCHEMA_VERSION
from tui.core.store import Store
from tui.core.validation import InputError


def _stored(ctx: Context) -> str:
    spec = SessionSpec(cases=[CaseSpec(prompt="a red cube")], models=["demo:mosaic"])
    return build_session(spec, store=ctx.store, registry=ctx.registry, catalog=ctx.catalog).id


@pytest.mark.parametrize("bad", ["../evil", "a/b", "", "x" * 300, ".hidden", 7])
def test_a_session_id_that_could_name_another_folder_is_refused(bad) -> None:
    with pytest.raises(InputError, match="is not a session id"):
        Store().session_dir(bad)


def test_a_session_file_from_a_newer_imgbench_is_refused_by_name(fast_demo) -> None:
    ctx = Context()
    session_id = _stored(ctx)
    file = ctx.store.session_file(session_id)
    doc = json.loads(file.read_text())
    doc["schema_version"] = SCHEMA_VERSION + 1
    file.write_text(json.dumps(doc))
    with pytest.raises(InputError) as info:
        ctx.store.load(session_id)
    assert "newer imgbench" in str(info.value) and str(file) in str(info.value)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"{not json", "corrupt session file"),
        (b'{"name": "\xff\xfe"}', "corrupt session file"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"schema_version": 1, "id": 5}', "invalid session"),
        (b'{"id": "x", "name": 3}', "invalid session"),
    ],
)
def test_a_broken_session_file_is_one_error_naming_it(fast_demo, content: bytes, words: str) -> None:
    ctx = Context()
    session_id = _stored(ctx)
    file = ctx.store.session_file(session_id)
    file.write_bytes(content)
    with pytest.raises(InputError) as info:
        ctx.store.load(session_id)
    assert words in str(info.value) and str(file) in str(info.value)


def test_a_missing_session_is_named_and_deleting_it_twice_is_allowed_only_when_asked(fast_demo) -> None:
    ctx = Context()
    session_id = _stored(ctx)
    ctx.store.delete(session_id)
    with pytest.raises(InputError, match=f"no session '{session_id}'"):
        ctx.store.load(session_id)
    ctx.store.delete(session_id, missing_ok=True)
    with pytest.raises(FileNotFoundError):
        ctx.store.delete(session_id)


def test_a_listing_sees_a_session_folder_copied_in_by_hand(fast_demo, tmp_path) -> None:
    import shutil

    ctx = Context()
    first = _stored(ctx)
    assert [s.id for s in ctx.store.list().sessions] == [first]
    elsewhere = Store(tmp_path / "elsewhere")  # another machine's data folder, say
    spec = SessionSpec(cases=[CaseSpec(prompt="a blue cone")], models=["demo:mosaic"])
    second = build_session(spec, store=elsewhere, registry=ctx.registry, catalog=ctx.catalog).id
    shutil.copytree(elsewhere.session_dir(second), ctx.store.session_dir(second))
    assert sorted(s.id for s in ctx.store.list().sessions) == sorted([first, second])


def test_recovery_sweeps_half_written_temp_files_from_every_folder_of_a_session(fast_demo) -> None:
    ctx = Context()
    session_id = _stored(ctx)
    folder = ctx.store.session_dir(session_id)
    strays = [folder / ".session.json.abc.tmp", folder / "images" / ".r1.png.abc.tmp", folder / "refs" / ".a.png.x.tmp"]
    keep = folder / "images" / "keep.png"
    for path in [*strays, keep]:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"half")
    ctx.store.recover_interrupted(session_id)
    assert [p.exists() for p in strays] == [False, False, False] and keep.exists()
