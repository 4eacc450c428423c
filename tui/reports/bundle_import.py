"""``sessions import FILE`` of any kind: a JSON export, a bundle, a blind packet to score, or a packet's scores.

Which one it is comes from the file itself: a zip is a bundle (checked whole by ``tui.reports.bundle`` before
anything else looks at it); an export whose session carries ``packet`` is a blind packet. A packet this data dir
made brings a rater's scores home (``tui.reports.packet_merge``); any other packet opens here as a new blind
session to score, from its bundle only, with every image present, matching its sha256 and decoding. Everything
else is an ordinary import or merge (``tui.reports.importing``), images from inside the bundle when there is one.
"""

from __future__ import annotations

import io
from pathlib import Path

from tui.core.model import Session
from tui.core.store import Store
from tui.core.validation import InputError
from tui.core.wording import count
from tui.reports.bundle import EXPORT, MAX_BUNDLE_BYTES, Bundle, looks_like_bundle, read_bundle
from tui.reports.importing import import_export, parse_export, take_images
from tui.reports.packet import BLIND_MODEL
from tui.reports.packet_merge import merge_packet, owner_of


def _read(path: Path) -> tuple[bytes, Bundle | None]:
    """The export's bytes, and the bundle they came in (None: a plain JSON export)."""
    from tui.core.inputs import MAX_IMPORT_BYTES, read_regular

    data = read_regular(path, max_bytes=MAX_BUNDLE_BYTES, what="export or bundle")
    if looks_like_bundle(data):
        bundle = read_bundle(io.BytesIO(data), file=path)
        return bundle.export, bundle
    if len(data) > MAX_IMPORT_BYTES:
        raise InputError(f"is {len(data)} bytes, over the {MAX_IMPORT_BYTES} byte limit for an export", file=path)
    return data, None


def read_export(path: Path) -> Session:
    """The checked session of an export or a bundle, read without importing anything (``imgbench compare``)."""
    raw, bundle = _read(path)
    return parse_export(raw, file=f"{path}:{EXPORT}" if bundle is not None else path)


def import_file(
    path: Path, *, store: Store, into: str | None = None, rater: str | None = None, theirs: bool = False
) -> tuple[Session, list[str]]:
    """Import ``path`` into ``store``; the session and what was done (a summary line, then details).
    ``into``: the session the file must belong to (an import from that session's screen)."""
    raw, bundle = _read(path)
    where = f"{path}:{EXPORT}" if bundle is not None else path
    incoming = parse_export(raw, file=where)
    if incoming.packet is not None:
        if owner_of(store, incoming.packet, file=where, into=into):
            merged = merge_packet(store, incoming, file=where, local_rater=rater)
            return merged.session, [merged.summary(), *merged.conflicts]
        return open_packet(store, incoming, bundle, file=path)
    if bundle is not None and bundle.kind == "packet":
        raise InputError("a packet bundle whose export is not a packet", file=where, key="session.packet")
    if into is not None and incoming.id != into:
        raise InputError(f"an export of session {incoming.id}, not of {into}", file=where, key="session.id")
    report = import_export(raw, file=path, store=store, source=bundle, rater=rater, theirs=theirs)
    return report.session, [report.summary(), *report.details()]


def _check_packet(packet: Session, *, file: Path | str) -> None:
    """A packet is a blind session of opaque runs and nothing else; anything more is not what imgbench made."""
    origin = packet.packet
    assert origin is not None
    problems = [
        (packet.id != origin.packet_id, "session.id", "is not the packet's id"),
        (not packet.blind, "session.blind", "a packet is blind"),
        (packet.models != [BLIND_MODEL], "models", f"a packet's only model is {BLIND_MODEL}"),
        (bool(packet.packets), "session.packets", "a packet carries no packets of its own"),
        (any(r.model != BLIND_MODEL or r.status != "succeeded" for r in packet.runs), "runs", "not a packet's runs"),
    ]
    for wrong, key, reason in problems:
        if wrong:
            raise InputError(reason, file=file, key=key)


def open_packet(store: Store, packet: Session, bundle: Bundle | None, *, file: Path) -> tuple[Session, list[str]]:
    """A rater's first import of a packet: a new blind session, every image from the bundle and verified first."""
    origin = packet.packet
    assert origin is not None
    if bundle is None and packet.scores:
        raise InputError(
            f"{origin.rater}'s scores on a packet of session {origin.session_id}, which is not here: "
            "import them where the packet was made",
            file=file,
        )
    if bundle is None or bundle.kind != "packet":
        raise InputError(
            "a blind packet opens from its bundle (the .zip it came as), which holds its images", file=file
        )
    _check_packet(packet, file=f"{file}:{EXPORT}")
    if store.exists(packet.id):
        raise InputError(f"this packet was imported already, as session {packet.id}", file=file)
    _, refused = take_images(packet, bundle)
    if refused:
        path, why = next(iter(refused.items()))
        raise InputError(f"{path} {why}", file=file)
    report = import_export(bundle.export, file=file, store=store, source=bundle)
    runs = len(report.session.runs)
    return report.session, [f"opened a blind packet for {origin.rater}: {count(runs, 'output')} to score"]
