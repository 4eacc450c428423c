"""Which AI judge a pass asks: ``PROVIDER:MODEL`` resolved against the registry, the rater name its verdicts
are scored under, the outputs and items a pass plans to ask, and the answer cache's key for one of them."""

from __future__ import annotations

from dataclasses import dataclass

from providers.catalog import BUILTIN
from providers.judge_base import Judge
from providers.judge_catalog import apis_for, make_judge
from tui.core.judge_cache import cache_key
from tui.core.model import JUDGE_PREFIX, Case, Run
from tui.core.registry import Registry
from tui.core.validation import InputError, suggest


def judge_rater(judge_id: str) -> str:
    return JUDGE_PREFIX + judge_id


@dataclass(frozen=True)
class JudgeSpec:
    judge_id: str  # "PROVIDER:MODEL"
    api: str  # wire format: chat, responses, gemini, demo
    judge: Judge
    model: str  # the provider's own model name

    @property
    def rater(self) -> str:
        return judge_rater(self.judge_id)


def resolve_judge(registry: Registry, judge_id: str, api: str | None = None) -> JudgeSpec:
    """The judge behind ``PROVIDER:MODEL``, or an InputError naming the fix."""
    provider_name, sep, model = judge_id.partition(":")
    if not sep or not provider_name or not model:
        raise InputError(f"{judge_id!r} is not of the form PROVIDER:MODEL (e.g. demo:pixels)", key="--model")
    provider = registry.providers.get(provider_name)
    endpoint = provider is not None and provider_name not in BUILTIN
    apis = apis_for(provider_name, endpoint=endpoint)
    if provider is None or not apis:
        judges = [n for n in registry.providers if apis_for(n, endpoint=n not in BUILTIN)]
        raise InputError(
            f"{provider_name!r} cannot judge{suggest(provider_name, judges)} (judges: {', '.join(judges)})",
            key="--model",
        )
    chosen = api or apis[0]
    if chosen not in apis:
        raise InputError(f"{provider_name} judges over {', '.join(apis)}, not {chosen!r}", key="--api")
    if chosen == "demo" and model != "pixels":
        raise InputError(f"the demo judge is demo:pixels, not {judge_id!r}", key="--model")
    judge = make_judge(provider_name, provider.settings, chosen, endpoint=endpoint)
    ok, detail = judge.available()
    if not ok:
        raise InputError(f"no API key for {provider_name}: {detail}", key="--model")
    return JudgeSpec(judge_id, chosen, judge, model)


@dataclass(frozen=True)
class Planned:
    run: Run
    case: Case
    items: tuple[str, ...]  # the items this pass may ask (before the cache and the parent rule)


def answer_key(spec: JudgeSpec, prompt_hash: str, run: Run, case: Case, item_id: str, ref_shas: list[str]) -> str:
    """The answer cache's key for one item of one output, as this judge over this wire format with this prompt."""
    criterion = next(i.criterion for i in case.checklist if i.id == item_id)
    return cache_key(
        image_sha256=run.images[0].sha256, item_id=item_id, criterion=criterion, prompt=case.prompt,
        reference_shas=ref_shas, judge=f"{spec.judge_id}/{spec.api}", prompt_hash=prompt_hash,
    )  # fmt: skip
