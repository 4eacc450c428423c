"""People and AI judges: statistics of people leave judges out unless a judge is asked for by name.

A score of kind "judge" (rater ``judge:PROVIDER:MODEL``) is a model's opinion of an output, not a person's: counting
it with the people would let a cheap judge outvote the raters. Judges get their own figures beside them.
"""

from __future__ import annotations

import msgspec

from tui.core.model import Score, Session


def is_judge(score: Score) -> bool:
    return score.kind == "judge"


def judge_names(session: Session) -> list[str]:
    """Judges in order of first score."""
    return list(dict.fromkeys(s.rater for s in session.scores if is_judge(s)))


def human_names(session: Session) -> list[str]:
    """People in order of first score (a name that is also a judge's counts as the judge's)."""
    judges = set(judge_names(session))
    return list(dict.fromkeys(s.rater for s in session.scores if not is_judge(s) and s.rater not in judges))


def humans_only(session: Session) -> Session:
    """The session as the people scored it: the same object when no judge scored."""
    if not any(is_judge(s) for s in session.scores):
        return session
    judges = set(judge_names(session))
    kept = [s for s in session.scores if not is_judge(s) and s.rater not in judges]
    return msgspec.structs.replace(session, scores=kept)


def view_for(session: Session, rater: str | None) -> Session:
    """What the statistics of ``rater`` read: a judge's own scores when a judge is named, else the people's."""
    if rater is not None and rater in judge_names(session):
        return session
    return humans_only(session)
