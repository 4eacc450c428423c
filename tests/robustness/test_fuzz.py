"""Bad input, fuzzed: every file and argument imgbench reads gives a clean one-line error or works.

Clean means: ``InputError`` / ``PresetError`` (one line, naming the file or the argument), or, on the command
line, exit status 2 with one ``imgbench: error: …`` line on stderr. Never a traceback, never another exception.
Hypothesis drives random and mutated TOML, JSON and argv with bounded ``max_examples`` (the file runs in
well under 30 s); the awkward cases (huge and non-Latin prompts, odd file names, damaged and unusual images)
are spelled out one by one.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from presets import PresetError, builtin_dir, load_preset_file
from tui.config import Config, load_config
from tui.credentials import load_stored
from tui.export import export_document, export_json, import_document
from tui.model import (
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
from tui.store import Store, decode_session, encode_session
from tui.validation import InputError

# IMGBENCH_FUZZ_SCALE=20 searches twenty times longer, with fresh random examples each time.
SCALE = int(os.environ.get("IMGBENCH_FUZZ_SCALE", "1"))
FUZZ = settings(
    max_examples=60 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
    derandomize=SCALE == 1,  # by default the same examples every run: a failure is reproducible, not a flake
)
PRESET_FILES = sorted((builtin_dir() / "tier-a").glob("*.toml"))
PRESET_TEXTS = [p.read_text("utf-8") for p in PRESET_FILES]
CONFIG_TEXT = """\
rater = "ana"
preview = "halfblock"

[defaults]
models = ["demo:mosaic", "demo:aurora"]
size = "1024x1024"
repeats = 2
concurrency = 8

[keymap]
"review.pass" = "y"

[providers.demo]
latency_ms = 20
fail_rate = 0.1

[providers.openai]
base_url = "http://127.0.0.1:9/v1"
timeout_s = 30
concurrency = 2

