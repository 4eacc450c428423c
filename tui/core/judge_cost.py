"""What a judge pass would cost before it sends anything: per question from the price table (the demo judge is
free), whether the judge thinks (billed for tokens no estimate can know), and the whole pass's ``Estimate`` that
the cost guard (``JudgePass.guard``, ``refuse_above``) compares with the cap."""

from __future__ import annotations

from providers.judge_base import JudgeImage, JudgeRequest, Question
from tui.core.budget import Estimate
from tui.core.judge_cache import AnswerCache
from tui.core.judge_spec import JudgeSpec, Planned, answer_key
from tui.core.tallies import parent_chains


def request_cost(spec: JudgeSpec, request: JudgeRequest) -> float | None:
    """What one question is estimated to cost: $0 for the demo judge, else from the price table (or None)."""
    from providers.estimate import estimate_judge_request

    if spec.judge.demo:
        return 0.0
    return estimate_judge_request(spec.judge.name, spec.model, request)


def thinks(spec: JudgeSpec) -> bool:
    """A thinking judge: billed for thinking tokens that no estimate can know (providers/estimate.py)."""
    from providers.estimate import judge_thinks

    return not spec.judge.demo and judge_thinks(spec.judge.name, spec.model)


def estimate_pass(spec: JudgeSpec, planned: list[Planned], cache: AnswerCache, prompt_hash: str) -> Estimate:
    """What the pass would cost at most: per output, one question per level of the checklist's parent chains
    (the parent rule may spare some), the items the cache has left out; each output's references sent too."""
    per_run: dict[str, float | None] = {}
    blank = JudgeImage(b"")
    for p in planned:
        chains = dict(parent_chains(p.case.checklist))
        criteria = {i.id: i.criterion for i in p.case.checklist}
        refs = tuple(blank for r in p.case.references if r.role != "mask")
        shas = [r.sha256 for r in p.case.references if r.role != "mask"]
        levels: dict[int, list[str]] = {}
        for item_id in p.items:
            if cache.get(answer_key(spec, prompt_hash, p.run, p.case, item_id, shas)) is None:
                levels.setdefault(len(chains[item_id]), []).append(item_id)
        total: float | None = 0.0
        for asked in levels.values():
            request = JudgeRequest(
                spec.model, p.case.prompt, tuple(Question(i, criteria[i]) for i in asked), blank, refs
            )
            cost = request_cost(spec, request)
            total = None if cost is None or total is None else total + cost
        per_run[p.run.id] = total
    unpriced = sum(1 for c in per_run.values() if c is None)
    known = round(sum(c for c in per_run.values() if c is not None), 6)
    thinking = thinks(spec) and unpriced < len(per_run)
    unknown = (f"the thinking tokens of {spec.judge_id} (billed as output, not known before it answers)",)
    return Estimate(
        known, len(per_run), per_run, {spec.judge_id: unpriced} if unpriced else {},
        unit="output", fewer="judge fewer items: --items unscored", unknown=unknown if thinking else (),
    )  # fmt: skip
