"""Shared by the fuzz tests: Hypothesis settings and strategies, mutators, a sample session, ``main`` in-process.

Clean means: ``InputError`` / ``PresetError`` (one line, naming the file or the argument), or, on the command
line, exit status 2 with one ``imgbench: error: …`` line on stderr. Never a traceback, never another exception.
Hypothesis drives random and mutated TOML, JSON and argv with bounded ``max_examples`` (the files run in
well under 30 s); the awkward cases (huge and non-Latin prompts, odd file names, damaged and unusual images)
are spelled out one by one.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tui.core.model import (
    Attempt,
    Case,
    ChecklistItem,
    OutputImage,
    Params,
    Preference,
    Reference,
    Run,
    RunError,
    Score,
    Session,
    Timings,
)
from tui.core.store import encode_session

# IMGBENCH_FUZZ_SCALE=20 searches twenty times longer, with fresh random examples each time.
SCALE = int(os.environ.get("IMGBENCH_FUZZ_SCALE", "1"))
FUZZ = settings(
    max_examples=60 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
    derandomize=SCALE == 1,  # by default the same examples every run: a failure is reproducible, not a flake
)


# -- strategies --------------------------------------------------------------------------------------------
TOKENS = [
    "=",
    '"',
    "'",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    ",",
    ".",
    "#",
    "\n",
    " ",
    "\t",
    '"""',
    "true",
    "false",
    "0",
    "-1",
    "1e999",
    "nan",
    "inf",
    "1979-05-27",
    "0x1F",
    "id",
    "parent",
    "checklist",
    "reference_slots",
    "mode",
    "i2i",
    "t2i",
    "schema_version",
    "params",
    "size",
    "aspect",
    "providers",
    "demo",
    "endpoints",
    "keys",
    "latency_ms",
    "fail_rate",
    "timeout_s",
    "concurrency",
    "keymap",
    "defaults",
    "\ufeff",
    "é",
    "猫",
    "🐱",
    "\x00",
    "\x7f",
]
token_text = st.lists(st.sampled_from(TOKENS) | st.text(max_size=4), max_size=80).map("".join)
json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["", "..", "../../etc/passwd", "/etc/passwd", "succeeded", "queued", "pass", "x" * 300])
)
json_value = st.recursive(
    json_leaf,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=6), kids, max_size=3),
    max_leaves=6,
)


def mutate_text(data: st.DataObject, text: str) -> str:
    """A few edits of a real file: lines dropped, duplicated or swapped, tokens inserted, cut short."""
    lines = text.splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        if not lines:
            lines = [""]
        i = data.draw(st.integers(0, len(lines) - 1), label="line")
        op = data.draw(st.sampled_from(["drop", "dup", "swap", "insert", "replace", "cut"]), label="op")
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = data.draw(st.integers(0, len(lines) - 1), label="other")
            lines[i], lines[j] = lines[j], lines[i]
        elif op in ("insert", "replace"):
            at = data.draw(st.integers(0, len(lines[i])), label="at")
            token = data.draw(st.sampled_from(TOKENS) | st.text(max_size=8), label="token")
            end = at + (data.draw(st.integers(0, 12), label="span") if op == "replace" else 0)
            lines[i] = lines[i][:at] + token + lines[i][end:]
        else:
            at = data.draw(st.integers(0, len(lines[i])), label="at")
            lines = [*lines[:i], lines[i][:at]]
    return "".join(lines)


def _walk(node: Any, slots: list[tuple[Any, Any]]) -> None:
    """Every (container, key) of a JSON document, depth first."""
    if isinstance(node, dict):
        for key, value in node.items():
            slots.append((node, key))
            _walk(value, slots)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            slots.append((node, index))
            _walk(value, slots)


