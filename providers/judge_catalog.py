"""Which providers can judge, over which wire format. Keys and base URLs are the image providers' own settings."""

from __future__ import annotations

from urllib.parse import urlsplit

from providers.base import ProviderSettings
from providers.judge_base import Judge

# provider -> the wire formats it judges over (the first is the default)
JUDGE_APIS: dict[str, tuple[str, ...]] = {
    "demo": ("demo",),
    "openai": ("chat", "responses"),
    "gemini": ("gemini",),
    "openrouter": ("chat",),
    "xai": ("chat",),
}
ENDPOINT_APIS = ("chat",)  # a user-declared OpenAI-compatible endpoint


def apis_for(provider: str, *, endpoint: bool = False) -> tuple[str, ...]:
    return ENDPOINT_APIS if endpoint else JUDGE_APIS.get(provider, ())


def make_judge(provider: str, settings: ProviderSettings, api: str, *, endpoint: bool = False) -> Judge:
    """The judge adapter; the caller checked ``api`` is one of ``apis_for(provider)``."""
    from providers.judge_chat import ChatJudge, OpenRouterJudge, ResponsesJudge

    if api == "demo":
        from providers.judge_demo import DemoJudge

        return DemoJudge(settings)
    if api == "gemini":
        from providers.judge_gemini import GeminiJudge

        return GeminiJudge(provider, settings, "https://generativelanguage.googleapis.com/v1beta")
    if api == "responses":
        return ResponsesJudge(provider, settings, "https://api.openai.com/v1")
    if provider == "openrouter":
        return OpenRouterJudge(provider, settings, "https://openrouter.ai/api/v1")
    judge = ChatJudge(provider, settings, "https://api.openai.com/v1" if provider == "openai" else "")
    if endpoint:
        from providers.addresses import is_loopback_host

        # A local server (vLLM, llama.cpp, LocalAI) usually wants no key at all.
        judge.needs_key = not is_loopback_host(urlsplit(judge.base_url).hostname or "")
    return judge
