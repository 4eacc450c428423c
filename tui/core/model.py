"""The session model: cases x models -> runs, and scores per rater per checklist item.

Plain msgspec structs, so a session decodes and validates in one fast pass and encodes
deterministically. Nothing here touches the disk or the network.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Literal

import msgspec

SCHEMA_VERSION = 2  # 2: machine checks (ChecklistItem.machine, Run.checks)

Mode = Literal["t2i", "i2i"]
Verdict = Literal["pass", "fail", "partial", "na"]
VERDICTS: tuple[Verdict, ...] = ("pass", "fail", "partial", "na")
RunStatus = Literal["queued", "running", "retrying", "succeeded", "failed", "cancelled", "interrupted"]
FINISHED: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})
ErrorKind = Literal[
    "auth",
    "rate_limit",
    "content_policy",
    "bad_request",
    "timeout",
    "server",
    "network",
    "bad_response",
    "cancelled",
    "interrupted",
    "unavailable",
    "storage",  # the system refused to store the output (a full disk): never the model's failure
    "budget",  # not sent: the spending cap (--max-cost) was reached; a resume sends it
]


def now_iso() -> str:
    """UTC timestamp with milliseconds, the one time format of every file imgbench writes."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# os.urandom is what secrets.token_hex reads; the secrets module (hmac, hashlib, OpenSSL) is not on Home's first frame.
def new_id(prefix: str = "") -> str:
    return prefix + os.urandom(4).hex()


def new_session_id() -> str:
    """Sortable by creation time, unique without coordination."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + os.urandom(3).hex()


CheckKind = Literal["ocr", "aspect", "size", "preserve"]
CHECK_KINDS: tuple[CheckKind, ...] = ("ocr", "aspect", "size", "preserve")
# "error": the check could not measure (no reference to compare with, an unreadable image, no size asked for);
# its summary says why. Never a verdict: it counts neither as a pass nor as a fail.
CheckOutcome = Literal["pass", "fail", "error"]


class MachineCheck(msgspec.Struct, frozen=True, omit_defaults=True):
    """A measurement a checklist item declares (in its preset, fixed before the run), made on every output.

    Only the fields of its ``kind`` are set (the preset loader refuses the others):
    ``ocr``: ``expect``; ``aspect``: ``ratio``, ``tolerance``; ``size``: ``size``, ``tolerance``;
    ``preserve``: ``max_changed``, ``region``, ``delta``.
    """

    kind: CheckKind
    expect: tuple[str, ...] = ()  # ocr: strings that must be read (compared without whitespace and punctuation)
    ratio: str | None = None  # aspect: "W:H" (default: the run's requested aspect, else its size)
    size: str | None = None  # size: "WxH" (default: the run's requested size)
    tolerance: float | None = None  # aspect, size: the relative deviation allowed (0.02 = 2 %)
    max_changed: float | None = None  # preserve: share of the pixels outside the region allowed to change
    region: tuple[float, float, float, float] | None = None  # preserve: the edit region x0,y0,x1,y1 in 0..1
    delta: int | None = None  # preserve: a pixel counts as changed above this channel difference (0..254)


class ChecklistItem(msgspec.Struct, frozen=True, omit_defaults=True):
    id: str
    criterion: str
    check: str = ""
    # A child item counts as failed when its parent fails (DSG-style dependency).
    parent: str | None = None
    machine: MachineCheck | None = None  # a machine check of this item (shown beside it, never its verdict)


class Params(msgspec.Struct, frozen=True, omit_defaults=True):
    """What the user asked for, once per case; each provider maps it to what it supports."""

    size: str | None = None  # "WxH"
    aspect: str | None = None  # "W:H"
    resolution: str | None = None  # "1K", "2K", "4K"
    quality: str | None = None  # "low" | "medium" | "high" | "auto" or provider-specific
    seed: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {k: v for k, v in msgspec.structs.asdict(self).items() if v is not None}


class Reference(msgspec.Struct, frozen=True, omit_defaults=True):
    """A reference image copied into the session by content hash."""

    sha256: str
    path: str  # relative to the session directory, e.g. "refs/<sha256>.png"
    format: str
    width: int
    height: int
    slot: str | None = None  # what the preset asked this reference to show
    filename: str | None = None  # the user's original file name, for display only
    # "mask": not an image to show the model but the edit mask of the first reference (PNG, transparent where to
    # edit), sent as the provider's own mask field; kept after the images so references[0] stays the first image.
    role: str | None = None


class Case(msgspec.Struct):
    id: str
    prompt: str
    mode: Mode = "t2i"
    preset_id: str | None = None
    title: str | None = None
    category: str | None = None
    references: list[Reference] = []
    checklist: list[ChecklistItem] = []
    params: Params = Params()
    repeats: int = 1

    @property
    def label(self) -> str:
        return self.title or self.preset_id or (self.prompt[:40] + ("…" if len(self.prompt) > 40 else ""))


class RunError(msgspec.Struct, frozen=True, omit_defaults=True):
    kind: ErrorKind
    message: str
    http_status: int | None = None
    provider_code: str | None = None


class OutputImage(msgspec.Struct, frozen=True, omit_defaults=True):
    path: str  # relative to the session directory
    sha256: str
    width: int
    height: int
    format: str
    bytes: int = 0


class Timings(msgspec.Struct, omit_defaults=True):
    queued_at: str | None = None
    started_at: str | None = None
    first_byte_at: str | None = None
    finished_at: str | None = None


class Attempt(msgspec.Struct, frozen=True, omit_defaults=True):
    """One HTTP attempt (or demo call) of a run; retries make several."""

    started_at: str
    ended_at: str
    outcome: str  # "ok" or an error kind
    http_status: int | None = None
    wait_s: float | None = None  # backoff slept after this attempt before the next one


class StringMatch(msgspec.Struct, frozen=True, omit_defaults=True):
    """One expected string of an OCR check against the text read."""

    expected: str
    found: bool  # read exactly, once whitespace and punctuation are left out
    cer: float  # character error rate of the closest stretch of the text read: edits / expected characters
    closest: str = ""  # that stretch (normalised), the evidence for the figure


class CheckResult(msgspec.Struct, frozen=True, omit_defaults=True):
    """What a machine check measured on one output, with its evidence. It is not a rater's verdict and never
    becomes one: Review shows it beside the person's verdict; agreement tables may compare the two."""

    item_id: str
    kind: CheckKind
    outcome: CheckOutcome
    summary: str  # one line, e.g. "read 時光電影節, CER 0.6"
    image_sha256: str = ""  # the output measured: a result for another image is stale
    checked_at: str = ""
    engine: str = ""  # what measured, with its version ("rapidocr-onnxruntime 1.4.4", "imgbench pixels")
    text: str | None = None  # ocr: everything read, lines joined by " / "
    strings: tuple[StringMatch, ...] = ()  # ocr: each expected string
    measured: float | None = None  # aspect: output W/H; size: worst relative edge error; preserve: share changed
    expected: float | None = None  # aspect: requested W/H; preserve: max_changed
    width: int | None = None  # the output's pixels (aspect, size)
    height: int | None = None
    region: tuple[float, float, float, float] | None = None  # preserve: the edit region used, if any
    duration_ms: float | None = None


