"""Machine checks on crafted outputs: OCR tells Simplified from Traditional, aspect and size against the request,
preservation outside an edit region; results stored on the run with their evidence, never as a verdict."""

from __future__ import annotations

import itertools

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.checks_support import png, poster, stored_session
from tests.robustness.fuzz_support import FUZZ
from tui.core.model import MachineCheck, Params, Score
from tui.core.store import Store
from tui.imaging import check_queue
from tui.imaging.text_match import closest_stretch, match


def _shipped(preset_id: str, item_id: str) -> MachineCheck:
    from presets import load_catalog

    machine = load_catalog().get(preset_id).item(item_id).machine
    assert machine is not None, f"{preset_id} {item_id} declares no check"
    return msgspec.convert(machine, MachineCheck)


# The shipped cat3 preset's own checks: the headline and subtitle (c1), the glass's English line (c3).
OCR_C1 = _shipped("tier-a/cat3", "c1")
OCR_C3 = _shipped("tier-a/cat3", "c3")


def test_tier_a_declares_the_checks_its_criteria_allow() -> None:
    assert OCR_C1.expect == ("时光电影节", "第七届 · 上海 · 1965年5月")
    assert _shipped("tier-a/cat3", "c4").expect == ("presented by 时代影业 · TIMES PICTURES",)
    assert _shipped("tier-a/cat4", "c9") == MachineCheck("aspect")  # against the 9:16 the preset asks
    assert _shipped("tier-a/cat5", "c10").kind == "preserve"


def test_ocr_passes_the_simplified_headline_and_fails_the_traditional_one(tmp_path) -> None:
    store = Store(tmp_path / "data")
    session = stored_session(store, {"c1": OCR_C1, "c3": OCR_C3}, [poster("时光电影节"), poster("時光電影節")])
    simplified = check_queue.check_run(store, session.id, "r-0")
    traditional = check_queue.check_run(store, session.id, "r-1")

    assert [(r.item_id, r.outcome) for r in simplified] == [("c1", "pass"), ("c3", "pass")]
    assert simplified[0].strings[0].found and simplified[0].strings[0].cer == 0
    assert "时光电影节" in (simplified[0].text or "")

    c1 = traditional[0]
    assert c1.outcome == "fail"
    headline, subtitle = c1.strings
    assert (headline.found, headline.cer, headline.closest) == (False, 0.6, "時光電影節")  # 時, 電, 節 differ
    assert subtitle.found  # the subtitle was drawn in Simplified on both
    assert "時光電影節" in (c1.text or "") and c1.summary.startswith("read 時光電影節 for 时光电影节, CER 0.6")
    assert c1.engine.startswith("rapidocr-onnxruntime 1.4.4") and c1.image_sha256 == session.run("r-1").images[0].sha256
    stored = store.load(session.id).run("r-1")
    assert stored.check_of("c1") == c1 and stored.check_of("plain") is None


def _one(store: Store, check: MachineCheck, output: bytes, **kwargs):
    session = stored_session(store, {"c1": check}, [output], **kwargs)
    return check_queue.check_run(store, session.id, "r-0")[0]


@pytest.mark.parametrize(
    ("check", "params", "size", "outcome"),
    [
        (MachineCheck("aspect"), Params(aspect="9:16"), (576, 1024), "pass"),
        (MachineCheck("aspect"), Params(aspect="9:16"), (1024, 1024), "fail"),
        (MachineCheck("aspect"), Params(size="1024x1536"), (512, 768), "pass"),  # the ratio of the size asked
        (MachineCheck("aspect", ratio="9:16"), Params(), (580, 1024), "pass"),  # 0.566 vs 0.5625: within 2 %
        (MachineCheck("aspect", ratio="9:16", tolerance=0.001), Params(), (580, 1024), "fail"),
        (MachineCheck("aspect"), Params(), (64, 64), "error"),  # nothing asked to compare with
        (MachineCheck("size"), Params(size="1024x1536"), (1024, 1536), "pass"),
        (MachineCheck("size"), Params(size="1024x1536"), (1024, 1535), "fail"),
        (MachineCheck("size", tolerance=0.01), Params(size="1024x1536"), (1020, 1530), "pass"),
        (MachineCheck("size", size="64x32"), Params(size="1024x1536"), (64, 32), "pass"),
        (MachineCheck("size"), Params(aspect="1:1"), (64, 64), "error"),
    ],
)
def test_aspect_and_size_against_the_request(tmp_path, check, params, size, outcome) -> None:
    result = _one(Store(tmp_path / "data"), check, png(size), params=params)
    assert result.outcome == outcome, result.summary
    if outcome != "error":
        assert (result.width, result.height) == size and result.engine == "imgbench pixels"
    else:
        assert "asked" not in result.summary and result.summary.startswith("the request named no")


