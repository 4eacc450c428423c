"""Fan a session's runs out concurrently, retry what is worth retrying, record everything.

Knows nothing of Textual: the TUI and the headless CLI listen to the same events.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from providers.base import CallContext, GenerationRequest, Provider, ProviderError, ReferenceInput
from providers.errors import redact
from providers.retry import RetryPolicy
from tui.core import checking, previews
from tui.core.budget import Budget
from tui.core.images import FORMATS
from tui.core.model import FINISHED, Attempt, OutputImage, Reference, Run, RunError, Session, Timings, now_iso
from tui.core.registry import Registry
from tui.core.run_guard import OutputRefused, held_keys, keep_answer, policy_for, redacted_error, write_output_retrying
from tui.core.store import Store
from tui.core.validation import InputError, StorageError

EventKind = Literal["started", "first_byte", "retrying", "progress", "finished", "idle", "write_failed"]
PENDING: frozenset[str] = frozenset({"queued", "interrupted"})
# A session write that fails (a full disk, a lost mount) is retried, its runs kept in memory meanwhile; only when
# the runner is done and the writes still fail does it give up, naming the file.
WRITE_RETRY_S = 1.0
WRITE_RETRY_MAX_S = 5.0
WRITE_TRIES_AT_CLOSE = 5


class SessionNotSaved(StorageError):
    """The session file could not be written even after retrying."""


class OutputNotSaved(SessionNotSaved):
    """An output image the provider sent (and was paid for) could not be written even after retrying: the run is
    left to resume, marked ``storage`` (never the model's failure)."""


@dataclass(frozen=True)
class RunEvent:
    kind: EventKind
    run: Run | None
    message: str = ""


Listener = Callable[[RunEvent], None]


def _copy(run: Run) -> Run:
    return msgspec.structs.replace(run)


class Runner:
    def __init__(
        self,
        store: Store,
        registry: Registry,
        session: Session,
        *,
        concurrency: int | None = None,
        listener: Listener | None = None,
        retry: RetryPolicy | None = None,
        budget: Budget | None = None,
        before_send: Callable[[list[Run]], None] | None = None,
    ) -> None:
        self.store = store
        self.registry = registry
        self.session = session
        self.listener = listener or (lambda _e: None)
        self.retry = retry or RetryPolicy()
        self.budget = budget  # the spending cap, checked before every request sent (tui/core/budget.py)
        self.before_send = before_send  # sees the runs about to be sent, under the lock; may refuse (OverBudget)
        self._global = asyncio.Semaphore(max(1, concurrency or session.concurrency or 64))  # a hand-edited -5 too
        self._per_provider: dict[str, asyncio.Semaphore] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._dirty: dict[str, Run] = {}
        # Images written but not yet durable: their fsyncs run in the background; the writer waits for them and
        # syncs their directory before the session write that refers to them.
        self._unsynced: list[tuple[OutputImage, asyncio.Future[None]]] = []
        self._flush_wanted = asyncio.Event()
        self._holding_thumbs = False  # whether this runner asked the thumbnail queue to wait for its writes
        self._client: Any = None
        self._closing = False
        self._interrupting = False
        self._keys = held_keys(getattr(registry, "providers", {}).values())  # to redact from what providers say
        self._storage_failure: tuple[str, str] | None = None  # (file, why): the last output the disk refused

    # -- public -------------------------------------------------------------------------------
    def pending(self) -> list[Run]:
        return [r for r in self.session.runs if r.status in PENDING]

    def cancel(self, run_id: str | None = None) -> None:
        for rid, task in self._tasks.items():
            if run_id is None or rid == run_id:
                task.cancel()

    def interrupt(self) -> None:
        """Stop every run as a quit does: recorded ``interrupted`` (not ``cancelled``), so a resume runs them again."""
        self._interrupting = True
        self.cancel()

    async def execute(self, runs: Iterable[Run] | None = None) -> Session:
        """Run the given runs (default: every queued or interrupted one) to an end; persist as they go."""
        todo = list(runs) if runs is not None else self.pending()
        for run in todo:
            self.registry.resolve(run.model)  # fail fast on an unknown model, before anything starts
        with self.store.runner_lock(self.session.id):
            todo = self._not_finished_elsewhere(todo)
            if self.before_send is not None:
                self.before_send(todo)
            writer = asyncio.create_task(self._writer(), name="imgbench-session-writer")
            try:
                if any(getattr(self.registry.resolve(r.model)[0], "uses_http", False) for r in todo):
                    from providers.http import make_client, ssl_context

                    await asyncio.to_thread(ssl_context)  # the first one loads the CA bundle: not on the event loop
                    self._client = make_client()
                for run in todo:
                    self._reset(run)
                    self._tasks[run.id] = asyncio.create_task(self._drive(run), name=f"run:{run.id}")
                if self._tasks:
                    await asyncio.gather(*self._tasks.values(), return_exceptions=True)
            finally:
                self._tasks.clear()
                if self._client is not None:
                    await self._client.aclose()
                # The writer drains what is left and stops; cancelling it could let an older batch land last.
                self._closing = True
                self._flush_wanted.set()
                try:
                    await asyncio.shield(writer)
                finally:
                    self._hold_thumbs(False)
        self.listener(RunEvent("idle", None))
        if self._storage_failure is not None:
            where, reason = self._storage_failure
            raise OutputNotSaved(
                f"cannot write an output image: {reason}. Free the space (or fix the mount) and run "
                f"`imgbench sessions resume {self.session.id}`: the runs it could not keep will run again",
                file=where,
            )
        return self.session

    def _not_finished_elsewhere(self, todo: list[Run]) -> list[Run]:
        """Our copy may be older than the file: another process may have finished some of these runs since it
        was read (a Run screen left open, a resume that loaded the session just before another runner let go).
        Under the runner lock the file is the truth: a run that succeeded there is taken as it is, never run again
        (that would replace its image under the scores given to it)."""
        try:
            on_disk = {r.id: r for r in self.store.load(self.session.id).runs}
        except InputError:
            return todo
        done = {
            r.id for r in todo if r.status != "succeeded" and getattr(on_disk.get(r.id), "status", "") == "succeeded"
        }
        if done:
            self.session.runs = [on_disk[r.id] if r.id in done else r for r in self.session.runs]
            for run_id in done:
                self.listener(RunEvent("finished", _copy(on_disk[run_id]), "finished by another imgbench process"))
        return [r for r in todo if r.id not in done]

    # -- one run ------------------------------------------------------------------------------
    def _reset(self, run: Run) -> None:
        run.status = "queued"
        run.error = None
        run.images = []
        run.timings = Timings(queued_at=now_iso())
        run.latency_ms = run.ttfb_ms = None
        self._changed(run)

    async def _drive(self, run: Run) -> None:
        provider, name = self.registry.resolve(run.model)
        case = self.session.case(run.case_id)

        def as_input(ref: Reference) -> ReferenceInput:
            path = self.store.abspath(self.session.id, ref.path)
            return ReferenceInput(path, FORMATS.get(ref.format, ""), ref.sha256, ref.width, ref.height)

        references = tuple(as_input(r) for r in case.references if r.role != "mask")
        mask = next((as_input(r) for r in case.references if r.role == "mask"), None)
        try:
            run.params_effective = provider.effective_params(name, run.params_requested, len(references))
            sem = self._per_provider.setdefault(provider.name, asyncio.Semaphore(max(1, provider.settings.concurrency)))
            async with self._global, sem:
                if self._over_budget(run):
                    return
                await self._attempts(run, provider, name, case.prompt, references, mask)
        except asyncio.CancelledError:
            if self._interrupting:
                self._finish(run, "interrupted", RunError("interrupted", "imgbench was quit while this ran"))
            else:
                self._finish(run, "cancelled", RunError("cancelled", "cancelled by the user"))
        except InputError as exc:
            self._finish(run, "failed", RunError("bad_request", str(exc)))
        except Exception as exc:  # an adapter bug must fail its run, never the session
            self._finish(run, "failed", RunError("bad_response", f"{type(exc).__name__}: {exc}"))

    async def _attempts(
        self, run: Run, provider: Provider, name: str, prompt: str, references: tuple[ReferenceInput, ...],
        mask: ReferenceInput | None = None,
    ) -> None:  # fmt: skip
        run.timings.started_at = now_iso()
        run.status = "running"
        self._emit("started", run)
        # `attempts` counts every try the run ever had (the record); the retry budget is per execution, so a run
        # resumed after a crash or retried by hand gets its full number of tries again.
        before = run.attempts
        while True:
            run.attempts += 1
            attempt_started = time.perf_counter()
            started_iso = now_iso()
            first_byte: list[float] = []

            def on_first_byte(first_byte: list[float] = first_byte) -> None:
                if not first_byte:
                    first_byte.append(time.perf_counter())
                    run.timings.first_byte_at = now_iso()
                    self._emit("first_byte", run)

            ctx = CallContext(
                client=self._client,
                on_first_byte=on_first_byte,
                on_progress=lambda msg: self._emit("progress", run, redact(msg, self._keys)),
            )
            request = GenerationRequest(
                model=name,
                prompt=prompt,
                references=references,
                mask=mask,
                params=run.params_requested,
                run_key=f"{run.case_id}/{run.model}/{run.repeat}",
                attempt=run.attempts,
            )
            try:
                async with asyncio.timeout(provider.settings.timeout_s):
                    result = await provider.generate(request, ctx)
                if not result.images:
                    raise ProviderError("bad_response", "the provider answered without an image")
                self._hold_thumbs(True)
                images = []
                for index, image in enumerate(result.images):
                    stored = await self._write_output(run, index, image.data)
                    images.append(stored)
                    syncing = asyncio.ensure_future(asyncio.to_thread(self.store.fsync_output, self.session.id, stored))
                    self._unsynced.append((stored, syncing))
            except OutputRefused as refused:
                # The system refused the write, not the model: the run stays to resume, out of the model's figures.
                self._storage_failure = (refused.path, refused.reason)
                run.attempt_log = [*run.attempt_log, Attempt(started_iso, now_iso(), "storage")]
                self._finish(run, "interrupted", refused.run_error())
                return
            except TimeoutError:
                error = ProviderError("timeout", f"no answer within {provider.settings.timeout_s:g} s")
            except ProviderError as exc:
                error = exc
            else:
                now = time.perf_counter()
                run.attempt_log = [*run.attempt_log, Attempt(started_iso, now_iso(), "ok")]
                run.latency_ms = round((now - attempt_started) * 1000, 1)
                if first_byte:
                    run.ttfb_ms = round((first_byte[0] - attempt_started) * 1000, 1)
                run.images = images
                keep_answer(run, result, self._keys)
                if self.budget is not None:
                    self.budget.record(run)
                self._finish(run, "succeeded", None)
                # Previews are made now, in the background, so no screen ever decodes a full-size output.
                previews.submit((self.store.abspath(self.session.id, i.path), i.sha256) for i in images)
                return
            wait, reason = policy_for(self.retry, provider).delay(run.attempts - before, error)
            run.attempt_log = [
                *run.attempt_log,
                Attempt(
                    started_iso, now_iso(), error.kind, error.http_status, round(wait, 3) if wait is not None else None
                ),
            ]
            if wait is None:
                plain = error.retryable is False or reason.endswith("not retried")
                message = error.message if plain else f"{error.message} ({reason})"
                self._finish(run, "failed", RunError(error.kind, message, error.http_status, error.provider_code))
                return
            run.status = "retrying"
            said = RunError(error.kind, error.message, error.http_status, error.provider_code)
            run.error = redacted_error(said, self._keys)
            self._emit("retrying", run, f"attempt {run.attempts} failed ({error.kind}); retrying in {wait:.1f} s")
            await asyncio.sleep(wait)
            if self._over_budget(run):
                return
            run.status = "running"
            self._emit("started", run)

    async def _write_output(self, run: Run, index: int, data: bytes) -> OutputImage:
        warn = lambda m: self.listener(RunEvent("write_failed", None, m))  # noqa: E731
        tries = (WRITE_TRIES_AT_CLOSE, WRITE_RETRY_S, WRITE_RETRY_MAX_S)
        return await write_output_retrying(self.store, self.session.id, run.id, index, data, warn, tries)

    def _over_budget(self, run: Run) -> bool:
        """At the cap the run is not sent: left to resume (kind ``budget``), never counted as the model's failure."""
        if self.budget is None or not self.budget.reached():
            return False
        self._finish(run, "interrupted", self.budget.refusal(self.session.id))
        return True

    def _finish(self, run: Run, status: str, error: RunError | None) -> None:
        run.status = status  # type: ignore[assignment]
        run.error = redacted_error(error, self._keys)
        run.timings.finished_at = now_iso()
        self._emit("finished", run)

    # -- persistence --------------------------------------------------------------------------
    def _emit(self, kind: EventKind, run: Run, message: str = "") -> None:
        # First byte and queue progress only inform the screen; they reach the disk with the run's next
        # state change, which saves a durable write per run (and one per fal status line).
        if kind not in ("first_byte", "progress"):
            self._changed(run)
        self.listener(RunEvent(kind, _copy(run), message))

    def _changed(self, run: Run) -> None:
        self._dirty[run.id] = _copy(run)
        self._flush_wanted.set()

    async def _writer(self) -> None:
        """One writer: coalesces run updates into as few atomic session writes as the disk allows."""
        failures = 0
        while True:
            await self._flush_wanted.wait()
            self._flush_wanted.clear()
            batch, unsynced = self._take_dirty()
            if unsynced:
                # An fsync that fails (EIO) leaves the image as written: nothing better to do than record the run.
                await asyncio.gather(*(syncing for _, syncing in unsynced), return_exceptions=True)
            try:
                await asyncio.to_thread(self._persist, batch, [image for image, _ in unsynced])
            except OSError as exc:
                failures += 1
                self._put_back(batch, unsynced)
                where = self.store.session_file(self.session.id)
                message = f"cannot save {where}: {exc.strerror or exc}; will try again (the results are kept)"
                self.listener(RunEvent("write_failed", None, message))
                if self._closing and failures >= WRITE_TRIES_AT_CLOSE:
                    raise SessionNotSaved(
                        f"cannot save the session: {exc.strerror or exc}. Free the space (or fix the mount) and run "
                        f"`imgbench sessions resume {self.session.id}`: runs not recorded will run again",
                        file=where,
                    ) from None
                await asyncio.sleep(min(WRITE_RETRY_MAX_S, WRITE_RETRY_S * failures))
                self._flush_wanted.set()
                continue
            failures = 0
            if not self._dirty and not self._unsynced:
                self._hold_thumbs(False)  # everything that finished is recorded: previews may take the CPU
            if self._closing and not self._dirty:
                return

    def _put_back(self, batch: dict[str, Run], unsynced: list[tuple[OutputImage, asyncio.Future[None]]]) -> None:
        """A batch that could not be written waits for the next try; newer updates of the same runs win."""
        for run_id, run in batch.items():
            self._dirty.setdefault(run_id, run)
        self._unsynced = unsynced + self._unsynced

    def _hold_thumbs(self, hold: bool) -> None:
        if hold != self._holding_thumbs:
            self._holding_thumbs = hold
            (previews.hold if hold else previews.release)()

    def _take_dirty(self) -> tuple[dict[str, Run], list[tuple[OutputImage, asyncio.Future[None]]]]:
        """The runs changed since the last write, and every image they may refer to that is not yet durable
        (taken together on the event loop: an image is stored before its run is marked finished)."""
        batch, self._dirty = self._dirty, {}
        unsynced, self._unsynced = self._unsynced, []
        return batch, unsynced

    def _persist(self, batch: dict[str, Run], images: list[OutputImage]) -> None:
        if images:
            # Before the session refers to them: a finished run on disk always has its image on disk.
            self.store.fsync_output_dirs(self.session.id, images)
        if not batch:
            return

        def apply(session: Session) -> None:
            index = {r.id: i for i, r in enumerate(session.runs)}
            for run_id, run in batch.items():
                if run_id in index:
                    session.runs[index[run_id]] = run
                else:
                    session.runs.append(run)

        # Only a finished run is work that must survive a power cut; "queued", "running" and "retrying" marks are
        # not (lost, the run is left as it was on disk and runs again), so they skip the fsyncs.
        durable = any(run.status in FINISHED for run in batch.values())
        self.store.mutate(self.session.id, apply, durable=durable)
        checking.submit_recorded(self.store, self.session, batch.values())  # their results are written after
