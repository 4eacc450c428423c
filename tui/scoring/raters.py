"""People, AI judges and machine checks: statistics of people leave judges out unless a judge is asked for by name.

A score of kind "judge" (rater ``judge:PROVIDER:MODEL``) is a model's opinion of an output, not a person's: counting
it with the people would let a cheap judge outvote the raters. Judges get their own figures beside them.

Machine checks are not scores at all (they live on the run, ``Run.checks``); where a table compares them with
people or across sessions they are read as verdicts of a scorer ``check:KIND`` (or ``checks``, all kinds at
once), built here and never stored.
"""

from __future__ import annotations

import msgspec

from tui.core.model import CheckResult, Run, Score, Session

CHECK_PREFIX = "check:"


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


def measured_checks(run: Run) -> list[CheckResult]:
    """The run's machine checks that reached pass or fail on the image it shows now: a result of an image since
    replaced is stale, one that could not measure (error) says nothing about the output."""
    shown = {im.sha256 for im in run.images}
    return [c for c in run.checks if c.outcome in ("pass", "fail") and (not c.image_sha256 or c.image_sha256 in shown)]


def check_names(session: Session) -> list[str]:
    """``check:KIND`` for each kind of machine check measured in the session, in order of first result."""
    return list(dict.fromkeys(CHECK_PREFIX + c.kind for r in session.runs for c in measured_checks(r)))


def machine_scores(session: Session, *, by_kind: bool = False) -> list[Score]:
    """The machine checks' pass / fail read as scores: one rater ``checks`` for every kind, or (``by_kind``) one
    rater ``check:KIND`` per kind. Never stored: a check does not fill in anyone's verdict."""
    out: list[Score] = []
    for run in session.runs:
        by_rater: dict[str, dict[str, str]] = {}
        for c in measured_checks(run):
            by_rater.setdefault(CHECK_PREFIX + c.kind if by_kind else "checks", {})[c.item_id] = c.outcome
        out += [Score(run.id, rater, verdicts) for rater, verdicts in by_rater.items()]  # type: ignore[arg-type]
    return out
