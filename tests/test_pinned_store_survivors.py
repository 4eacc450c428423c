"""Pinned: session storage behaviours the mutation script found unguarded (tests/mutation), through the Store."""

from __future__ import annotations

import json

import pytest

from tui.core.compose import CaseSpec, SessionSpec, build_session
from tui.core.context import Context
from tui.core.model import SCHEMA_VERSION, Session
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


def test_a_session_file_of_an_older_schema_is_read_and_written_back_as_the_current_one(fast_demo) -> None:
    # Moving the number up is what makes an older imgbench refuse the file instead of dropping what it cannot read.
    ctx = Context()
    session_id = _stored(ctx)
    file = ctx.store.session_file(session_id)
    doc = json.loads(file.read_text())
    doc["schema_version"] = 1
    file.write_text(json.dumps(doc))
    assert ctx.store.load(session_id).schema_version == SCHEMA_VERSION
    ctx.store.mutate(session_id, lambda s: setattr(s, "name", "renamed"))
    assert json.loads(file.read_text())["schema_version"] == SCHEMA_VERSION
    assert ctx.store.load(session_id).schema_version == SCHEMA_VERSION


def test_a_session_file_is_indented_one_space_a_level(fast_demo) -> None:
    # Readable by hand and in a diff, and small: a thousand-run session writes several levels deep on every line.
    ctx = Context()
    text = ctx.store.session_file(_stored(ctx)).read_text()
    lines = text.splitlines()
    assert lines[0] == "{" and lines[1].startswith(' "') and lines[-1] == "}"
    depth = 0
    for line in lines:
        stripped = line.lstrip(" ")
        if stripped[:1] in "}]":
            depth -= 1
        assert len(line) - len(stripped) == depth, line
        if stripped.rstrip(",")[-1:] in "{[":
            depth += 1


# -- writes the session index could not record: the sessions folder's new time makes readers check every file ----
class _Killed(BaseException):
    """The writer's process dying where this is raised."""


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch):
    """Every folder change is old enough for a quick read to trust (as it is a second later)."""
    import time

    import tui.core.index_fresh as fresh

    monkeypatch.setattr(fresh, "_now_ns", lambda: time.time_ns() + 2 * fresh.SETTLE_NS)


def _listed_names(data_dir) -> set[str]:
    reader = Store(data_dir)  # another process's first read
    try:
        return {s.name for s in reader.list().sessions}
    finally:
        reader.index.close()


def _listed_then_unindexed(data_dir, monkeypatch: pytest.MonkeyPatch) -> tuple[Store, Session]:
    """A saved session another process has listed, then an index that can mark no write (locked or broken)."""
    from tests.robustness.support import realistic_session

    store = Store(data_dir)
    session = realistic_session(0)
    store.save(session)
    assert _listed_names(data_dir) == {session.name}
    monkeypatch.setattr(store.index, "begin", lambda directory: False)
    return store, session


def test_a_write_killed_after_an_index_that_could_not_mark_it_is_still_seen(
    data_dir, settled, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, session = _listed_then_unindexed(data_dir, monkeypatch)

    def killed(*_args: object) -> bool:
        raise _Killed

    monkeypatch.setattr(store.index, "put", killed)
    with pytest.raises(_Killed):
        store.mutate(session.id, lambda s: setattr(s, "name", "written, then killed"))
    assert _listed_names(data_dir) == {"written, then killed"}


def test_a_read_between_the_folder_mark_and_an_unrecorded_write_does_not_hide_the_write(
    data_dir, settled, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    import tui.core.store as store_module

    store, session = _listed_then_unindexed(data_dir, monkeypatch)
    monkeypatch.setattr(store.index, "put", lambda directory, doc, st: False)
    real_write = store_module.atomic_write

    def write_after_a_read(path, data, **kw) -> None:
        if path.name == "session.json":
            assert _listed_names(data_dir) == {session.name}  # another process reads while this one writes
            time.sleep(0.05)  # a new file-time tick for whatever changes next
        real_write(path, data, **kw)

    monkeypatch.setattr(store_module, "atomic_write", write_after_a_read)
    store.mutate(session.id, lambda s: setattr(s, "name", "written past the index"))
    assert _listed_names(data_dir) == {"written past the index"}


@pytest.mark.parametrize("note", [b"not a pid\n", b"", None])
def test_a_runner_turned_away_by_a_lock_whose_pid_note_is_unreadable_is_told_without_a_pid(
    fast_demo, note: bytes | None
) -> None:
    # The holder's note is advice: a torn, empty or missing one must still give the refusal, not a ValueError.
    from filelock import FileLock

    ctx = Context()
    session_id = _stored(ctx)
    folder = ctx.store.session_dir(session_id)
    held = FileLock(folder / ".runner.lock", timeout=0)  # the same lock another imgbench process would hold
    held.acquire()
    try:
        if note is not None:
            (folder / ".runner.pid").write_bytes(note)
        with pytest.raises(InputError) as info, ctx.store.runner_lock(session_id):
            pytest.fail("the runner lock was taken while another holder had it")
    finally:
        held.release()
    message = str(info.value)  # as the CLI prints it: the session id, then the reason
    assert message.startswith(f"{session_id}: another imgbench process is running this session")
    assert "pid" not in message and f"imgbench sessions resume {session_id}" in message


def test_both_session_locks_can_be_taken_in_a_data_folder_that_does_not_exist_yet(tmp_path) -> None:
    # A CI job's first run points IMGBENCH_DATA_DIR at a new path: neither the data folder nor sessions/ exists.
    runner_root, writer_root = tmp_path / "a" / "data", tmp_path / "b" / "data"
    with Store(runner_root).runner_lock("first-session"):
        assert (runner_root / "sessions" / "first-session" / ".runner.pid").read_text() != ""
    with Store(writer_root).lock("first-session"):
        assert (writer_root / "sessions" / "first-session").is_dir()
