"""A judge pass: an AI judge (or the offline demo judge) answers the checklist of every output of a session.

Per output, parent items are asked first; a child of an item the judge failed is not asked (DSG) and is recorded
as failed, as the parent rule would count it. Items answered before are taken from the answer cache. Each
request has the runner's retry policy and error kinds; a request that fails for good leaves that output's items
as they were (nothing already stored is lost) and the pass goes on with the others. The verdicts are the score
of rater ``judge:PROVIDER:MODEL``, of kind "judge", with a ``JudgeRecord`` saying how they were reached.

Spending: the runner's ``Budget`` (tui/core/budget.py), one code path for both: asked before every request
(``reached``) and told what each cost (``spend``: the answer's figure, else the request's estimate); once the cap
is reached the pass sends no more (questions in flight finish). ``estimate()`` prices what ``plan()`` would ask,
for the refusal to start above the cap (tui/core/judge_cost.py). Which judge, and the rater it scores as:
tui/core/judge_spec.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from providers.base import CallContext, ProviderError
from providers.errors import redact
from providers.judge_base import PROMPT_VERSION as JUDGE_PROMPT_VERSION
from providers.judge_base import JudgeAnswer, JudgeImage, JudgeRequest, Question, prompt_hash
from providers.retry import RetryPolicy
from tui.core.budget import CLI_CAP, Budget, Estimate, refuse_above
from tui.core.images import clean_png
from tui.core.judge_cache import AnswerCache, default_cache
from tui.core.judge_cost import estimate_pass, request_cost
from tui.core.judge_spec import JudgeSpec, Planned, answer_key
from tui.core.model import Case, JudgeRecord, Run, Score, Session, now_iso
from tui.core.run_guard import held_keys
from tui.core.safe_text import visible
from tui.core.store import Store
from tui.core.tallies import parent_chains
from tui.core.wording import count

ItemsMode = Literal["all", "unscored"]
MAX_RAW = 4000  # characters of a raw answer kept on the score
MAX_EVIDENCE = 300
MAX_SIDE = 2048  # vision models scale larger images down anyway; fewer bytes, fewer tokens


@dataclass(frozen=True)
class JudgeEvent:
    kind: Literal["judged", "failed", "stopped"]
    run_id: str
    message: str = ""


@dataclass
class PassResult:
    outputs: int = 0  # outputs whose score was written
    asked: int = 0  # items answered by a request
    cached: int = 0  # items answered from the cache
    skipped: int = 0  # children of a failed parent
    requests: int = 0
    cost_usd: float = 0.0  # of the requests whose cost is known
    cost_unknown: int = 0  # requests whose cost no price says
    failed: list[tuple[str, str]] = field(default_factory=list)  # (run id, one-line reason)
    stopped: bool = False  # the budget said no: outputs left as they were
    held: int = 0  # outputs with items not asked because the cap was reached (asked by a pass with --items unscored)


class _Failed(Exception):
    def __init__(self, error: ProviderError, attempts: int, reason: str) -> None:
        self.error, self.attempts, self.reason = error, attempts, reason


class JudgePass:
    def __init__(
        self,
        store: Store,
        session: Session,
        spec: JudgeSpec,
        *,
        items: ItemsMode = "all",
        retry: RetryPolicy | None = None,
        budget: Budget | None = None,
        cache: AnswerCache | None = None,
        listener: Callable[[JudgeEvent], None] | None = None,
    ) -> None:
        self.store, self.session, self.spec, self.items = store, session, spec, items
        self.retry = retry or RetryPolicy()
        self.budget = budget  # None: no cap
        self.cache = cache or default_cache()
        self.listener = listener or (lambda _e: None)
        self.hash = prompt_hash()
        self._keys = held_keys([spec.judge])
        self._stop = False
        self.result = PassResult()

    # -- what to ask ---------------------------------------------------------------------------
    def plan(self) -> list[Planned]:
        out = []
        for run in self.session.runs:
            if run.status != "succeeded" or not run.images:
                continue
            case = self.session.case(run.case_id)
            if not case.checklist:
                continue
            old = self.session.score_of(run.id, self.spec.rater)
            done = set(old.verdicts) if old and self.items == "unscored" else set()
            todo = tuple(i.id for i in case.checklist if i.id not in done)
            if todo:
                out.append(Planned(run, case, todo))
        return out

    def estimate(self, planned: list[Planned] | None = None) -> Estimate:
        """What the pass would cost at most (``judge_cost.estimate_pass``), for what ``plan()`` asks by default."""
        return estimate_pass(self.spec, self.plan() if planned is None else planned, self.cache, self.hash)

    def guard(
        self, cap: float | None, planned: list[Planned] | None = None, *, where: str = CLI_CAP, fewer: str = ""
    ) -> Estimate:
        """The estimate of what this pass would ask; OverBudget above the cap (nothing sent; ``where`` and ``fewer``
        say what to change, as ``refuse_above``), else the pass runs under the runner's ``Budget`` of that cap. The
        command line and the TUI both start a pass through this."""
        estimate = self.estimate(planned)
        refuse_above(estimate, cap, where=where, fewer=fewer)
        self.budget = Budget(cap, estimate) if cap is not None else None
        return estimate

    async def execute(self) -> PassResult:
        planned = self.plan()
        sem = asyncio.Semaphore(max(1, self.spec.judge.settings.concurrency))
        client = None
        if not self.spec.judge.demo:
            from providers.http import make_client, ssl_context

            await asyncio.to_thread(ssl_context)
            client = make_client()
        try:

            async def one(p: Planned) -> None:
                async with sem:
                    await self._judge_output(p, client)

            await asyncio.gather(*(one(p) for p in planned))
        finally:
            if client is not None:
                await client.aclose()
        return self.result

    # -- one output ----------------------------------------------------------------------------
    def _images(self, run: Run, case: Case) -> tuple[JudgeImage, tuple[JudgeImage, ...]]:
        def bare(relative: str) -> JudgeImage:
            data = self.store.abspath(self.session.id, relative).read_bytes()
            return JudgeImage(clean_png(data, max_side=MAX_SIDE)[0])

        refs = tuple(bare(r.path) for r in case.references if r.role != "mask")
        return bare(run.images[0].path), refs

    async def _judge_output(self, p: Planned, client: object) -> None:
        run, case = p.run, p.case
        if self._stop:
            self._hold(run.id)
            return
        # What this judge said before stays unless answered anew: a request that fails loses nothing.
        old = self.session.score_of(run.id, self.spec.rater)
        verdicts: dict[str, str] = dict(old.verdicts) if old else {}
        evidence: dict[str, str] = dict(old.judge.evidence) if old and old.judge else {}
        record = JudgeRecord(self.spec.judge_id, JUDGE_PROMPT_VERSION, self.hash, demo=self.spec.judge.demo)
        settled = {i for i in verdicts if i not in p.items}  # parents decided before this pass
        try:
            image, refs = await asyncio.to_thread(self._images, run, case)
        except (OSError, ValueError) as exc:
            self._fail(run.id, f"cannot read the output image: {exc}")
            return
        ref_shas = [r.sha256 for r in case.references if r.role != "mask"]
        criteria = {i.id: i.criterion for i in case.checklist}
        chains = dict(parent_chains(case.checklist))
        todo = list(p.items)
        answered: set[str] = set()
        errors: list[str] = []
        cost: float | None = None
        latency = 0.0
        while todo:
            ready = [i for i in todo if all(a in settled for a in chains[i])]
            if not ready:
                break  # an ancestor has no verdict (its request failed): its children cannot be asked
            todo = [i for i in todo if i not in ready]
            ask: list[str] = []
            for item_id in ready:
                failed_parent = next((a for a in chains[item_id] if verdicts.get(a) == "fail"), None)
                if failed_parent is not None:
                    verdicts[item_id] = "fail"
                    evidence[item_id] = f"not asked: {failed_parent} failed"
                    record.skipped.append(item_id)
                    settled.add(item_id)
                    continue
                key = self._key(run, case, item_id, ref_shas)
                hit = self.cache.get(key)
                if hit is not None:
                    verdicts[item_id], evidence[item_id] = hit.verdict, hit.evidence
                    record.cached.append(item_id)
                    settled.add(item_id)
                else:
                    ask.append(item_id)
            if not ask:
                continue
            if self._stop or (self.budget is not None and self.budget.reached()):
                self._stop = self.result.stopped = True
                self._hold(run.id)
                break
            request = JudgeRequest(
                self.spec.model, case.prompt, tuple(Question(i, criteria[i]) for i in ask), image, refs
            )
            try:
                answer, attempts, took = await self._ask(request, client)
            except _Failed as failed:
                record.attempts += failed.attempts
                record.requests += 1
                self.result.requests += 1
                errors.append(self._say(f"{failed.error.kind}: {failed.error.message} ({failed.reason})"))
                break
            record.attempts += attempts
            record.requests += 1
            self.result.requests += 1
            latency += took
            if self.budget is not None:
                self.budget.spend(answer.cost_usd, request_cost(self.spec, request))
            if answer.cost_usd is not None:
                cost = (cost or 0.0) + answer.cost_usd
            else:
                self.result.cost_unknown += 1
            record.raw.append(visible(redact(answer.raw, self._keys))[:MAX_RAW])
            answered.update(answer.items)
            for item_id, got in answer.items.items():
                said = visible(redact(got.evidence, self._keys), one_line=True)[:MAX_EVIDENCE]
                verdicts[item_id], evidence[item_id] = got.verdict, said
                self.cache.put(self._key(run, case, item_id, ref_shas), got.verdict, said)
                self.result.asked += 1
                settled.add(item_id)
            if answer.missing or answer.problems:
                said = "; ".join(answer.problems[:5]) or "no answer"
                errors.append(self._say(f"bad_response: unanswered {', '.join(answer.missing)} ({said})"))
        self.result.cached += len(record.cached)
        self.result.skipped += len(record.skipped)
        record.cost_usd = None if cost is None else round(cost, 6)
        record.latency_ms = round(latency, 1) if record.requests else None
        decided = set(record.skipped) | set(record.cached) | answered
        record.evidence = {i: evidence[i] for i in decided if i in evidence}
        record.error = " | ".join(errors)[:2000]
        if cost is not None:
            self.result.cost_usd = round(self.result.cost_usd + cost, 6)
        if errors:
            self._fail(run.id, record.error)
        if decided:
            await asyncio.to_thread(self._save, run.id, {i: verdicts[i] for i in decided}, record)
            self.result.outputs += 1
            if not errors:
                self.listener(JudgeEvent("judged", run.id, count(len(verdicts), "item")))

    def _key(self, run: Run, case: Case, item_id: str, ref_shas: list[str]) -> str:
        return answer_key(self.spec, self.hash, run, case, item_id, ref_shas)

    def _say(self, text: str) -> str:
        return visible(redact(text, self._keys), one_line=True)[:500]

    def _hold(self, run_id: str) -> None:
        self.result.held += 1
        said = self.budget.stopped() if self.budget is not None else "not asked: the pass stopped"
        self.listener(JudgeEvent("stopped", run_id, said))

    def _fail(self, run_id: str, message: str) -> None:
        self.result.failed.append((run_id, message))
        self.listener(JudgeEvent("failed", run_id, message))

    async def _ask(self, request: JudgeRequest, client: object) -> tuple[JudgeAnswer, int, float]:
        """One question with the runner's retries: (answer, attempts, milliseconds of the last attempt)."""
        judge = self.spec.judge
        attempts = 0
        while True:
            attempts += 1
            started = time.perf_counter()
            try:
                async with asyncio.timeout(judge.settings.timeout_s):
                    answer = await judge.judge(request, CallContext(client=client))  # type: ignore[arg-type]
                return answer, attempts, (time.perf_counter() - started) * 1000
            except TimeoutError:
                error = ProviderError("timeout", f"no answer within {judge.settings.timeout_s:g} s")
            except ProviderError as exc:
                error = exc
            wait, reason = self.retry.delay(attempts, error)
            if wait is None:
                raise _Failed(error, attempts, reason)
            await asyncio.sleep(wait)

    def _save(self, run_id: str, decided: dict[str, str], record: JudgeRecord) -> None:
        """Merged into the score on disk under its lock: what this judge said before, and this pass did not answer
        anew, is kept (another pass or an import may have written since this one read the session)."""
        rater = self.spec.rater

        def change(s: Session) -> None:
            current = s.score_of(run_id, rater)
            before = current.judge if current is not None and current.judge is not None else None
            verdicts = {**(current.verdicts if current is not None else {}), **decided}
            if before is not None:
                record.evidence = {**{k: v for k, v in before.evidence.items() if k in verdicts}, **record.evidence}
                kept = [i for i in before.skipped if i not in decided]
                record.skipped = kept + [i for i in record.skipped if i not in kept]
            s.set_score(Score(run_id, rater, verdicts, "", False, now_iso(), kind="judge", judge=record))  # type: ignore[arg-type]

        self.store.mutate(self.session.id, change)
