"""Blind packets from the TUI: "export for a rater…" (a name, then the packet next to the other exports) and
"import scores…" (a file from the picker: a rater's scores, a packet to score, an export or a bundle)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from textual.screen import Screen

from tui.core.wording import count
from tui.widgets.workbench import ask_then_work

IMPORT_SUFFIXES = {".json", ".zip"}


def export_for_rater(screen: Screen, session_id: str) -> None:
    """Ask the rater's name, then write their packet in a worker (a failure goes through the one error path)."""
    ask_then_work(
        screen, "note", "Export for a rater: whose packet is it?", placeholder="the rater's name",
        work=partial(_write_packet, screen, session_id), group="packet", description="Making the rater packet",
    )  # fmt: skip


def _write_packet(screen: Screen, session_id: str, rater: str) -> None:
    from tui.core import paths
    from tui.core.atomic import atomic_write
    from tui.reports.packet import check_rater_name, make_packet, packet_file_name, record_packet

    store = screen.app.ctx.store  # type: ignore[attr-defined]
    rater = check_rater_name(rater, key="rater")
    record, data = make_packet(store.load(session_id), store, rater)
    record_packet(store, session_id, record)
    path = paths.data_dir() / "exports" / packet_file_name(session_id, rater)
    atomic_write(path, data)
    from tui.core.safe_text import visible

    screen.app.call_from_thread(
        screen.app.notify,
        visible(
            f"{path}: {count(len(record.runs), 'output')}, no model names. "
            f"{rater} opens it with `imgbench sessions import`."
        ),
        title="Packet for a rater written",
        timeout=15,
    )


def import_scores(screen: Screen, *, into: str | None, then: Callable[[], object]) -> None:
    """Pick a file, import it in a worker (scores of a packet of ``into``, when given), then ``then()``."""
    title = "Import scores: a rater's export of their packet, a packet to score, an export or a bundle"
    ask_then_work(
        screen, "file_picker", title, suffixes=IMPORT_SUFFIXES,
        work=lambda path: _import(screen, path, into, then), group="import", description="Importing scores",
    )  # fmt: skip


def _import(screen: Screen, path: Path, into: str | None, then: Callable[[], object]) -> None:
    from tui.reports.bundle_import import import_file

    ctx = screen.app.ctx  # type: ignore[attr-defined]
    _session, lines = import_file(path, store=ctx.store, into=into, rater=ctx.rater)
    from tui.core.safe_text import visible

    text = "\n".join(visible(line, one_line=True) for line in lines[:5])  # names and ids from someone else's file
    screen.app.call_from_thread(screen.app.notify, text, title="Imported", timeout=15)
    screen.app.call_from_thread(then)