[endpoints.local]
base_url = "http://127.0.0.1:8080/v1"
models = ["flux-dev", "sdxl"]
key_env = "LOCAL_KEY"
extra_fields = ["seed", "response_format=b64_json"]
"""
PLANTED = "PLANTED-KEY-0123456789abcdef"
CREDENTIALS_TEXT = f'[keys]\nopenai = "{PLANTED}-openai"\nxai = "{PLANTED}-xai"\n'

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


# -- presets -----------------------------------------------------------------------------------------------
def check_preset(path: Path) -> None:
    try:
        load_preset_file(path)
    except PresetError as err:
        one_line(str(err))
        assert str(err).startswith(str(path)), f"does not name the file: {err}"


@FUZZ
@given(token_text)
def test_random_text_as_a_preset(tmp_path: Path, text: str) -> None:
    path = tmp_path / "random.toml"
    path.write_text(text, "utf-8", errors="surrogatepass")
    check_preset(path)


@FUZZ
@given(st.data())
def test_mutated_presets(tmp_path: Path, data: st.DataObject) -> None:
    path = tmp_path / "mutated.toml"
    source = data.draw(st.sampled_from(PRESET_TEXTS), label="preset")
    if data.draw(st.booleans(), label="as bytes"):
        path.write_bytes(mutate_bytes(data, source.encode()))
    else:
        path.write_text(mutate_text(data, source), "utf-8", errors="surrogatepass")
    check_preset(path)


# -- config.toml -------------------------------------------------------------------------------------------
def check_config(path: Path) -> None:
    try:
        assert isinstance(load_config(path), Config)
    except InputError as err:
        one_line(str(err))
        assert str(err).startswith(str(path))


@FUZZ
@given(st.data())
def test_mutated_and_random_config(tmp_path: Path, data: st.DataObject) -> None:
    path = tmp_path / "config.toml"
    kind = data.draw(st.sampled_from(["text", "bytes", "random", "structured"]), label="kind")
    if kind == "text":
        path.write_text(mutate_text(data, CONFIG_TEXT), "utf-8", errors="surrogatepass")
    elif kind == "bytes":
        path.write_bytes(mutate_bytes(data, CONFIG_TEXT.encode()))
    elif kind == "random":
        path.write_text(data.draw(token_text), "utf-8", errors="surrogatepass")
    else:
        import tomli_w

        toml_value = st.recursive(
            st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=10),
            lambda kids: st.lists(kids, max_size=3),
            max_leaves=4,
        )
        keys = st.sampled_from(["rater", "preview", "theme", "models", "latency_ms", "fail_rate", "base_url", "x"])
        table = st.dictionaries(keys, toml_value, max_size=4)
        doc = data.draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "rater": toml_value,
                    "preview": st.sampled_from(["auto", "kitty", "nope"]) | toml_value,
                    "defaults": table,
                    "keymap": st.dictionaries(st.text(max_size=8), toml_value, max_size=3),
                    "providers": st.dictionaries(st.sampled_from(["demo", "openai", "zz"]), table, max_size=2),
                    "endpoints": st.dictionaries(st.sampled_from(["local", "openai", "q"]), table, max_size=2),
                    "junk": toml_value,
                },
            ),
            label="config",
        )
        path.write_text(tomli_w.dumps(doc), "utf-8")
    check_config(path)


# -- credentials.toml --------------------------------------------------------------------------------------
@FUZZ
@given(st.data())
def test_mutated_credentials_never_echo_a_key(tmp_path: Path, data: st.DataObject) -> None:
    path = tmp_path / "credentials.toml"
    if data.draw(st.booleans(), label="as bytes"):
        path.write_bytes(mutate_bytes(data, CREDENTIALS_TEXT.encode()))
    else:
        path.write_text(mutate_text(data, CREDENTIALS_TEXT), "utf-8", errors="surrogatepass")
    path.chmod(0o600)
    path.parent.chmod(0o700)
    try:
        keys = load_stored(path)
    except InputError as err:
        one_line(str(err))
        assert str(err).startswith(str(path))
        assert "0123456789" not in str(err), f"the error shows a key: {err}"
    else:
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in keys.items())


# -- session files -----------------------------------------------------------------------------------------
def check_session_bytes(raw: bytes, store: Store) -> None:
    file = store.root / "session.json"
    try:
        session = decode_session(raw, file=file)
    except InputError as err:
        one_line(str(err))
        assert str(err).startswith(str(file))
        return
    # What loads must also export (the summary walks every run, case and score).
    try:
        export_json(session, store)
    except InputError as err:
        one_line(str(err))


@FUZZ
@given(st.data())
def test_mutated_session_files(tmp_path: Path, data: st.DataObject) -> None:
    store = Store(tmp_path / "data")
    if data.draw(st.booleans(), label="structural"):
        raw = json.dumps(mutate_doc(data, SESSION_DOC)).encode()
    else:
        raw = mutate_bytes(data, encode_session(sample_session()))
    check_session_bytes(raw, store)


@FUZZ
@given(json_value)
def test_random_json_as_a_session(tmp_path: Path, value: Any) -> None:
    check_session_bytes(json.dumps(value).encode(), Store(tmp_path / "data"))


# -- import --------------------------------------------------------------------------------------------------
_imports = itertools.count()


@FUZZ
@given(st.data())
def test_mutated_exports_import_cleanly(tmp_path: Path, data: st.DataObject) -> None:
    source = Store(tmp_path / "source")
    export = export_document(sample_session(), source)
    file = tmp_path / "export.json"
    if data.draw(st.booleans(), label="structural"):
        raw = json.dumps(mutate_doc(data, export)).encode()
    else:
        raw = mutate_bytes(data, json.dumps(export).encode())
    file.write_bytes(raw)
    # A fresh data dir (a plain import) or a shared one (a merge into the session imported before).
    root = tmp_path / ("shared" if data.draw(st.booleans(), label="merge") else f"fresh-{next(_imports)}")
    store = Store(root)
    try:
        session, what = import_document(raw, file=file, store=store)
    except InputError as err:
        one_line(str(err))
        assert str(err).startswith(str(file))
        return
    assert what
    assert isinstance(store.load(session.id), Session)


# -- the command line ----------------------------------------------------------------------------------------
VOCAB = [
    "presets",
    "models",
    "run",
    "sessions",
    "list",
    "export",
    "import",
    "resume",
    "locate",
    "keys",
    "set",
    "rm",
    "fix-permissions",
    "report",
    "leaderboard",
    "preview",
    "--json",
    "--preset",
    "tier-a",
    "tier-a/cat1",
    "tier-a/cat4",
    "nope/cat9",
    "--prompt",
    "a red cube",
    "--ref",
    "--model",
    "demo:mosaic",
    "demo:nope",
    "openai:gpt-image-2",
    "nocolon",
    "--size",
    "1024x1024",
    "0x0",
    "--aspect",
    "16:9",
    "1:0",
    "--resolution",
    "2K",
    "8K",
    "--quality",
    "high",
    "--repeat",
    "0",
    "2",
    "-1",
    "1000000",
    "--name",
    "--concurrency",
    "--blind",
    "-q",
    "--retry-failed",
    "-o",
    "--output",
    "out.json",
    "out.md",
    ".",
    "/",
    "--format",
    "md",
    "html",
    "xml",
    "--sheet",
    "sheet.png",
    "--thumb",
    "--rater",
    "ana",
    "--cols",
    "--rows",
    "--mode",
    "halfblock",
    "kitty",
    "--colors",
    "256",
    "--preview",
    "--version",
    "--help",
    "-h",
    "-",
    "--",
    "=",
    "--ref=-odd.png",
    "openai",
    "fal",
    "SESSION",
    "IMAGE",
    "MISSING.png",
    "20990101-000000-000000",
    "../../etc",
]
argv_word = st.sampled_from(VOCAB) | st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=10
)


@pytest.fixture
def cli_world(fast_demo: Path, make_image, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """A session and an image to name on the command line; the TUI and stdin stubbed out; cwd a scratch dir."""
    from tui.cli import main

    (fast_demo / "config.toml").write_text("[providers.demo]\nlatency_ms = 0\n")
    image = make_image("real image.png", (40, 30))
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["run", "--prompt", "seed", "--model", "demo:mosaic", "-q"]) == 0
    session_id = Store().list().sessions[0].id
    monkeypatch.setattr("tui.launch.launch_tui", lambda preview=None: 0)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return {"SESSION": session_id, "IMAGE": str(image)}


def run_main(argv: list[str]) -> tuple[int, str, str]:
    from tui.cli import main

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


def check_exit(argv: list[str], code: int, err: str) -> None:
    assert code in (0, 2, 3), f"{argv}: exit {code}\n{err}"
    lines = err.rstrip("\n").split("\n") if err else []  # a terminal's lines: argv junk may hold \x1e and the like
    errors = [line for line in lines if not line.startswith(("imgbench: warning:", "[", "    ", "session "))]
    if code == 2:
        assert len(errors) == 1 and errors[0].startswith("imgbench: error: "), f"{argv}: {err!r}"
        assert len(errors[0]) > len("imgbench: error: ") + 3
    assert "Traceback" not in err


@settings(FUZZ, max_examples=150 * SCALE)
@given(st.lists(argv_word, max_size=7))
def test_random_command_lines(cli_world: dict[str, str], argv: list[str]) -> None:
    argv = [cli_world.get(word, word) for word in argv]
    code, _out, err = run_main(argv)
    check_exit(argv, code, err)


# -- awkward prompts, names and images -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "prompt",
    [
        "猫がテーブルの上の赤い立方体を見ている。" * 5_000,  # 100,000 CJK characters
        "🐱🟥🧊 a cat 👀 a red cube — ñ, ü, ß, ﬁ, Ω; 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ",
        "x" * 100_000,
        "right-to-left: مكعب أحمر على طاولة زرقاء",
        "zero\u200bwidth and combining e\u0301 and a line\nbreak and a tab\t",
    ],
    ids=["cjk-100k", "emoji", "ascii-100k", "rtl", "invisible"],
)
def test_awkward_prompts_round_trip(fast_demo: Path, prompt: str, tmp_path: Path) -> None:
    code, out, err = run_main(["run", "--prompt", prompt, "--model", "demo:mosaic", "-q"])
    assert code == 0, err
    session_id = out.strip()
    session = Store().load(session_id)
    assert session.cases[0].prompt == prompt.strip()
    assert session.runs[0].status == "succeeded"
    code, out, err = run_main(["sessions", "export", session_id])
    assert code == 0, err
    assert json.loads(out)["cases"][0]["prompt"] == prompt.strip()
    code, out, err = run_main(["sessions", "list", "--json"])
    assert code == 0 and json.loads(out)[0]["id"] == session_id


def test_a_prompt_over_the_limit_is_refused_by_name(fast_demo: Path) -> None:
    code, out, err = run_main(["run", "--prompt", "y" * 200_001, "--model", "demo:mosaic"])
    assert code == 2 and out == ""
    one_line(err.strip())
    assert "--prompt" in err and "200000" in err


@pytest.mark.parametrize(
    "name",
    ["with spaces.png", "ünïcödé 猫.png", "-odd.png", "--very-odd.png", "a=b.png", "ref#1.png", "emoji 🐱.png"],
)
def test_reference_files_with_odd_names(fast_demo: Path, make_image, name: str, monkeypatch, tmp_path) -> None:
    path = make_image(name, (50, 40))
    monkeypatch.chdir(path.parent)
    for ref in (f"--ref={name}", f"--ref={path}"):
        code, out, err = run_main(["run", "--prompt", "a cat", ref, "--model", "demo:mosaic", "-q"])
        assert code == 0, f"{ref}: {err}"
        session = Store().load(out.strip())
        (reference,) = session.cases[0].references
        assert reference.filename == name and session.runs[0].status == "succeeded"


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    import struct
    import zlib

    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_header_only(width: int, height: int) -> bytes:
    """A well-formed PNG that claims ``width`` x ``height`` and holds (almost) no pixel data."""
    import struct
    import zlib

    ihdr = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + ihdr + _png_chunk(b"IDAT", zlib.compress(b"\0" * 16)) + _png_chunk(b"IEND", b"")


def awkward_images(folder: Path) -> dict[str, Path]:
    """Every kind of image file a person might pick by mistake, or on purpose."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    made: dict[str, Path] = {}

    def save(name: str, image: Image.Image, **kwargs: Any) -> None:
        image.save(folder / name, **kwargs)
        made[name] = folder / name

    save("cmyk.jpg", Image.new("CMYK", (40, 30), (10, 200, 30, 0)))
    save("16bit.png", Image.new("I;16", (40, 30), 40_000))
    save("transparent.png", Image.new("RGBA", (40, 30), (255, 0, 0, 0)))
    save("palette.png", Image.new("P", (40, 30), 3))
    save("grey.png", Image.new("L", (40, 30), 128))
    frames = [Image.new("RGB", (40, 30), (i * 60, 0, 0)) for i in range(4)]
    save("animated.gif", frames[0], save_all=True, append_images=frames[1:], duration=50, loop=0)
    save("animated.webp", frames[0], save_all=True, append_images=frames[1:], duration=50)
    save("tiny.png", Image.new("RGB", (1, 1)))
    save("bmp-file.bmp", Image.new("RGB", (40, 30)))
    save("tiff-file.tif", Image.new("RGB", (40, 30)))
    whole = io.BytesIO()
    Image.new("RGB", (64, 64), (9, 9, 9)).save(whole, "PNG")
    for name, data in {
        "truncated.png": whole.getvalue()[: len(whole.getvalue()) // 2],
        "header-only.png": whole.getvalue()[:33],
        "zero-byte.png": b"",
        "text.png": b"this is not an image, it only has the name of one\n",
        "html.png": b"<!doctype html><title>404</title>",
        "bomb.png": png_header_only(100_000, 100_000),  # 10 gigapixels claimed in a 70-byte file
        "wide.png": png_header_only(9_000, 8_000),  # 72 MP: under Pillow's bomb limit, over imgbench's
        "jpeg-named.png": (folder / "cmyk.jpg").read_bytes(),
    }.items():
        (folder / name).write_bytes(data)
        made[name] = folder / name
    (folder / "a-directory.png").mkdir()
    made["a-directory.png"] = folder / "a-directory.png"
    made["missing.png"] = folder / "missing.png"
    return made


# What each awkward file gets: accepted (with the format it is stored as), or refused with these words.
AWKWARD_OUTCOME = {
    "cmyk.jpg": "JPEG",
    "16bit.png": "PNG",
    "transparent.png": "PNG",
    "palette.png": "PNG",
    "grey.png": "PNG",
    "animated.gif": "GIF",
    "animated.webp": "WEBP",
    "tiny.png": "PNG",
    "jpeg-named.png": "JPEG",  # the content decides, not the name
    "bmp-file.bmp": "is BMP; supported: PNG, JPEG, WEBP, GIF",
    "tiff-file.tif": "is TIFF; supported: PNG, JPEG, WEBP, GIF",
    "truncated.png": "is damaged",
    "header-only.png": "is not an image",
    "zero-byte.png": "is empty",
    "text.png": "is not an image",
    "html.png": "is not an image",
    "bomb.png": "decompression bomb",
    "wide.png": "is 9000x8000, over the 64 megapixel limit",
    "a-directory.png": "not a file",
    "missing.png": "no such file",
}


def test_awkward_images_as_references(fast_demo: Path, tmp_path: Path) -> None:
    made = awkward_images(tmp_path / "awkward")
    assert set(made) == set(AWKWARD_OUTCOME)
    for name, path in made.items():
        code, out, err = run_main(["run", "--prompt", "restyle this", "--ref", str(path), "--model", "demo:mosaic"])
        expected = AWKWARD_OUTCOME[name]
        if expected.isupper():
            assert code == 0, f"{name}: {err}"
            session = Store().load(out.strip())
            (ref,) = session.cases[0].references
            assert ref.format == expected and ref.filename == name
            assert session.runs[0].status == "succeeded", name
        else:
            assert code == 2 and out == "", f"{name}: exit {code}: {err}"
            one_line(err.strip())
            assert err.startswith(f"imgbench: error: {path}: "), f"{name}: {err!r}"
            assert expected in err, f"{name}: {err!r}"


def test_every_session_file_the_store_writes_decodes(fast_demo: Path) -> None:
    """The seed of the session fuzzing is a real, valid document (else the mutations prove little)."""
    session = decode_session(encode_session(sample_session()), file="seed")
    assert session == sample_session()
    assert msgspec.json.decode(export_json(session, Store()))["runs"]


def test_arguments_that_are_not_utf8_are_refused_by_name(fast_demo: Path, make_image) -> None:
    """Bytes a shell passes through unchanged (a Latin-1 file's text, an odd file name) arrive as surrogates."""
    from tests.robustness.support import child_env, cli

    odd = make_image("plain.png").with_name("caf\udce9.png")  # "café" written by a Latin-1 system
    make_image("plain.png").rename(odd)
    cases = [
        (["run", "--prompt", b"a \xff cube", "--model", "demo:mosaic"], 2, "--prompt: is not UTF-8 text (byte 0xff"),
        (["run", "--prompt", "x", "--name", b"n\xfe", "--model", "demo:mosaic"], 2, "--name: is not UTF-8 text"),
        (["run", "--prompt", "x", "--ref", os.fsencode(odd), "--model", "demo:mosaic", "-q"], 0, ""),
        (["sessions", "export", b"\xff"], 2, "is not a session id"),
        (["run", "--prompt", "x", "--model", b"demo:\xff"], 2, "unknown model"),
        (["presets", "a\nb"], 2, "unrecognized arguments: a\\nb"),
    ]
    for args, code, words in cases:
        proc = subprocess.run(cli(*args), env=child_env(), capture_output=True, timeout=60)
        err = proc.stderr.decode("utf-8", "backslashreplace")
        assert proc.returncode == code, f"{args}: {err}"
        if code == 2:
            one_line(err.strip())
            assert err.startswith("imgbench: error: ") and words in err, f"{args}: {err}"
    (session,) = Store().list().sessions
    assert Store().load(session.id).cases[0].references[0].filename == "caf\ufffd.png"


@pytest.mark.parametrize(
    "edit",
    [
        {"file": "../../outside.png"},
        {"file": "/etc/hostname"},
        {"file": "images/.."},
        {"file": "."},
        {"path": True},
        {"path": 7, "file": None},
        {"path": "/dev/zero"},
        {"sha256": "0" * 64},
        {"file": "session.json"},
    ],
    ids=repr,
)
def test_hostile_image_paths_in_an_export(fast_demo: Path, tmp_path: Path, edit: dict[str, Any]) -> None:
    """An export names files; importing it never writes outside the session or crashes on a strange name."""
    code, out, err = run_main(["run", "--prompt", "a cube", "--model", "demo:mosaic", "-q"])
    assert code == 0, err
    code, exported, err = run_main(["sessions", "export", out.strip()])
    doc = json.loads(exported)
    doc["runs"][0]["images"][0].update(edit)
    file = tmp_path / "hostile.json"
    file.write_text(json.dumps(doc))
    os.environ["IMGBENCH_DATA_DIR"] = str(tmp_path / "elsewhere")  # conftest's monkeypatch restores it
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    code, out, err = run_main(["sessions", "import", str(file)])
    assert code in (0, 2), err
    if code == 2:
        one_line(err.strip())
        assert err.startswith(f"imgbench: error: {file}")
        return
    created = {p for p in tmp_path.rglob("*") if p.is_file()} - before
    session_dir = tmp_path / "elsewhere" / "sessions" / out.strip()
    assert all(p.is_relative_to(session_dir) for p in created), created
    assert Store().load(out.strip()).runs


def _export_bytes(**edit: Any) -> bytes:
    doc = export_document(sample_session(), Store(Path("/nonexistent")))
    doc.update(edit)
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b'{"id": "x", "name": "caf\xe9 au lait"}', "corrupt session file"),  # bad UTF-8 inside a string
        (b"\xff\xfe{}", "corrupt session file"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"id": "x", "name": "n", "created_at": "t", "schema_version": 99}', "newer imgbench"),
        (b'{"id": "x", "name": "n", "created_at": "t", "runs": [[]]}', "invalid session"),
    ],
    ids=["utf8-in-string", "utf16-bom", "array", "future-schema", "run-not-object"],
)
def test_known_bad_session_files(tmp_path: Path, raw: bytes, words: str) -> None:
    file = tmp_path / "session.json"
    with pytest.raises(InputError) as caught:
        decode_session(raw, file=file)
    one_line(str(caught.value))
    assert str(caught.value).startswith(str(file)) and words in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b'{"tool": {"name": "imgbench"}, "session": {"name": "caf\xe9"}}', "not valid JSON"),
        (_export_bytes(runs=[[]]), "invalid export"),  # dict([]) of a list: a ValueError inside
        (_export_bytes(session={**json.loads(_export_bytes())["session"], "id": " bad id"}), "not a session id"),
        (_export_bytes(tool={"name": "other"}), "not an imgbench export"),
    ],
    ids=["utf8-in-string", "run-is-a-list", "bad-session-id", "other-tool"],
)
def test_known_bad_exports(tmp_path: Path, raw: bytes, words: str) -> None:
    file = tmp_path / "export.json"
    with pytest.raises(InputError) as caught:
        import_document(raw, file=file, store=Store(tmp_path / "data"))
    one_line(str(caught.value))
    assert str(caught.value).startswith(str(file)) and words in str(caught.value)
    assert not (tmp_path / "data").exists(), "a refused import wrote something"