REF = png((200, 100))
INSIDE = png((200, 100), box=(20, 20, 59, 59))  # a 40x40 edit inside the region below
OUTSIDE = png((200, 100), box=(150, 60, 189, 99))  # the same edit, outside it
REGION = (0.05, 0.1, 0.35, 0.7)


@pytest.mark.parametrize(
    ("output", "check", "outcome", "measured"),
    [
        (INSIDE, MachineCheck("preserve", max_changed=0.0, region=REGION), "pass", 0.0),
        (OUTSIDE, MachineCheck("preserve", max_changed=0.05, region=REGION), "fail", 1600 / (20000 - 60 * 60)),
        (OUTSIDE, MachineCheck("preserve", max_changed=0.1, region=REGION), "pass", 1600 / (20000 - 60 * 60)),
        (INSIDE, MachineCheck("preserve", max_changed=0.05), "pass", 0.08 * 1),  # whole image: 1600/20000
        (png((200, 100), colour=(100, 130, 160)), MachineCheck("preserve", max_changed=0.5, delta=24), "pass", 0.0),
        (png((200, 100), colour=(100, 130, 160)), MachineCheck("preserve", max_changed=0.5, delta=5), "fail", 1.0),
    ],
)
def test_preservation_outside_the_edit_region(tmp_path, output, check, outcome, measured) -> None:
    if check.region is None and outcome == "pass" and output is INSIDE:
        check = MachineCheck("preserve", max_changed=0.1)
    result = _one(Store(tmp_path / "data"), check, output, reference=REF)
    assert result.outcome == outcome, result.summary
    assert result.measured == pytest.approx(measured, abs=1e-4)


def test_a_region_set_in_zoom_takes_the_presets_place(tmp_path) -> None:
    store = Store(tmp_path / "data")
    session = stored_session(store, {"c1": MachineCheck("preserve", max_changed=0.0, region=REGION)}, [OUTSIDE],
                             reference=REF)  # fmt: skip
    zoom = {"diff_region_x0": 0.7, "diff_region_y0": 0.5, "diff_region_x1": 1.0, "diff_region_y1": 1.0}
    store.mutate(session.id, lambda s: setattr(s.run("r-0"), "metrics", zoom))
    result = check_queue.check_run(store, session.id, "r-0")[0]
    assert (result.outcome, result.region) == ("pass", (0.7, 0.5, 1.0, 1.0))
    assert "region set in Zoom" in result.summary


def test_the_difference_is_measured_in_the_ocr_process_not_beside_the_screen(tmp_path, monkeypatch) -> None:
    """Pixels compared in this process hold the TUI's GIL: with this process's ImageChops broken the preserve check
    still measures (in the OCR process), a hostile reference is refused there, and this process measures only when
    that process cannot answer."""
    from PIL import ImageChops

    from tui.imaging import ocr

    def not_here(*_a, **_k):
        raise AssertionError("the difference was computed in the TUI's process")

    monkeypatch.setattr(ImageChops, "difference", not_here)
    check = MachineCheck("preserve", max_changed=0.05, region=REGION)
    result = _one(Store(tmp_path / "a"), check, OUTSIDE, reference=REF)
    assert (result.outcome, result.region) == ("fail", REGION) and ocr.reader_pid() is not None
    assert result.measured == pytest.approx(1600 / (20000 - 60 * 60), abs=1e-4)
    store = Store(tmp_path / "b")
    session = stored_session(store, {"c1": check}, [OUTSIDE], reference=REF)
    store.abspath(session.id, session.cases[0].references[0].path).write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    broken = check_queue.check_run(store, session.id, "r-0")[0]
    assert broken.outcome == "error" and broken.summary.startswith("cannot compare with the reference")

    monkeypatch.undo()

    def gone(*_a, **_k):
        raise OSError("the OCR process stopped answering")

    monkeypatch.setattr(ocr, "diff_apart", gone)
    here = _one(Store(tmp_path / "c"), check, OUTSIDE, reference=REF)
    assert (here.outcome, here.measured) == (result.outcome, result.measured)


