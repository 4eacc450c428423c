"""Blind rater packets, and session bundles: a session as one file another machine can open.

A packet is a new session made from the owner's, for one rater, that names no model. What it keeps is what a
rater needs to score: each case's prompt, checklist, parameters asked for and references, and each succeeded
run's images. What it leaves out is everything that can tell a model apart (see ``BlindRun``): model ids and
providers, prices and usage, latencies, timings and attempts, effective parameters, provider messages and revised
prompts, file names, image formats and metadata (every output is re-encoded to a plain PNG, which drops the
C2PA, EXIF, XMP and text chunks some providers sign their images with), objective metrics, and the other raters'
scores. Runs and cases get fresh opaque ids, the run list is shuffled, and the packet has its own blind seed,
so two raters' packets put the same output under different ids and slot letters.

The owner's session keeps the map back (``PacketRecord``); the rater's scores come home through
``tui.reports.packet_merge``.
"""

from __future__ import annotations

import hashlib
import re
import secrets

import msgspec

from tui import __version__
from tui.core.images import clean_png
from tui.core.model import Case, OutputImage, PacketOrigin, PacketRecord, Reference, Run, Session, now_iso
from tui.core.store import Store
from tui.core.validation import InputError
from tui.reports.bundle import write_bundle
from tui.reports.export import export_json

BLIND_MODEL = "blind:hidden"  # the one "model" of a packet: every run has it, so none stands apart
MAX_RATER_NAME = 64


def check_rater_name(name: str, *, key: str = "--for-rater") -> str:
    name = name.strip()
    if not name:
        raise InputError("a rater's name is needed", key=key)
    if len(name) > MAX_RATER_NAME or not all(c.isprintable() for c in name):
        raise InputError(f"a rater's name is up to {MAX_RATER_NAME} printable characters", key=key)
    return name


def packet_file_name(session_id: str, rater: str) -> str:
    """Where a packet goes when no file is named: the session and the rater, as a file name can carry them."""
    return f"{session_id}-{re.sub(r'[^A-Za-z0-9._-]+', '_', rater).strip('._') or 'rater'}.packet.zip"


def _stored(store: Store, session: Session, relative: str, sha256: str) -> bytes:
    """A file of the owner's own session, which must still be the one recorded."""
    path = store.abspath(session.id, relative)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=path) from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise InputError("changed since it was recorded (its sha256 differs)", file=path)
    return data


def session_bundle(session: Session, store: Store) -> bytes:
    """The whole session as one archive: the export (relative paths only) and every file it names, as stored."""
    files: dict[str, bytes] = {}
    for run in session.runs:
        for image in run.images:
            files[image.path] = _stored(store, session, image.path, image.sha256)
    for case in session.cases:
        for ref in case.references:
            files[ref.path] = _stored(store, session, ref.path, ref.sha256)
    return write_bundle(export_json(session, None), files, kind="session")


def _opaque(prefix: str, taken: set[str]) -> str:
    while (value := f"{prefix}{secrets.token_hex(6)}") in taken:
        pass
    taken.add(value)
    return value


def make_packet(session: Session, store: Store, rater: str) -> tuple[PacketRecord, bytes]:
    """A blind packet of ``session`` for ``rater``: the owner's record of it, and the bundle's bytes."""
    rater = check_rater_name(rater)
    if session.packet is not None:
        raise InputError("is a blind packet itself: packets are made from the session it came from", key=session.id)
    runs = [r for r in session.runs if r.status == "succeeded" and r.images]
    if not runs:
        raise InputError("has no succeeded runs with images to score yet", key=session.id)
    created = now_iso()
    packet_id = f"pk-{secrets.token_hex(12)}"
    taken: set[str] = set()
    case_ids = {c.id: _opaque("c-", taken) for c in session.cases if any(r.case_id == c.id for r in runs)}
    files: dict[str, bytes] = {}
    cases = [
        _packet_case(session, store, case, case_ids[case.id], files) for case in session.cases if case.id in case_ids
    ]
    secrets.SystemRandom().shuffle(runs)  # the file's run order says nothing about models either
    repeats: dict[str, int] = {}
    packet_runs: list[Run] = []
    run_ids: dict[str, str] = {}
    for run in runs:
        rid = _opaque("r-", taken)
        run_ids[rid] = run.id
        images = []
        for index, image in enumerate(run.images):
            png, width, height = clean_png(_stored(store, session, image.path, image.sha256))
            path = f"images/{rid}-{index}.png"
            files[path] = png
            images.append(OutputImage(path, hashlib.sha256(png).hexdigest(), width, height, "PNG", len(png)))
        case_id = case_ids[run.case_id]
        repeat = repeats[case_id] = repeats.get(case_id, -1) + 1  # unique per case, in shuffled order
        params = session.case(run.case_id).params.to_dict()
        packet_runs.append(Run(rid, case_id, BLIND_MODEL, repeat, "succeeded", images=images, params_requested=params))
    packet = Session(
        id=packet_id,
        name=f"Blind packet for {rater}",
        created_at=created,
        tool_version=__version__,
        blind=True,
        blind_seed=secrets.randbits(62),
        models=[BLIND_MODEL],
        cases=cases,
        runs=packet_runs,
        packet=PacketOrigin(packet_id, session.id, rater, created),
    )
    record = PacketRecord(packet_id, rater, created, runs=run_ids, cases={new: old for old, new in case_ids.items()})
    return record, write_bundle(export_json(packet, None), files, kind="packet")


def _packet_case(session: Session, store: Store, case: Case, new_id: str, files: dict[str, bytes]) -> Case:
    refs = []
    for ref in case.references:
        files[ref.path] = _stored(store, session, ref.path, ref.sha256)
        refs.append(Reference(ref.sha256, ref.path, ref.format, ref.width, ref.height, slot=ref.slot))  # no file name
    return msgspec.structs.replace(case, id=new_id, references=refs, repeats=1)


def record_packet(store: Store, session_id: str, record: PacketRecord) -> None:
    """Keep the map back in the owner's session (before the packet leaves: never a packet without its record)."""

    def add(session: Session) -> None:
        session.packets.append(record)

    store.mutate(session_id, add)
