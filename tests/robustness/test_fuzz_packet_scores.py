"""A rater's scores on a packet, mutated every way a rater (or anyone on the way) could: each import is a clean merge
of scores the packet really held, under the packet's rater, or one line that writes nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bundle_support import named_session
from tui.core.model import Score
from tui.core.store import Store
from tui.core.validation import InputError
from tui.reports.bundle import read_bundle
from tui.reports.bundle_import import import_file
from tui.reports.packet import make_packet, record_packet

HOSTILE = st.one_of(
    st.sampled_from(
        ["../../etc/passwd", "/tmp/x", "r-0001-openai", "case-0", "", "\x1b]52;c;eA==\x07", "pk-" + "0" * 24]
    ),
    st.text(max_size=12),
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    """An owner's session with one packet for ann, and ann's scores on every output of it, as exported."""
    root = tmp_path_factory.mktemp("fuzz-packet")
    owner = Store(root / "owner")
    session = named_session(owner, cases=2)
    record, data = make_packet(session, owner, "ann")
    record_packet(owner, session.id, record)
    bundle = read_bundle(io.BytesIO(data), file="p.zip")
    doc = json.loads(bundle.export)
    for run in doc["runs"]:
        case = next(c for c in doc["cases"] if c["id"] == run["case_id"])
        verdicts = {item["id"]: "pass" for item in case["checklist"]}
        doc["scores"].append(
            {
                "run_id": run["id"],
                "rater": "ann",
                "verdicts": verdicts,
                "note": "",
                "blind": True,
                "scored_at": "2026-01-01T00:00:00Z",
            }
        )
    return root, owner, session.id, record, doc


def _paths(doc: object, at: tuple = ()) -> list[tuple]:
    if isinstance(doc, dict):
        return [at] + [p for k, v in doc.items() for p in _paths(v, (*at, k))]
    if isinstance(doc, list):
        return [at] + [p for i, v in enumerate(doc) for p in _paths(v, (*at, i))]
    return [at]


def _set(doc: dict, path: tuple, value: object) -> None:
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_mutated_packet_scores_merge_cleanly_or_not_at_all(world, data: st.DataObject) -> None:
    root, owner, session_id, record, original = world
    doc = json.loads(json.dumps(original))
    paths = [p for p in _paths(doc) if p and p[0] in ("session", "runs", "cases", "scores", "preferences")]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        try:
            _set(doc, path, data.draw(HOSTILE))
        except (KeyError, IndexError, TypeError):
            continue
    file = root / "scores.json"
    file.write_text(json.dumps(doc))
    before = owner.session_file(session_id).read_bytes()
    try:
        session, _lines = import_file(file, store=owner, rater="olga")
    except InputError as exc:
        assert "\n" not in str(exc) and "\x1b" not in str(exc).replace("\\x1b", "")
        assert owner.session_file(session_id).read_bytes() == before
        return
    # It merged: only scores of ann, only on runs the packet held, and the packet is now spent; undo for the next try.
    merged = owner.load(session_id)
    if session.id == session_id:
        assert {s.rater for s in merged.scores} <= {"ann"}
        assert {s.run_id for s in merged.scores} <= set(record.runs.values())
        assert all(isinstance(s, Score) and s.blind for s in merged.scores)
    owner.session_file(session_id).write_bytes(before)
    for other in owner.list().sessions:
        if other.id != session_id:
            owner.delete(other.id)
    assert Path(owner.sessions_dir).is_dir()