def test_no_reference_or_a_broken_image_is_an_error_result_not_a_crash(tmp_path) -> None:
    store = Store(tmp_path / "data")
    assert _one(store, MachineCheck("preserve", max_changed=0.1), png((8, 8))).outcome == "error"
    session = stored_session(store, {"c1": MachineCheck("aspect", ratio="1:1")}, [png((8, 8))])
    store.abspath(session.id, session.run("r-0").images[0].path).write_bytes(b"\x89PNG broken")
    result = check_queue.check_run(store, session.id, "r-0")[0]
    assert result.outcome == "error" and "cannot read the output" in result.summary


def test_checks_never_touch_a_verdict_and_a_retried_image_is_not_given_old_results(tmp_path) -> None:
    store = Store(tmp_path / "data")
    session = stored_session(store, {"c1": MachineCheck("aspect", ratio="1:2")}, [png((64, 64))])
    score = Score("r-0", "ann", {"c1": "pass", "plain": "fail"}, "note", scored_at="2026-01-01T00:00:00.000Z")
    store.mutate(session.id, lambda s: s.set_score(score))
    result = check_queue.check_run(store, session.id, "r-0")[0]
    assert result.outcome == "fail"
    after = store.load(session.id)
    assert after.scores == [score]  # the machine said fail; the person's pass stands
    stale = msgspec.structs.replace(result, image_sha256="0" * 64, summary="another image")
    assert not check_queue.record(after, "r-0", [stale])  # measured on an image the run no longer holds
    assert after.run("r-0").check_of("c1") == result


def _brute(expected: str, text: str) -> int:
    def lev(a: str, b: str) -> int:
        row = list(range(len(b) + 1))
        for i, ca in enumerate(a, 1):
            prev, row[0] = row[0], i
            for j, cb in enumerate(b, 1):
                prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
        return row[-1]

    spans = itertools.combinations(range(len(text) + 1), 2)
    return min([lev(expected, "")] + [lev(expected, text[i:j]) for i, j in spans])


@FUZZ
@given(st.text("时時光电電影节節ab", min_size=1, max_size=6), st.text("时時光电電影节節abx", max_size=12))
def test_closest_stretch_is_the_least_edit_distance_over_every_stretch(expected: str, text: str) -> None:
    edits, stretch = closest_stretch(expected, text)
    assert edits == _brute(expected, text)
    assert stretch in text and _brute(expected, stretch) <= edits


def test_found_ignores_space_punctuation_and_case() -> None:
    assert match("第七届 · 上海 · 1965年5月", "第七届·上海·1965年5月 / GRAND").found
    assert match("Grand Opening Night", "GRAND OPENINGNIGHT").found
    miss = match("时光电影节", "")
    assert (miss.found, miss.cer, miss.closest) == (False, 1.0, "")


def test_an_image_is_read_once_however_many_items_ask_what_it_says(tmp_path, monkeypatch) -> None:
    from tui.imaging import ocr

    calls: list[object] = []
    monkeypatch.setattr(ocr, "read_file", lambda path: calls.append(path) or ["GRAND OPENING NIGHT", "时光电影节"])
    store = Store(tmp_path / "data")
    session = stored_session(store, {"c1": OCR_C1, "c3": OCR_C3}, [png((32, 32))])
    results = check_queue.check_run(store, session.id, "r-0")
    assert [r.outcome for r in results] == ["fail", "pass"] and len(calls) == 1
    assert results[0].text == "GRAND OPENING NIGHT / 时光电影节"
