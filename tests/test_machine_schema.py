"""The machine check a checklist item declares: strict in a preset (file, line and key named), carried into the
session, checked again when a session comes from elsewhere, and in the export schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import msgspec
import pytest
import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from presets import PresetError, load_preset_file
from presets.machine import normalise_text
from tests.presets_support import GOOD, error_for, write
from tests.robustness.fuzz_support import FUZZ
from tui.core.integrity import check_session
from tui.core.model import ChecklistItem, CheckResult, MachineCheck, Session, StringMatch
from tui.core.store import decode_session, encode_session
from tui.core.validation import InputError
from tui.reports.export import SCHEMA_FILE, export_json

OCR = GOOD.replace(
    'check = "The cube is red"',
    'check = "The cube is red"\nmachine = { kind = "ocr", expect = ["时光电影节", "GRAND OPENING"] }',
)


def test_a_declared_check_loads_as_its_fields(tmp_path: Path) -> None:
    preset = load_preset_file(write(tmp_path, OCR))
    assert preset.checklist[0].machine == {"kind": "ocr", "expect": ("时光电影节", "GRAND OPENING")}
    assert preset.checklist[1].machine is None
    table = GOOD + '\n[checklist.machine]\nkind = "preserve"\nmax_changed = 0\nregion = [0.1, 0.2, 0.5, 1]\n'
    item = load_preset_file(write(tmp_path, table)).checklist[1]
    assert item.machine == {"kind": "preserve", "max_changed": 0.0, "region": (0.1, 0.2, 0.5, 1.0)}
    assert msgspec.convert(item.machine, MachineCheck).region == (0.1, 0.2, 0.5, 1.0)


@pytest.mark.parametrize(
    ("machine", "key", "reason"),
    [
        ('"ocr"', "checklist[0].machine", "expected a table"),
        ("{ expect = ['a'] }", "checklist[0].machine.kind", "missing required key 'kind'"),
        ("{ kind = 'ocrr' }", "checklist[0].machine.kind", "unknown kind 'ocrr'"),
        ("{ kind = 'ocr' }", "checklist[0].machine.expect", "missing required key 'expect'"),
        ("{ kind = 'ocr', expect = [] }", "checklist[0].machine.expect", "non-empty array"),
        ("{ kind = 'ocr', expect = ['ok', 3] }", "checklist[0].machine.expect[1]", "expected a string"),
        ("{ kind = 'ocr', expect = [' · '] }", "checklist[0].machine.expect[0]", "no letter or digit"),
        ("{ kind = 'ocr', expect = ['a'], tolerance = 0.1 }", "checklist[0].machine.tolerance", "aspect and size"),
        ("{ kind = 'aspect', ratio = '9/16' }", "checklist[0].machine.ratio", "invalid ratio"),
        ("{ kind = 'aspect', ratio = '0:16' }", "checklist[0].machine.ratio", "invalid ratio"),
        ("{ kind = 'aspect', tolerance = 1 }", "checklist[0].machine.tolerance", "out of range"),
        ("{ kind = 'aspect', tolerance = nan }", "checklist[0].machine.tolerance", "out of range"),
        ("{ kind = 'aspect', tolerance = true }", "checklist[0].machine.tolerance", "expected a number"),
        ("{ kind = 'size', size = '1024*1024' }", "checklist[0].machine.size", "invalid size"),
        ("{ kind = 'preserve' }", "checklist[0].machine.max_changed", "missing required key"),
        ("{ kind = 'preserve', max_changed = 1.5 }", "checklist[0].machine.max_changed", "out of range"),
        ("{ kind = 'preserve', max_changed = 0.1, region = [0, 0, 1] }", "checklist[0].machine.region", "x0, y0"),
        ("{ kind = 'preserve', max_changed = 0.1, region = [0.5, 0, 0.5, 1] }", "checklist[0].machine.region", "empty"),
        ("{ kind = 'preserve', max_changed = 0.1, delta = 255 }", "checklist[0].machine.delta", "0 to 254"),
        ("{ kind = 'preserve', max_changed = 0.1, expect = ['a'] }", "checklist[0].machine.expect", "ocr checks"),
    ],
)
def test_a_bad_check_is_one_line_naming_file_line_and_key(tmp_path: Path, machine: str, key: str, reason: str) -> None:
    err = error_for(tmp_path, GOOD.replace('check = "The cube is red"', f"check = 'x'\nmachine = {machine}"))
    assert err.key == key
    assert err.line == 12  # the machine line, found in the text
    assert reason in err.reason


def test_normalising_drops_space_punctuation_and_case_but_keeps_the_script() -> None:
    assert normalise_text("第七届 · 上海 · 1965年5月") == "第七届上海1965年5月"
    assert normalise_text("Grand  Opening\nNIGHT!") == "grandopeningnight"
    assert normalise_text("ＧＲＡＮＤ") == "grand"  # full-width forms
    assert normalise_text("時光電影節") != normalise_text("时光电影节")


_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=True)
    | st.text(max_size=30)
    | st.sampled_from(["ocr", "aspect", "size", "preserve", "9:16", "1024x1024", "0:0", "99999x1"]),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_KEYS = st.sampled_from(["kind", "expect", "ratio", "size", "tolerance", "max_changed", "region", "delta", "x"])


@FUZZ
@given(table=st.dictionaries(_KEYS, _VALUES, max_size=5) | _VALUES)
def test_hostile_check_tables_are_refused_cleanly_or_valid_everywhere(tmp_path: Path, table: object) -> None:
    def drop_none(v: object) -> object:  # TOML has no null
        if isinstance(v, dict):
            return {k: drop_none(x) for k, x in v.items() if x is not None}
        if isinstance(v, list):
            return [drop_none(x) for x in v if x is not None]
        return v

    table = drop_none(table)
    if table is None:
        return
    body = tomli_w.dumps({"m": table}).replace("[m]", "[checklist.machine]", 1).replace("[m.", "[checklist.machine.")
    if not body.startswith("[checklist.machine"):
        body = body.replace("m = ", "machine = ", 1)
    try:
        item = load_preset_file(write(tmp_path, GOOD + "\n" + body)).checklist[1]
    except PresetError as err:
        assert "\n" not in str(err) and str(err).startswith(str(tmp_path))
        return
    check = msgspec.convert(item.machine, MachineCheck)  # a valid declaration is a valid session field
    session = _session(check)
    check_session(session)
    assert decode_session(encode_session(session), file="s.json").cases[0].checklist[0].machine == check


def _session(check: MachineCheck | None = None, results: list[CheckResult] | None = None) -> Session:
    from tui.core.model import Case, Run

    item = ChecklistItem("c1", "Headline", machine=check or MachineCheck("ocr", expect=("时光电影节",)))
    run = Run("r-1", "k1", "demo:mosaic", status="succeeded", checks=results or [])
    return Session(
        "s-1",
        "n",
        "2026-01-01T00:00:00.000Z",
        models=["demo:mosaic"],
        cases=[Case("k1", "p", checklist=[item])],
        runs=[run],
    )


RESULT = CheckResult(
    "c1",
    "ocr",
    "fail",
    "read 時光電影節, CER 0.6",
    image_sha256="a" * 64,
    checked_at="2026-01-01T00:00:00.000Z",
    engine="rapidocr-onnxruntime 1.4.4",
    text="時光電影節",
    strings=(StringMatch("时光电影节", False, 0.6, "時光電影節"),),
)


def test_results_round_trip_and_the_export_schema_describes_them() -> None:
    session = _session(results=[RESULT])
    check_session(session)
    back = decode_session(encode_session(session), file="s.json")
    assert back.runs[0].checks == [RESULT] and back.runs[0].check_of("c1") == RESULT
    doc = json.loads(export_json(back, None))
    jsonschema.validate(doc, json.loads(SCHEMA_FILE.read_text()))
    bad = json.loads(export_json(back, None))
    bad["runs"][0]["checks"][0]["outcome"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, json.loads(SCHEMA_FILE.read_text()))


def test_a_version_1_session_reads_as_version_2_without_checks() -> None:
    doc = json.loads(encode_session(_session()))
    doc["schema_version"] = 1
    del doc["cases"][0]["checklist"][0]["machine"]
    session = decode_session(json.dumps(doc).encode(), file="old.json")
    assert session.schema_version == 2 and session.runs[0].checks == []
    assert session.cases[0].checklist[0].machine is None


def test_a_current_session_file_names_its_version_and_reads_without_migrating(monkeypatch) -> None:
    """The current version is the struct's default, which omit_defaults would leave out; a file without one is
    read as version 1, through the migrating path (3x slower: every load by the TUI and the check queue)."""
    from tui.core import store as store_module
    from tui.core.model import SCHEMA_VERSION

    data = encode_session(_session(results=[RESULT]))
    assert json.loads(data)["schema_version"] == SCHEMA_VERSION == 2
    assert data.count(b'"schema_version"') == 1

    def no_migration(doc, *, file):
        raise AssertionError(f"{file} took the migrating path")

    monkeypatch.setattr(store_module, "migrate", no_migration)
    assert decode_session(data, file="s.json").runs[0].checks == [RESULT]


def test_the_session_model_itself_writes_its_version() -> None:
    """Not a splice in the store's encoder: any encoding of the struct names the version."""
    from tui.core.model import SCHEMA_VERSION

    assert msgspec.json.decode(msgspec.json.encode(_session()))["schema_version"] == SCHEMA_VERSION


