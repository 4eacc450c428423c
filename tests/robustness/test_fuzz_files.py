"""Fuzzed files: presets, config.toml, credentials.toml, session files and exports load or fail in one line."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from presets import PresetError, builtin_dir, load_preset_file
from tests.robustness.fuzz_support import (
    FUZZ,
    SESSION_DOC,
    json_value,
    mutate_bytes,
    mutate_doc,
    mutate_text,
    one_line,
    sample_session,
    token_text,
)
from tui.core.config import Config, load_config
from tui.core.credentials import load_stored
from tui.core.model import (
    Session,
)
from tui.core.store import Store, decode_session, encode_session
from tui.core.validation import InputError
from tui.reports.export import export_document, export_json
from tui.reports.importing import import_export

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
        report = import_export(raw, file=file, store=store)
    except InputError as err:
        one_line(str(err))
        assert str(err).startswith(str(file))
        return
    assert report.summary()
    assert isinstance(store.load(report.session.id), Session)


def test_every_session_file_the_store_writes_decodes(fast_demo: Path) -> None:
    """The seed of the session fuzzing is a real, valid document (else the mutations prove little)."""
    session = decode_session(encode_session(sample_session()), file="seed")
    assert session == sample_session()
    assert msgspec.json.decode(export_json(session, Store()))["runs"]


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
        import_export(raw, file=file, store=Store(tmp_path / "data"))
    one_line(str(caught.value))
    assert str(caught.value).startswith(str(file)) and words in str(caught.value)
    assert not (tmp_path / "data").exists(), "a refused import wrote something"