class Run(msgspec.Struct):
    id: str
    case_id: str
    model: str
    repeat: int = 0
    status: RunStatus = "queued"
    attempts: int = 0
    attempt_log: list[Attempt] = []
    params_requested: dict[str, object] = {}
    params_effective: dict[str, object] = {}
    timings: Timings = msgspec.field(default_factory=Timings)
    latency_ms: float | None = None
    ttfb_ms: float | None = None
    error: RunError | None = None
    images: list[OutputImage] = []
    revised_prompt: str | None = None
    usage: dict[str, object] | None = None
    cost_usd: float | None = None
    # Objective figures computed after the run (e.g. share of pixels changed outside an edit region).
    metrics: dict[str, float] = {}
    # Machine checks of the checklist items that declare one, one result per item (latest measurement).
    checks: list[CheckResult] = []

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def check_of(self, item_id: str) -> CheckResult | None:
        for result in self.checks:
            if result.item_id == item_id:
                return result
        return None


RaterKind = Literal["human", "judge"]
JUDGE_PREFIX = "judge:"  # an AI judge's rater name is this + "PROVIDER:MODEL" (tui.core.judge_spec.judge_rater)


class JudgeRecord(msgspec.Struct, omit_defaults=True):
    """How an AI judge reached its verdicts on one output: which prompt, what it cost, what it said."""

    judge: str  # "PROVIDER:MODEL" (the rater is JUDGE_PREFIX + this)
    prompt_version: str
    prompt_hash: str  # sha256 of the judge's instructions and answer schema: a changed prompt is another judge
    demo: bool = False  # the offline demo judge: a stand-in from the pixels, not a model's opinion
    evidence: dict[str, str] = {}  # item -> the judge's one sentence (sanitised, capped)
    cached: list[str] = []  # items answered from the cache (no request, no cost)
    skipped: list[str] = []  # children of a failed parent: not asked (DSG), counted failed by the parent rule
    requests: int = 0
    attempts: int = 0
    cost_usd: float | None = None
    latency_ms: float | None = None
    raw: list[str] = []  # the answers as received: keys redacted, control characters shown, capped
    error: str = ""  # what went wrong on the items left without a verdict


