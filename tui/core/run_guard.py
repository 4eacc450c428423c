"""What a run's outcome passes before it is kept: every key redacted from the provider's words, and each output
written with the bytes kept in memory while the system refuses the write (a full disk is not the model's fault)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import msgspec

from providers.base import ProviderError
from providers.errors import redact, redact_value
from providers.retry import RetryPolicy
from tui.core.model import OutputImage, RunError
from tui.core.store import Store


class OutputRefused(Exception):
    """The system refused to store an output even after retrying."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason

    def run_error(self) -> RunError:
        return RunError("storage", f"cannot write {self.path}: {self.reason}; `imgbench sessions resume` runs it again")


def keep_answer(run: Any, result: Any, secrets: list[str]) -> None:
    """What a success answer says, onto its run: the provider's text too, so a key echoed in it is scrubbed as in
    an error (``revised_prompt``, ``usage``, the parameters it reports)."""
    run.params_effective = redact_value(result.params_effective or run.params_effective, secrets)
    run.revised_prompt = redact(result.revised_prompt, secrets) if result.revised_prompt else None
    run.usage = redact_value(result.usage, secrets)
    run.cost_usd = result.cost_usd


def held_keys(providers: Iterable[Any]) -> list[str]:
    """Every key this process holds: a gateway or a confused server may echo any of them."""
    keys = (getattr(getattr(p, "settings", None), "api_key", None) for p in providers)
    return [k for k in keys if isinstance(k, str) and len(k) >= 4]


def redacted_error(error: RunError | None, secrets: list[str]) -> RunError | None:
    """Defence in depth: whatever an adapter let through (a server echoing the key in an error code, an
    exception's text), the run record never holds a key, nor the first 8+ characters of one."""
    if error is None:
        return None
    code = redact(error.provider_code, secrets) if error.provider_code else error.provider_code
    return msgspec.structs.replace(error, message=redact(error.message, secrets), provider_code=code)


async def write_output_retrying(
    store: Store,
    session_id: str,
    run_id: str,
    index: int,
    data: bytes,
    warn: Callable[[str], None],
    tries: tuple[int, float, float],
) -> OutputImage:
    """Store one output (``durable=False``: the runner syncs it). A refused write is tried again ``tries[0]`` times
    in all, waiting ``tries[1]`` x the failures (at most ``tries[2]``) s; then ``OutputRefused``. Bytes that are
    not an image are the provider's fault (``bad_response``)."""
    most, step, longest = tries
    failures = 0
    while True:
        try:
            return await asyncio.to_thread(store.write_output, session_id, run_id, index, data, durable=False)
        except ValueError as exc:
            raise ProviderError("bad_response", str(exc)) from None
        except OSError as exc:
            failures += 1
            where = str(exc.filename or store.session_dir(session_id) / "images")
            reason = exc.strerror or str(exc)
            if failures >= most:
                raise OutputRefused(where, reason) from None
            warn(f"cannot save {where}: {reason}; will try again (the image is kept in memory)")
            await asyncio.sleep(min(longest, step * failures))


def policy_for(retry: RetryPolicy, provider: Any) -> RetryPolicy:
    """The session's retry policy, with the provider's own max_attempts / max_wait_s from config."""
    options = provider.settings.options
    if "max_attempts" not in options and "max_wait_s" not in options:
        return retry
    return dataclasses.replace(
        retry,
        max_attempts=int(options.get("max_attempts", retry.max_attempts)),
        max_wait_s=float(options.get("max_wait_s", retry.max_wait_s)),
    )
