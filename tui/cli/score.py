"""``imgbench score``: give verdicts headless, by case number and slot letter, as Review does with keys.

With no verdicts it lists what there is to score: each case, its slots and its checklist, and what this rater has
given so far. A blind session (a rater packet included) shows slots only, never a model. In a packet the scores
are the packet's rater's; elsewhere the config's rater, or ``--rater``.
"""

from __future__ import annotations

import argparse
import sys

from tui.cli.main import EXIT_OK
from tui.core.context import Context
from tui.core.model import VERDICTS, Case, Run, Score, Session, now_iso
from tui.core.safe_text import visible
from tui.core.validation import InputError
from tui.core.wording import count

_LETTERS = {"p": "pass", "f": "fail", "h": "partial", "n": "na"}


def cmd_score(args: argparse.Namespace) -> int:
    ctx = Context()
    session = ctx.store.load(args.id)
    rater = args.rater or (session.packet.rater if session.packet else ctx.rater)
    if args.case is None:
        _list(session, rater)
        return EXIT_OK
    case = _case(session, args.case)
    if not args.slot:
        raise InputError("say which output: imgbench score ID CASE SLOT VERDICT…", key="SLOT")
    run = _run(session, case, args.slot)
    verdicts = parse_verdicts(args.verdicts, case)
    if not verdicts and args.note is None:
        raise InputError("give verdicts (c1=pass … or letters pfhn in checklist order) or --note", key="verdicts")

    def change(s: Session) -> None:
        old = s.score_of(run.id, rater)
        merged = {**(old.verdicts if old else {}), **verdicts}
        note = args.note if args.note is not None else (old.note if old else "")
        s.set_score(Score(run.id, rater, merged, note, s.blind or bool(old and old.blind), now_iso()))  # type: ignore[arg-type]

    ctx.store.mutate(session.id, change)
    print(
        f"{_line(rater)}: case {args.case} slot {args.slot.upper()}: {count(len(verdicts), 'verdict')}", file=sys.stderr
    )
    return EXIT_OK


def _line(text: str) -> str:
    """Stored text (a name, a label, a criterion) for the terminal: one line, control characters shown."""
    return visible(text, one_line=True)


def parse_verdicts(values: list[str], case: Case) -> dict[str, str]:
    items = [item.id for item in case.checklist]
    out: dict[str, str] = {}
    for value in values:
        if "=" in value:
            item, _, verdict = value.partition("=")
            verdict = _LETTERS.get(verdict, verdict)
            if item not in items:
                raise InputError(f"{item!r} is not in this case's checklist ({', '.join(items)})", key="verdicts")
            if verdict not in VERDICTS:
                raise InputError(f"{verdict!r} is not a verdict ({', '.join(VERDICTS)})", key="verdicts")
            out[item] = verdict
            continue
        if len(value) > len(items) or any(c not in _LETTERS for c in value):
            raise InputError(
                f"{value!r}: letters p f h n, one per checklist item ({len(items)} here), or ITEM=VERDICT",
                key="verdicts",
            )
        out.update({item: _LETTERS[c] for item, c in zip(items, value, strict=False)})
    return out


def _case(session: Session, number: int) -> Case:
    if not 1 <= number <= len(session.cases):
        raise InputError(f"case {number}: this session has cases 1 to {len(session.cases)}", key="CASE")
    return session.cases[number - 1]


def _slots(session: Session, case: Case) -> list[tuple[str, Run]]:
    from tui.scoring.blind import slots

    return [(letter, run) for letter, run in slots(session, case.id) if run.status == "succeeded"]


def _run(session: Session, case: Case, slot: str) -> Run:
    for letter, run in _slots(session, case):
        if letter == slot.upper() or (not session.blind and slot == run.model):
            return run
    letters = " ".join(letter for letter, _ in _slots(session, case)) or "none"
    raise InputError(f"no output {slot!r} in this case (slots: {letters})", key="SLOT")


def _list(session: Session, rater: str) -> None:
    from tui.scoring.blind import mask_models

    name = mask_models(session.name, session) if session.blind else session.name  # a name may say who is in it
    print(_line(f"{name}  (scoring as {rater})"))
    for number, case in enumerate(session.cases, 1):
        print(_line(f"case {number}: {case.label}"))
        if case.checklist:
            print("  checklist: " + _line("  ".join(f"{i.id} {i.criterion}" for i in case.checklist)))
        for letter, run in _slots(session, case):
            score = session.score_of(run.id, rater)
            given = "".join(
                {"pass": "p", "fail": "f", "partial": "h", "na": "n"}[score.verdicts[i.id]]
                if score and i.id in score.verdicts
                else "."
                for i in case.checklist
            )
            name = "" if session.blind else f"  {run.model}"
            print(_line(f"  {letter}{name}  {given or ('scored' if score else '-')}"))