def test_a_file_without_a_version_is_migrated_and_written_back_with_it(monkeypatch) -> None:
    """As imgbench wrote current files before the version was always written, and as version 1 files are."""
    from tui.core import store as store_module
    from tui.core.model import SCHEMA_VERSION

    doc = json.loads(encode_session(_session(results=[RESULT])))
    del doc["schema_version"]
    migrated = []
    migrate = store_module.migrate
    monkeypatch.setattr(store_module, "migrate", lambda d, *, file: migrated.append(file) or migrate(d, file=file))
    session = decode_session(json.dumps(doc).encode(), file="old.json")
    assert migrated == ["old.json"] and session.schema_version == SCHEMA_VERSION
    assert session.runs[0].checks == [RESULT]
    assert json.loads(encode_session(session))["schema_version"] == SCHEMA_VERSION


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"item_id": "c9"}, "runs[0].checks[0].item_id"),
        ({"image_sha256": "nope"}, "runs[0].checks[0].image_sha256"),
        ({"measured": float("inf")}, "runs[0].checks[0].measured"),
        ({"summary": "x" * 2000}, "runs[0].checks[0].summary"),
    ],
)
def test_a_planted_result_is_refused_naming_its_key(change: dict, key: str) -> None:
    with pytest.raises(InputError) as exc:
        check_session(_session(results=[msgspec.structs.replace(RESULT, **change)]))
    assert exc.value.key == key


def test_a_planted_declaration_is_refused_by_the_preset_rules() -> None:
    with pytest.raises(InputError) as exc:
        check_session(_session(MachineCheck("preserve", max_changed=3.0)))
    assert exc.value.key == "cases[0].checklist[0].machine.max_changed"
