"""Sessions on disk: ``sessions/<id>/session.json`` with ``images/`` and ``refs/`` beside it.

Every write is atomic. Images are written before the session refers to them. Writers to one session
take its lock, re-read the file and apply their change, so two processes (a TUI scoring, a CLI
resuming) never lose each other's work.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import msgspec

from tui.core import paths
from tui.core.atomic import atomic_write, fsync_dirs, fsync_file
from tui.core.images import ImageInfo, inspect_bytes
from tui.core.index import SessionIndex
from tui.core.integrity import ID_RE, check_paths, safe_name
from tui.core.migrations import migrate
from tui.core.model import SCHEMA_VERSION, OutputImage, Reference, RunError, Session, now_iso
from tui.core.tallies import SessionSummary
from tui.core.validation import InputError

SESSION_FILE = "session.json"
_decoder = msgspec.json.Decoder(Session)
_encoder = msgspec.json.Encoder()


def check_session_id(session_id: str) -> str:
    if not isinstance(session_id, str) or not ID_RE.match(session_id):
        raise InputError(f"{session_id!r} is not a session id", key="session")
    return session_id


def encode_session(session: Session) -> bytes:
    return msgspec.json.format(_encoder.encode(session), indent=1)  # the model always names its schema version


class _Version(msgspec.Struct):
    schema_version: int = 1


_version_decoder = msgspec.json.Decoder(_Version)


def decode_session(data: bytes, *, file: Path | str) -> Session:
    """Validate and migrate a session document, or an InputError naming the file; the ids and paths that name
    files are checked too, so a hand-edited or planted session never makes imgbench write outside its folder."""
    try:
        session = _decode_session(data, file=file)
    except RecursionError:
        raise InputError("corrupt session file: nested too deeply", file=file) from None
    check_paths(session, file=file)
    return session


def _decode_session(data: bytes, *, file: Path | str) -> Session:
    # A current file decodes straight into the typed model (one pass, ~3x faster than dict + convert);
    # anything else, broken or older, takes the general path that migrates and explains.
    try:
        if _version_decoder.decode(data).schema_version == SCHEMA_VERSION:
            return _decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError):
        pass
    try:
        doc = msgspec.json.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:  # bad UTF-8 inside a string is the latter
        raise InputError(f"corrupt session file: {exc}", file=file) from None
    if not isinstance(doc, dict):
        raise InputError("corrupt session file: not a JSON object", file=file)
    doc = migrate(doc, file=file)
    try:
        return msgspec.convert(doc, Session)
    except msgspec.ValidationError as exc:
        raise InputError(f"invalid session: {exc}", file=file) from None


@dataclass
class Listing:
    sessions: list[SessionSummary]
    errors: list[InputError]
    notice: str | None = None  # one line when the session index had to be rebuilt


class Store:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or paths.data_dir()
        self._locks: dict[str, threading.RLock] = {}
        self._locks_guard = threading.Lock()
        self.index = SessionIndex(self.root, lambda data, file: decode_session(data, file=file))

    # -- paths --------------------------------------------------------------------------------
    @property
    def sessions_dir(self) -> Path:
        return self.root / "sessions"

    def session_dir(self, session_id: str) -> Path:
        return self.sessions_dir / check_session_id(session_id)

    def session_file(self, session_id: str) -> Path:
        return self.session_dir(session_id) / SESSION_FILE

    def abspath(self, session_id: str, relative: str) -> Path:
        """A file of the session, checked to lie inside its directory once every symlink is resolved."""
        base = self.session_dir(session_id)
        path = (base / relative).resolve()
        if not path.is_relative_to(base.resolve()):
            raise InputError(f"path {relative!r} leaves the session directory", file=base, key="path")
        return path

    def exists(self, session_id: str) -> bool:
        return self.session_file(session_id).exists()

    # -- locking ------------------------------------------------------------------------------
    def _thread_lock(self, session_id: str) -> threading.RLock:
        with self._locks_guard:
            return self._locks.setdefault(session_id, threading.RLock())

    def lock(self, session_id: str, timeout: float = 30.0):
        """The cross-process lock every writer of this session holds while it writes."""
        from filelock import FileLock

        directory = self.session_dir(session_id)
        directory.mkdir(parents=True, exist_ok=True)
        return FileLock(directory / ".lock", timeout=timeout)

    @contextlib.contextmanager
    def runner_lock(self, session_id: str) -> Iterator[None]:
        """Held while runs of this session execute: one runner per session, across processes."""
        from filelock import FileLock, Timeout

        directory = self.session_dir(session_id)
        directory.mkdir(parents=True, exist_ok=True)
        lock = FileLock(directory / ".runner.lock", timeout=0)
        holder = directory / ".runner.pid"  # who holds the lock, for the message another process gets
        try:
            lock.acquire()
        except Timeout:
            try:
                pid = f" (pid {int(holder.read_text().strip())})"
            except (OSError, ValueError):
                pid = ""
            raise InputError(
                f"another imgbench process{pid} is running this session; wait for it to finish, "
                f"or stop it and run `imgbench sessions resume {session_id}`",
                key=session_id,
            ) from None
        try:
            with contextlib.suppress(OSError):
                atomic_write(holder, str(os.getpid()).encode(), durable=False)
            yield
        finally:
            lock.release()

    def recover_interrupted(self, session_id: str) -> int:
        """Mark runs left running by a killed process as interrupted, and remove the temp files it left half
        written; 0 while a runner is alive."""
        from filelock import Timeout

        try:
            with self.runner_lock(session_id):
                self._sweep_temp_files(session_id)
                marked = 0

                def mark(session: Session) -> None:
                    nonlocal marked
                    for run in session.runs:
                        if run.status in ("running", "retrying"):
                            run.status = "interrupted"
                            run.error = RunError("interrupted", "the process running this was stopped")
                            marked += 1

                if any(r.status in ("running", "retrying") for r in self.load(session_id).runs):
                    self.mutate(session_id, mark)
                return marked
        except (InputError, Timeout):
            return 0

    def _sweep_temp_files(self, session_id: str) -> None:
        """``atomic_write`` temp files (``.NAME.*.tmp``) that a killed process never renamed. Called under the runner
        lock (nobody writes images) and taking the session lock (nobody writes the session file), so none of
        them is a write in progress."""
        folder = self.session_dir(session_id)
        with self._thread_lock(session_id), self.lock(session_id):
            for place in (folder, folder / "images", folder / "refs"):
                for stray in place.glob(".*.tmp"):
                    with contextlib.suppress(OSError):
                        stray.unlink()

    # -- reading ------------------------------------------------------------------------------
    def load(self, session_id: str) -> Session:
        file = self.session_file(session_id)
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            raise InputError(f"no session {session_id!r}", file=self.sessions_dir, key="session") from None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", file=file) from None
        return decode_session(data, file=file)

    def list(self, *, limit: int | None = None, fresh: bool = True, every_file: bool = False) -> Listing:
        """Sessions newest first, from the session index; a broken one is an error in the listing, never an
        exception. ``fresh=False`` skips checking the index against the files: a quick first screenful;
        ``every_file`` checks every file's stamp, so that an edit made without imgbench shows too."""
        if not self.sessions_dir.is_dir():
            return Listing([], [])
        sessions, errors = self.index.summaries(limit=limit, refresh=fresh, every_file=every_file)
        notice, self.index.notice = self.index.notice, None
        return Listing(sessions, [InputError(reason, file=file) for file, reason in errors], notice)

    # -- writing ------------------------------------------------------------------------------
    def save(self, session: Session) -> None:
        """Write the whole session (the caller owns it: a new session, or an import)."""
        with self._thread_lock(session.id), self.lock(session.id):
            self._write(session)

    def _write(self, session: Session, *, durable: bool = True) -> None:
        """The file, then its row in the session index, under the session's lock (the callers hold it): the
        session is marked pending in the index first, so a write that never reaches the index is re-read."""
        session.updated_at = now_iso()
        file = self.session_file(session.id)
        marked = self.index.begin(session.id)
        if not marked:
            self._folder_changed()
        atomic_write(file, encode_session(session), durable=durable)
        try:
            st = os.stat(file)
        except OSError:
            self._folder_changed()
            return
        if not self.index.put(session.id, session, st) and not marked:
            self._folder_changed()  # (when marked, the pending mark makes the next read re-read this session)

    def _folder_changed(self) -> None:
        """The index could not be told of a write: a new time on the sessions folder makes every read check
        every file until a full check has seen it (the index's quick check trusts an unchanged folder)."""
        with contextlib.suppress(OSError):
            os.utime(self.sessions_dir)

    def mutate(self, session_id: str, change: Callable[[Session], None], *, durable: bool = True) -> Session:
        """Re-read, apply ``change``, write: under the session's lock, so no other writer's work is lost.

        ``durable=False`` skips the fsyncs, for marks that may be lost in a power cut without losing work
        (a run shown as started; it is still queued on disk and runs again). It is still atomic."""
        with self._thread_lock(session_id), self.lock(session_id):
            session = self.load(session_id)
            change(session)
            self._write(session, durable=durable)
            return session

    def fsync_output(self, session_id: str, image: OutputImage) -> None:
        """The first half of making an image written with ``durable=False`` durable: its bytes."""
        fsync_file(self.abspath(session_id, image.path))

    def fsync_output_dirs(self, session_id: str, images: Iterable[OutputImage]) -> None:
        """The second half, once for a batch of images: the directory entries that name them."""
        fsync_dirs(self.abspath(session_id, image.path) for image in images)

    def delete(self, session_id: str, *, missing_ok: bool = False) -> None:
        try:
            shutil.rmtree(self.session_dir(session_id))
        except FileNotFoundError:
            if not missing_ok:
                raise
        self.index.forget(session_id)

    def write_file(self, session_id: str, relative: str, data: bytes, *, durable: bool = True) -> Path:
        """Write one file of the session (an image, a reference), never anywhere but inside its directory."""
        target = self.abspath(session_id, relative)
        atomic_write(target, data, durable=durable)
        return target

    # -- files --------------------------------------------------------------------------------
    def add_reference(
        self, session_id: str, data: bytes, info: ImageInfo, *, slot: str | None = None, filename: str | None = None
    ) -> Reference:
        """Copy a reference in by content hash (the same file twice is stored once)."""
        import hashlib

        digest = hashlib.sha256(data).hexdigest()
        relative = f"refs/{digest}.{info.extension}"
        if not self.abspath(session_id, relative).exists():
            self.write_file(session_id, relative, data)
        return Reference(
            sha256=digest,
            path=relative,
            format=info.format,
            width=info.width,
            height=info.height,
            slot=slot,
            filename=filename,
        )

    def write_output(
        self, session_id: str, run_id: str, index: int, data: bytes, *, durable: bool = True
    ) -> OutputImage:
        """Store one output image; the session may refer to it only once it is durable.

        ``durable=False`` leaves the fsyncs to the caller (``fsync_output``, then ``fsync_output_dirs`` before the
        session write that refers to the image), so a runner makes them off each run's path, the directory once
        per batch."""
        import hashlib

        if not safe_name(run_id):
            raise InputError(f"{run_id!r} cannot name a file", file=self.session_dir(session_id), key="run")
        info = inspect_bytes(data, what="the provider's image")
        relative = f"images/{run_id}-{index}.{info.extension}"
        self.write_file(session_id, relative, data, durable=durable)
        return OutputImage(
            path=relative,
            sha256=hashlib.sha256(data).hexdigest(),
            width=info.width,
            height=info.height,
            format=info.format,
            bytes=len(data),
        )
