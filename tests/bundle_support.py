"""Sessions full of what identifies a model, and a scan of a packet's every byte for any of it."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from PIL import Image, PngImagePlugin

from tui.core.model import (
    Attempt,
    Case,
    ChecklistItem,
    Params,
    Run,
    RunError,
    Session,
    Timings,
    new_session_id,
    now_iso,
)
from tui.core.store import Store

# Real model ids and providers, with the prices, latencies and messages a real session records.
MODELS = ["openai:gpt-image-1", "xai:grok-imagine-image", "gemini:gemini-2.5-flash-image", "fal:fal-ai/flux-2-pro"]
PRICES = {MODELS[0]: 0.167, MODELS[1]: 0.07, MODELS[2]: 0.039, MODELS[3]: 0.055}
LATENCIES = {MODELS[0]: 41234.5, MODELS[1]: 7321.25, MODELS[2]: 9876.5, MODELS[3]: 15555.75}
CHECKLIST = [
    ChecklistItem("c1", "Seven objects"),
    ChecklistItem("c2", "Light from the left"),
    ChecklistItem("c3", "No text"),
]


def provider_image(model: str, seed: int) -> bytes:
    """An output as providers send them: signed in metadata (PNG text chunks, a C2PA-like chunk, EXIF in JPEG)."""
    provider, _, name = model.partition(":")
    img = Image.new("RGB", (48 + 8 * MODELS.index(model), 40), (seed * 37 % 256, 90, 160))
    out = io.BytesIO()
    if provider == "gemini":
        exif = Image.Exif()
        exif[0x010F] = "Google"  # Make
        exif[0x0110] = name  # Model
        exif[0x0131] = f"{model} via {provider}"  # Software
        img.save(out, "JPEG", exif=exif.tobytes(), quality=90)
        return out.getvalue()
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", f"{provider} {name}")
    info.add_itxt("c2pa", f'{{"claim_generator": "{model}", "issuer": "{provider.upper()} Inc."}}')
    img.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def named_session(store: Store, *, cases: int = 3, blind: bool = True) -> Session:
    """A finished session of every real provider: outputs, costs, latencies, retries, a refusal with the
    provider's message, a revised prompt, usage and metrics: everything a packet must leave behind."""
    session = Session(
        id=new_session_id(),
        name=f"{MODELS[0]} vs {MODELS[1]} (openai, xai, gemini, fal)",
        created_at=now_iso(),
        blind=blind,
        blind_seed=7,
        models=list(MODELS),
    )
    for c in range(cases):
        session.cases.append(
            Case(
                f"case-{c}",
                f"prompt number {c}: a table with seven objects",
                checklist=list(CHECKLIST),
                params=Params(size="1024x1024"),
            )
        )
    store.save(session)
    seed = 0
    for case in session.cases:
        for model in MODELS:
            seed += 1
            run = Run(f"r-{seed:04d}-{model.split(':')[0]}", case.id, model, params_requested={"size": "1024x1024"})
            if model.startswith("xai") and case.id == "case-1":
                run.status = "failed"
                run.error = RunError("content_policy", "xAI: grok-imagine-image refused (respect_moderation)", 200)
            else:
                run.status = "succeeded"
                run.images = [store.write_output(session.id, run.id, 0, provider_image(model, seed))]
                run.cost_usd = PRICES[model]
                run.latency_ms = LATENCIES[model]
                run.ttfb_ms = LATENCIES[model] / 2
                run.usage = {"provider": model.split(":")[0], "total_tokens": 1290}
                run.revised_prompt = f"({model} rewrote this)"
                run.metrics = {"changed_share": 0.25}
            run.attempts = 2
            run.attempt_log = [
                Attempt(now_iso(), now_iso(), "rate_limit", 429, 1.5),
                Attempt(now_iso(), now_iso(), "ok", 200),
            ]
            run.params_effective = {"size": "1024x1024", "model": model.split(":", 1)[1]}
            run.timings = Timings(queued_at=now_iso(), started_at=now_iso(), finished_at=now_iso())
            session.runs.append(run)
    store.save(session)
    return session


GENERIC = {"image", "imagine"}  # parts of model names that are plain words of any image tool


IMAGE_FIELDS = ("bytes", "width", "height")


def identifying_needles(
    models: list[str], prices: dict[str, float], latencies: dict[str, float]
) -> list[re.Pattern[bytes]]:
    """Every form a model's identity takes in a file: ids, their halves, providers, prices and latencies."""
    words: set[str] = set()
    for model in models:
        provider, _, name = model.partition(":")
        words.update({model, provider, name, name.rsplit("/", 1)[-1]})
        words.update(part for part in re.split(r"[-/.]", name) if len(part) >= 4 and not part.isdigit())
    words -= GENERIC
    # Bounded by what cannot continue a word, so "fal" is not found in "fall" (a prompt) but is in "fal-ai".
    needles = [re.compile(rb"(?<![a-z])" + re.escape(w.encode()) + rb"(?![a-z])", re.IGNORECASE) for w in sorted(words)]
    forms = [(v, (repr(v), f"{v:.2f}", f"{v:.3f}", f"{v:.4f}")) for v in prices.values()]
    forms += [(v, (repr(v), f"{v:.0f}", f"{v:.1f}", f"{v / 1000:.2f}")) for v in latencies.values()]
    # An image's own numbers (its byte count and edges) are in every packet by design: a latency of 118 ms is not
    # found in "bytes": 118.
    own_fields = b"".join(rb"(?<!" + re.escape(f'"{f}": '.encode()) + rb")" for f in IMAGE_FIELDS)
    for _value, texts in forms:
        for text in set(texts):
            # bounded by what cannot continue a number, so 0.07 is not found in a timestamp's 20.071 nor 414 in a sha
            needles.append(
                re.compile(rb"(?<![0-9A-Za-z.])" + own_fields + re.escape(text.encode()) + rb"(?![0-9A-Za-z])")
            )
    return needles


def packet_bytes(path: Path) -> dict[str, bytes]:
    """The archive as stored and each member decompressed: every byte a rater receives."""
    blobs = {"<archive>": path.read_bytes()}
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            blobs[info.filename] = zf.read(info)
            blobs[f"<name {info.filename}>"] = info.filename.encode() + info.comment + info.extra
        blobs["<comment>"] = zf.comment
    return blobs


def scan(blobs: dict[str, bytes], needles: list[re.Pattern[bytes]]) -> list[str]:
    hits = []
    for where, data in blobs.items():
        for needle in needles:
            if m := needle.search(data):
                hits.append(
                    f"{where}: {needle.pattern!r} at {m.start()}: {data[max(0, m.start() - 30) : m.end() + 30]!r}"
                )
    return hits
