"""When to try again: jittered exponential backoff that honours the provider's own hint."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from providers.base import ProviderError


@dataclass
class RetryPolicy:
    max_attempts: int = 4
    base_s: float = 1.0
    cap_s: float = 30.0
    # A provider that asks for a longer wait than this is treated as "come back later", not slept on.
    max_wait_s: float = 120.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, error: ProviderError) -> tuple[float | None, str]:
        """Seconds to wait before attempt ``attempt + 1``, or None to give up, with the reason."""
        if not error.retryable:
            return None, f"{error.kind} is not retried"
        if attempt >= self.max_attempts:
            return None, f"gave up after {attempt} attempts"
        if error.retry_after is not None:
            if error.retry_after > self.max_wait_s:
                return None, (
                    f"the provider asked to wait {error.retry_after:.0f} s, over the "
                    f"{self.max_wait_s:.0f} s limit (max_wait_s)"
                )
            # A little jitter on top of the hint so parallel runs do not return in lockstep.
            return error.retry_after + self.rng.uniform(0, min(1.0, error.retry_after * 0.1)), "retry-after"
        ceiling = min(self.cap_s, self.base_s * 2 ** (attempt - 1))
        return self.rng.uniform(ceiling / 2, ceiling), "backoff"
