"""The estimate before a run, against the figures of the pricing reference (image-apis.md), the way it says what
it does not know, the cap's checks, and ``[defaults] max_cost`` checked like the rest of the config."""

from __future__ import annotations

import pytest

from providers.estimate import estimate_request
from tui.core.budget import Budget, Estimate, OverBudget, check_cap, refuse_above
from tui.core.config import load_config
from tui.core.model import Run
from tui.core.validation import InputError


def test_per_image_prices_and_their_variants() -> None:
    assert estimate_request("xai", "grok-imagine-image", {}, 0, "x") == 0.02  # docs.x.ai: $0.02 per image
    assert estimate_request("xai", "grok-imagine-image", {}, 1, "x") is None  # an edit's input: unstated rate
    assert estimate_request("openai", "dall-e-3", {"quality": "standard", "size": "1024x1024"}, 0, "x") == 0.04
    assert estimate_request("openai", "dall-e-3", {"quality": "hd", "size": "1024x1024"}, 0, "x") is None
    assert estimate_request("demo", "mosaic", {}, 2, "x") == 0.0
    assert estimate_request("openrouter", "google/gemini-2.5-flash-image", {}, 0, "x") is None
    assert estimate_request("fal", "bytedance/seedream/v5/lite/text-to-image", {}, 0, "x") == 0.035


def test_token_priced_models_from_the_reference_token_counts() -> None:
    prompt = "y" * 300  # 100 tokens at three characters each
    # image-apis.md §1.7: 1024² high = 4160 output tokens; gpt-image-2 $30 / 1M output, $5 / 1M text input.
    high = (4160 * 30 + 100 * 5) / 1e6
    assert estimate_request("openai", "gpt-image-2", {"quality": "high", "size": "1024x1024"}, 0, prompt) == (
        pytest.approx(high)
    )
    # 1536x1024 low = 400 tokens in the reference; area-proportional from 272 gives 408: within 2 %.
    wide = estimate_request("openai", "gpt-image-1", {"quality": "low", "size": "1536x1024"}, 0, "")
    assert wide == pytest.approx(400 * 40 / 1e6, rel=0.03)
    # quality auto (or none asked) is priced as high: the most it can cost.
    assert estimate_request("openai", "gpt-image-2", {"size": "1024x1024"}, 0, prompt) == pytest.approx(high)
    edit = estimate_request("openai", "gpt-image-2", {"quality": "high"}, 2, prompt)
    assert edit == pytest.approx(high + 2 * 3050 * 8 / 1e6)
    # §3.6: gemini-2.5-flash-image "1290 tokens per image ⇒ ≈$0.039/image"
    assert estimate_request("gemini", "gemini-2.5-flash-image", {}, 0, "") == pytest.approx(0.039, abs=0.0005)
    # gemini-3-pro has no text-input price: a prompt makes the estimate unknown, as it makes the bill.
    assert estimate_request("gemini", "gemini-3-pro-image-preview", {"imageSize": "4K"}, 0, "x") is None


def test_the_estimate_says_what_it_does_not_know() -> None:
    assert Estimate(0.4, 10).describe() == "$0.40"
    assert (
        Estimate(0.4, 12, unpriced={"a:x": 1, "b:y": 1}).describe() == "≥ $0.40 + 2 models without a price (a:x, b:y)"
    )
    assert Estimate(0.05, 3, unpriced={"a:x": 1}).describe() == "≥ $0.05 + 1 model without a price (a:x)"
    thinking = Estimate(0.05, 3, unknown=("its thinking",))
    assert thinking.describe() == "≥ $0.05 + its thinking" and thinking.to_dict()["unknown"] == ["its thinking"]
    both = Estimate(0.05, 3, unpriced={"a:x": 1}, unknown=("its thinking",)).describe()
    assert both == "≥ $0.05 + 1 model without a price (a:x) + its thinking"
    refuse_above(Estimate(0.4, 1, unpriced={"a:x": 1}), 0.4)  # the priced part is not above: it may start
    with pytest.raises(OverBudget, match=r"the estimated cost \$0.41 of 1 run\(s\) is above the cap of \$0.40"):
        refuse_above(Estimate(0.41, 1), 0.4)


def test_the_budget_counts_reported_costs_else_the_estimate() -> None:
    budget = Budget(0.05, Estimate(0.04, 2, per_run={"r1": 0.02, "r2": 0.02}))
    budget.record(Run("r1", "k", "m:x", cost_usd=0.03))
    assert not budget.reached()
    budget.record(Run("r2", "k", "m:x"))  # no cost reported: its estimate counts
    assert budget.reached() and budget.spent == pytest.approx(0.05)
    assert budget.refusal("S1").kind == "budget" and "sessions resume S1" in budget.refusal("S1").message


@pytest.mark.parametrize("value", ["0", "-0.5", "nan", "inf", "1e7", "two", "", True])
def test_a_cap_is_a_positive_finite_amount(value: object) -> None:
    with pytest.raises(InputError, match="--max-cost"):
        check_cap(value)
    assert check_cap("2.5") == 2.5


@pytest.mark.parametrize("line", ["max_cost = -1", "max_cost = 0", "max_cost = 'lots'", "max_cost = nan"])
def test_the_config_default_is_checked_naming_file_and_key(tmp_path, line: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[defaults]\n{line}\n")
    with pytest.raises(InputError) as info:
        load_config(path)
    assert str(path) in str(info.value) and "max_cost" in str(info.value), str(info.value)
    path.write_text("[defaults]\nmax_cost = 2.5\n")
    assert load_config(path).defaults.max_cost == 2.5


def test_amounts_below_a_tenth_of_a_cent_keep_their_digits() -> None:
    from tui.core.budget import usd

    assert [usd(v) for v in (0.0, 0.07, 0.077, 2.5, 0.0001, 0.00012)] == [
        "$0.00", "$0.07", "$0.077", "$2.50", "$0.0001", "$0.00012"
    ]  # fmt: skip
