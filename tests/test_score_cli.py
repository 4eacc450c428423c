"""``imgbench score``: verdicts headless by case number and slot, as Review gives them; blind stays blind."""

from __future__ import annotations

import pytest

from tests.bundle_support import MODELS, named_session
from tui.cli.main import main
from tui.core.store import Store
from tui.scoring.blind import slots


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_verdicts_by_slot_letters_and_items(data_dir, capsys, config_dir) -> None:
    (config_dir / "config.toml").write_text('rater = "ann"\n')
    store = Store(data_dir)
    session = named_session(store, cases=2)
    case = session.cases[1]  # its xai run failed: no slot to score, the others keep their letters
    (letter, run), (other_letter, other) = [(s, r) for s, r in slots(session, case.id) if r.status == "succeeded"][:2]
    failed = next(s for s, r in slots(session, case.id) if r.status == "failed")
    assert _cli(capsys, "score", session.id, "2", letter.lower(), "pf")[0] == 0
    assert _cli(capsys, "score", session.id, "2", letter, "c3=partial", "--note", "odd light")[0] == 0
    assert _cli(capsys, "score", session.id, "2", other_letter, "c2=n", "--rater", "bob")[0] == 0
    assert _cli(capsys, "score", session.id, "2", failed, "p")[0] == 2
    scored = store.load(session.id)
    mine = scored.score_of(run.id, "ann")
    assert mine.verdicts == {"c1": "pass", "c2": "fail", "c3": "partial"} and mine.note == "odd light" and mine.blind
    assert scored.score_of(other.id, "bob").verdicts == {"c2": "na"}

    code, out, _ = _cli(capsys, "score", session.id)
    assert code == 0 and f"  {letter}  pfh" in out and "scoring as ann" in out
    assert not any(model in out or model.split(":")[0] in out for model in MODELS)  # blind: slots only


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["9", "A", "p"], "cases 1 to 2"),
        (["1", "ZZ", "p"], "no output 'ZZ'"),
        (["1", "A", "c9=pass"], "not in this case's checklist"),
        (["1", "A", "c1=maybe"], "not a verdict"),
        (["1", "A", "pppp"], "one per checklist item"),
        (["1", "A", "px"], "letters p f h n"),
        (["1", "A"], "give verdicts"),
        (["1"], "say which output"),
    ],
)
def test_bad_verdicts_are_one_line_and_write_nothing(data_dir, capsys, argv, message) -> None:
    store = Store(data_dir)
    session = named_session(store, cases=2)
    before = store.session_file(session.id).read_bytes()
    code, _out, err = _cli(capsys, "score", session.id, *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert store.session_file(session.id).read_bytes() == before


def test_an_open_session_names_models_and_takes_one_as_the_slot(data_dir, capsys) -> None:
    store = Store(data_dir)
    session = named_session(store, cases=1, blind=False)
    assert _cli(capsys, "score", session.id, "1", MODELS[0], "ppp", "--rater", "cy")[0] == 0
    run = next(r for r in store.load(session.id).runs if r.model == MODELS[0])
    assert store.load(session.id).score_of(run.id, "cy").verdicts == {"c1": "pass", "c2": "pass", "c3": "pass"}
    assert MODELS[0] in _cli(capsys, "score", session.id)[1]
