"""Judge answers kept on disk, so the same question is never paid for twice.

An answer is keyed by what decides it: the image's pixels (sha256 of the stored output), the item (its id and
words, the prompt it belongs to, the references shown), the judge (``PROVIDER:MODEL``, wire format) and the
judge prompt's hash. One small JSON file per answer under the cache dir; a file that does not read back as one
is treated as a miss (and replaced), never trusted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tui.core.atomic import atomic_write

VERDICTS = ("pass", "fail", "partial", "na")


def cache_key(
    *,
    image_sha256: str,
    item_id: str,
    criterion: str,
    prompt: str,
    reference_shas: Sequence[str],
    judge: str,
    prompt_hash: str,
) -> str:
    parts = [image_sha256, item_id, criterion, prompt, ",".join(reference_shas), judge, prompt_hash]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Cached:
    verdict: str
    evidence: str


class AnswerCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _file(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Cached | None:
        try:
            data = json.loads(self._file(key).read_bytes()[:65536])
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("verdict") not in VERDICTS:
            return None
        evidence = data.get("evidence")
        return Cached(data["verdict"], evidence if isinstance(evidence, str) else "")

    def put(self, key: str, verdict: str, evidence: str) -> None:
        try:
            data = json.dumps({"verdict": verdict, "evidence": evidence}).encode()
            atomic_write(self._file(key), data, durable=False)
        except OSError:
            pass  # a cache that cannot be written only costs a request next time


def default_cache() -> AnswerCache:
    from tui.core import paths

    return AnswerCache(paths.cache_dir() / "judge")
