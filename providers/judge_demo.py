"""The offline demo judge: deterministic verdicts computed from the pixels, so the judge flow (verdicts, cache,
trust tables) works with no key and in tests. It is not a model and has no opinion: every verdict it gives says so.

Each item's verdict comes from a hash of the image's 16x16 grey thumbnail and the item's words, tilted by the
image's contrast (a flat image passes less often). The same image and item always get the same verdict.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import statistics

from providers.base import CallContext, ProviderSettings
from providers.judge_base import ItemAnswer, JudgeAnswer, JudgeRequest

DEMO_MODELS = ("pixels",)
LABEL = "Demo judge (from the pixels, not a model)"


def pixel_features(data: bytes) -> tuple[bytes, float, float]:
    """(16x16 grey thumbnail bytes, mean brightness 0..1, contrast 0..1) of an image."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        img.draft("L", (64, 64))
        grey = img.convert("L").resize((16, 16))
    values = list(grey.tobytes())  # mode L: one byte a pixel, row by row (getdata is deprecated in Pillow 13)
    mean = statistics.fmean(values) / 255
    contrast = min(1.0, statistics.pstdev(values) / 128)
    return bytes(values), mean, contrast


def demo_verdict(thumb: bytes, contrast: float, item_id: str, criterion: str) -> str:
    digest = hashlib.sha256(thumb + b"\x1f" + item_id.encode() + b"\x1f" + criterion.encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    p_pass = 0.35 + 0.4 * contrast
    if u < p_pass:
        return "pass"
    if u < p_pass + 0.15:
        return "partial"
    if u > 0.97:
        return "na"
    return "fail"


def _answer(request: JudgeRequest) -> JudgeAnswer:
    thumb, mean, contrast = pixel_features(request.image.data)
    items = {}
    for q in request.questions:
        verdict = demo_verdict(thumb, contrast, q.id, q.criterion)
        items[q.id] = ItemAnswer(
            verdict, f"demo judge, not a model: brightness {mean:.2f}, contrast {contrast:.2f} gave {verdict}"
        )
    raw = json.dumps({"items": [{"id": i, "verdict": a.verdict, "evidence": a.evidence} for i, a in items.items()]})
    return JudgeAnswer(items, raw, usage={"demo": True}, cost_usd=0.0)


class DemoJudge:
    name = "demo"
    demo = True

    def __init__(self, settings: ProviderSettings | None = None) -> None:
        self.settings = settings or ProviderSettings(concurrency=8)

    def available(self) -> tuple[bool, str]:
        return True, "offline, no key needed"

    async def judge(self, request: JudgeRequest, ctx: CallContext) -> JudgeAnswer:
        answer = await asyncio.to_thread(_answer, request)
        ctx.on_first_byte()
        return answer