class Score(msgspec.Struct, omit_defaults=True):
    run_id: str
    rater: str
    verdicts: dict[str, Verdict] = {}
    note: str = ""
    blind: bool = False
    scored_at: str = ""
    # A person's (the default) or an AI judge's: statistics of people leave judges out unless asked for one.
    kind: RaterKind = "human"
    judge: JudgeRecord | None = None

    def __post_init__(self) -> None:
        if self.judge is not None and self.kind != "judge":
            raise msgspec.ValidationError("a score with a judge record must be of kind 'judge'")


class Preference(msgspec.Struct, frozen=True, omit_defaults=True):
    """A pairwise judgement between two runs of one case."""

    case_id: str
    rater: str
    run_a: str
    run_b: str
    outcome: Literal["a", "b", "tie", "both_bad"]
    blind: bool = False
    given_at: str = ""


class PacketOrigin(msgspec.Struct, frozen=True):
    """On a rater's machine: this session is a blind packet made from someone else's session. Its runs carry
    opaque ids and no model; the owner's copy keeps the map back (``PacketRecord``)."""

    packet_id: str
    session_id: str  # the owner's session the packet was made from
    rater: str  # who the packet is for: their scores are merged under this name
    created_at: str = ""


class PacketRecord(msgspec.Struct, omit_defaults=True):
    """On the owner's machine: a blind packet made from this session, and how its opaque ids map back."""

    packet_id: str
    rater: str
    created_at: str
    runs: dict[str, str] = {}  # packet run id -> this session's run id
    cases: dict[str, str] = {}  # packet case id -> this session's case id
    merged_at: str = ""  # when the rater's scores came back (a packet's scores merge once)


def _current_schema() -> int:
    return SCHEMA_VERSION


class Session(msgspec.Struct, omit_defaults=True):
    id: str
    name: str
    created_at: str
    # Always written: omit_defaults drops a field at its default value, and a file without a version reads as
    # version 1, through the migrating path (~3x the typed decode, on every load). msgspec leaves out a
    # default_factory field only when the factory is one of its empty containers, never one of ours.
    schema_version: int = msgspec.field(default_factory=_current_schema)
    updated_at: str = ""
    tool_version: str = ""
    blind: bool = False
    blind_seed: int = 0
    concurrency: int | None = None
    models: list[str] = []
    cases: list[Case] = []
    runs: list[Run] = []
    scores: list[Score] = []
    preferences: list[Preference] = []
    packet: PacketOrigin | None = None  # set on a rater's copy of a blind packet
    packets: list[PacketRecord] = []  # blind packets made from this session, on the owner's machine
    # Blind sessions: per rater, the cases whose model names that rater has asked to see (after scoring them).
    # Local to this copy of the session (an export leaves it out: another rater's reveal is not yours).
    revealed: dict[str, list[str]] = {}

    # -- look-ups -------------------------------------------------------------------------------
    def case(self, case_id: str) -> Case:
        for case in self.cases:
            if case.id == case_id:
                return case
        raise KeyError(case_id)

    def run(self, run_id: str) -> Run:
        for run in self.runs:
            if run.id == run_id:
                return run
        raise KeyError(run_id)

    def runs_of(self, case_id: str) -> list[Run]:
        return [r for r in self.runs if r.case_id == case_id]

    def score_of(self, run_id: str, rater: str) -> Score | None:
        for score in self.scores:
            if score.run_id == run_id and score.rater == rater:
                return score
        return None

    def set_score(self, score: Score) -> None:
        """One score per (run, rater): a new verdict replaces the rater's earlier one."""
        self.scores = [s for s in self.scores if not (s.run_id == score.run_id and s.rater == score.rater)]
        self.scores.append(score)

    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for run in self.runs:
            counts[run.status] = counts.get(run.status, 0) + 1
        return counts


def plan_runs(session: Session) -> None:
    """Create the runs a session's cases x models x repeats call for, keeping any that exist."""
    have = {(r.case_id, r.model, r.repeat) for r in session.runs}
    for case in session.cases:
        for model in session.models:
            for repeat in range(max(1, case.repeats)):
                if (case.id, model, repeat) in have:
                    continue
                session.runs.append(
                    Run(
                        id=new_id("r-"),
                        case_id=case.id,
                        model=model,
                        repeat=repeat,
                        params_requested=case.params.to_dict(),
                        timings=Timings(queued_at=now_iso()),
                    )
                )