def mutate_doc(data: st.DataObject, doc: Any) -> Any:
    """A few structural edits of a real JSON document: a value replaced, a key dropped, an item duplicated."""
    doc = json.loads(json.dumps(doc))
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        slots: list[tuple[Any, Any]] = []
        _walk(doc, slots)
        if not slots:
            return doc
        container, key = slots[data.draw(st.integers(0, len(slots) - 1), label="where")]
        op = data.draw(st.sampled_from(["replace", "replace", "drop", "dup"]), label="op")
        if op == "replace":
            container[key] = data.draw(json_value, label="value")
        elif op == "drop":
            del container[key]
        elif isinstance(container, list):
            container.insert(key, container[key])
        else:
            container[key + "_"] = container[key]
    return doc


def mutate_bytes(data: st.DataObject, raw: bytes) -> bytes:
    op = data.draw(st.sampled_from(["cut", "flip", "insert"]), label="byte op")
    at = data.draw(st.integers(0, len(raw)), label="at")
    if op == "cut":
        return raw[:at]
    if op == "flip":
        return raw[:at] + bytes([data.draw(st.integers(0, 255))]) + raw[at + 1 :]
    return raw[:at] + data.draw(st.binary(max_size=8)) + raw[at:]


def one_line(message: str) -> None:
    assert message and "\n" not in message, f"not one line: {message!r}"
    assert "Traceback" not in message


# -- a real session and its export, to mutate --------------------------------------------------------------
def sample_session() -> Session:
    checklist = [ChecklistItem("c1", "Subject", "a cube is visible"), ChecklistItem("c2", "Colour", "red", "c1")]
    ref = Reference("a" * 64, "refs/" + "a" * 64 + ".png", "PNG", 32, 32, slot="subject", filename="my ref.png")
    cases = [
        Case("k1", "a red cube", "t2i", "tier-a/cat1", "Cat 1", "Text", [], checklist, Params(aspect="1:1")),
        Case("k2", "the same cube, blue", "i2i", None, None, None, [ref], checklist, Params(size="512x512"), 2),
    ]
    runs = []
    for i, (case, model) in enumerate(itertools.product(("k1", "k2"), ("demo:mosaic", "demo:aurora"))):
        ok = i % 3 != 2
        runs.append(
            Run(
                id=f"r-{i:04d}",
                case_id=case,
                model=model,
                status="succeeded" if ok else "failed",
                attempts=1 if ok else 2,
                attempt_log=[Attempt("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.000Z", "ok" if ok else "server")],
                params_requested={"aspect": "1:1"},
                params_effective={"size": "640x640"},
                timings=Timings("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.100Z", None, "2026-01-01T00:00:01Z"),
                latency_ms=900.0 if ok else None,
                error=None if ok else RunError("server", "boom", 500),
                images=[OutputImage(f"images/r-{i:04d}-0.png", "b" * 64, 640, 640, "PNG", 1234)] if ok else [],
                usage={"demo": True},
                cost_usd=0.0,
            )
        )
    scores = [
        Score("r-0000", "ana", {"c1": "pass", "c2": "fail"}, "nice", False, "2026-01-01T00:01:00.000Z"),
        Score("r-0001", "bo", {"c1": "partial"}, "", True, "2026-01-01T00:02:00.000Z"),
    ]
    prefs = [Preference("k1", "ana", "r-0000", "r-0001", "a", False, "2026-01-01T00:03:00.000Z")]
    return Session(
        id="20260101-000000-abcdef",
        name="fuzz seed",
        created_at="2026-01-01T00:00:00.000Z",
        tool_version="0.1.0",
        models=["demo:mosaic", "demo:aurora"],
        cases=cases,
        runs=runs,
        scores=scores,
        preferences=prefs,
    )


SESSION_DOC = json.loads(encode_session(sample_session()))


def run_main(argv: list[str]) -> tuple[int, str, str]:
    from tui.launch import main  # the console script: no subcommand starts the TUI

    # Real text streams over bytes, as a terminal or a pipe gives (export writes to sys.stdout.buffer).
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: usage errors, --help, --version
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    out.flush()
    err.flush()
    return code, out.buffer.getvalue().decode(), err.buffer.getvalue().decode()
