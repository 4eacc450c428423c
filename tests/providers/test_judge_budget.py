"""The spending guard for a judge pass, against loopback judge servers: `imgbench judge --max-cost` refuses to start
above the estimate (nothing sent, nothing written), and stops sending new questions once the cost the answers
reported reaches the cap; the rest is asked by a later pass with --items unscored. The same Budget as a run's."""

from __future__ import annotations

import json
import math

import pytest

from providers.estimate import CHARS_PER_TOKEN
from providers.judge_base import ANSWER_SCHEMA
from tests.providers.judge_loopback import JudgeLoopback, answer_text, asked_ids, question_text
from tests.providers.loopback import Reply
from tui.cli.main import EXIT_OK, EXIT_OVER_BUDGET, main
from tui.core.budget import usd
from tui.core.context import Context
from tui.core.judge_spec import resolve_judge
from tui.core.judging import JudgePass

KEY = "PLANTED-KEY-judgebudget-0123456789"
PRICED = "openai:gpt-4.1-mini"  # prices.toml: $0.40 / $1.60 per 1M, 2489 tokens an image, 60 per item answered
OPENROUTER = "openrouter:qwen/qwen2.5-vl-72b-instruct"  # no price in the table; each loopback answer reports $0.00123
# The other judges the README names, priced in the table (its sources there): rates per 1M and an image's tokens.
OPENROUTER_PRICED = "openrouter:openai/gpt-4o-mini"  # $0.15 / $0.60, 48169 tokens an image at most
GEMINI = "gemini:gemini-2.5-flash"  # $0.30 / $2.50, 2322 tokens an image at most; thinks: that part unknown
CHECKS = ["a red cube", "a wooden table", "soft light"]


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def six_outputs(fast_demo, capsys) -> str:
    (fast_demo / "config.toml").write_text(
        "[providers.demo]\nlatency_ms = 20\n[providers.openrouter]\nconcurrency = 1\n"
    )
    argv = ["run", "--prompt", "a red cube on a wooden table", "--model", "demo:mosaic", "--model", "demo:aurora"]
    for check in CHECKS:
        argv += ["--check", check]
    assert main([*argv, "--repeat", "3", "-q"]) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


@pytest.fixture
def server(monkeypatch):
    started: list[JudgeLoopback] = []

    def start(flavour: str) -> JudgeLoopback:
        srv = JudgeLoopback(flavour).start()
        started.append(srv)
        name = {"judge_openai": "OPENAI", "judge_openrouter": "OPENROUTER", "judge_gemini": "GEMINI"}[flavour]
        monkeypatch.setenv(f"IMGBENCH_{name}_BASE_URL", srv.base_url)
        monkeypatch.setenv(f"{name}_API_KEY", KEY)
        return srv

    yield start
    for srv in started:
        srv.stop()


@pytest.fixture
def with_a_child(fast_demo, capsys) -> str:
    """Four outputs whose checklist has a child item: two questions an output (the parent's level, then the child)."""
    argv = ["run", "--prompt", "a red cube on a wooden table", "--model", "demo:mosaic", "--model", "demo:aurora"]
    for check in ["a red cube", "  the cube is red", "a wooden table"]:
        argv += ["--check", check]
    assert main([*argv, "--repeat", "2", "-q"]) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


@pytest.fixture
def an_edit(fast_demo, capsys, tmp_path) -> str:
    """Two outputs of an edit: each question sends the output and its reference."""
    from tests.checks_support import png

    ref = tmp_path / "ref.png"
    ref.write_bytes(png((64, 64)))
    argv = ["run", "--prompt", "make the cube red", "--ref", str(ref), "--model", "demo:mosaic", "--model",
            "demo:aurora", "--check", "the cube is red", "-q"]  # fmt: skip
    assert main(argv) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


@pytest.mark.parametrize("outputs", ["six_outputs", "with_a_child", "an_edit"])
def test_the_estimate_prices_the_questions_as_they_are_sent(outputs, server, capsys, request) -> None:
    session_id = request.getfixturevalue(outputs)
    srv = server("judge_openai")
    code, _, err = _cli(capsys, "judge", session_id, "--model", PRICED)
    assert code == EXIT_OK, err
    calls = srv.judge_calls()
    assert len(calls) == {"six_outputs": 6, "with_a_child": 8, "an_edit": 2}[outputs]
    # What was sent, priced independently: every character of the system and user text and the schema, at three a
    # token, one image at the table's 2489 tokens, 60 output tokens per item; $0.40 and $1.60 per 1M.
    total = 0.0
    for rec in calls:
        body = rec.json
        chars = len(body["messages"][0]["content"]) + len(question_text(rec))
        chars += len(json.dumps(body["response_format"]["json_schema"]["schema"]))
        images = sum(1 for p in body["messages"][-1]["content"] if p.get("type") == "image_url")
        assert images == (2 if outputs == "an_edit" else 1)
        tokens_in = math.ceil(chars / CHARS_PER_TOKEN) + 2489 * images
        total += (tokens_in * 0.40 + 60 * len(asked_ids(rec)) * 1.60) / 1e6
    line = next(x for x in err.splitlines() if x.startswith("estimated cost: "))
    assert line == f"estimated cost: {usd(total)}"
    ctx = Context()
    spec = resolve_judge(ctx.registry, PRICED)
    fresh = JudgePass(ctx.store, ctx.store.load(session_id), spec, cache=_EmptyCache())
    assert fresh.estimate().known_usd == pytest.approx(total, abs=1e-6) and fresh.estimate().unit == "output"


def test_the_other_judges_are_priced_from_what_is_sent(six_outputs, server, capsys) -> None:
    """openrouter:openai/gpt-4o-mini from the chat text sent, as gpt-4.1-mini above; gemini:gemini-2.5-flash from
    its systemInstruction and parts, its thinking said unknown, and each answer's recorded cost from its usage."""
    srv = server("judge_openrouter")
    code, _, err = _cli(capsys, "judge", six_outputs, "--model", OPENROUTER_PRICED)
    assert code == EXIT_OK, err
    total = 0.0
    for rec in srv.judge_calls():
        body = rec.json
        chars = len(body["messages"][0]["content"]) + len(question_text(rec))
        chars += len(json.dumps(body["response_format"]["json_schema"]["schema"]))
        total += ((math.ceil(chars / CHARS_PER_TOKEN) + 48169) * 0.15 + 60 * len(asked_ids(rec)) * 0.60) / 1e6
    assert f"estimated cost: {usd(total)}\n" in err and total > 0.04  # six images at ~$0.0072 each
    assert _first_pass(six_outputs, OPENROUTER_PRICED).known_usd == pytest.approx(total, abs=1e-6)

    srv = server("judge_gemini")
    usage = {"promptTokenCount": 3400, "candidatesTokenCount": 180, "thoughtsTokenCount": 1000, "totalTokenCount": 4580}
    ids = [item.id for item in Context().store.load(six_outputs).cases[0].checklist]
    answer = {"content": {"role": "model", "parts": [{"text": answer_text(ids, {})}]}, "finishReason": "STOP"}
    srv.script("POST", "/v1beta/models/", *[Reply(json={"candidates": [answer], "usageMetadata": usage})] * 6)
    code, _, err = _cli(capsys, "judge", six_outputs, "--model", GEMINI)
    assert code == EXIT_OK, err
    total = 0.0
    for rec in srv.judge_calls():
        chars = len(rec.json["systemInstruction"]["parts"][0]["text"]) + len(question_text(rec))
        chars += len(json.dumps(ANSWER_SCHEMA))  # the schema the estimate counts (Gemini's is its translation)
        total += ((math.ceil(chars / CHARS_PER_TOKEN) + 2322) * 0.30 + 60 * len(asked_ids(rec)) * 2.50) / 1e6
    thinking = f"the thinking tokens of {GEMINI} (billed as output, not known before it answers)"
    assert f"estimated cost: ≥ {usd(total)} + {thinking}\n" in err
    assert _first_pass(six_outputs, GEMINI).known_usd == pytest.approx(total, abs=1e-6)
    scored = Context().store.load(six_outputs)
    records = [s.judge for s in scored.scores if s.rater == f"judge:{GEMINI}"]
    assert len(records) == 6  # the thoughts are billed: 3400 x $0.30 + (180 + 1000) x $2.50 per 1M
    assert all(r is not None and r.cost_usd == pytest.approx((3400 * 0.30 + 1180 * 2.50) / 1e6) for r in records)


def _first_pass(session_id: str, judge: str):
    """The estimate of a first pass of ``judge`` (no answer cached)."""
    ctx = Context()
    spec = resolve_judge(ctx.registry, judge)
    return JudgePass(ctx.store, ctx.store.load(session_id), spec, cache=_EmptyCache()).estimate()


class _EmptyCache:
    """Nothing cached: the estimate of a first pass (the real cache now has the answers of the pass above)."""

    def get(self, key: str):
        return None

    def put(self, key: str, verdict: str, evidence: str) -> None:
        pass


def test_above_the_cap_it_refuses_to_start_sending_nothing(six_outputs, server, capsys, config_dir) -> None:
    srv = server("judge_openai")
    before = Context().store.load(six_outputs)
    code, _, err = _cli(capsys, "judge", six_outputs, "--model", PRICED, "--max-cost", "0.001")
    assert code == EXIT_OVER_BUDGET
    assert "of 6 output(s) is above the cap of $0.001; nothing was sent (raise --max-cost, or judge fewer" in err
    assert len(err.strip().splitlines()) == 1 and srv.judge_calls() == []
    assert Context().store.load(six_outputs).scores == before.scores == []
    # The config's cap applies when --max-cost is not given, checked the same way.
    (config_dir / "config.toml").write_text("[defaults]\nmax_cost = 0.001\n")
    code, _, err = _cli(capsys, "judge", six_outputs, "--model", PRICED)
    assert code == EXIT_OVER_BUDGET and srv.judge_calls() == []


def test_at_the_cap_it_stops_sending_and_a_later_pass_asks_the_rest(six_outputs, server, capsys) -> None:
    srv = server("judge_openrouter")
    code, _, err = _cli(capsys, "judge", six_outputs, "--model", OPENROUTER, "--max-cost", "0.003")
    # Unpriced: it starts (the estimate says so); one question at a time, $0.00123 each: after three, $0.00369.
    assert f"estimated cost: ≥ $0.00 + 1 model without a price ({OPENROUTER}) (cap $0.003)" in err
    assert code == EXIT_OVER_BUDGET, err
    assert len(srv.judge_calls()) == 3
    assert "stopped at the spending cap of $0.003 ($0.004 recorded): 3 outputs not judged in full" in err
    assert f"`imgbench judge {six_outputs} --model {OPENROUTER} --items unscored` asks the rest" in err
    assert sum("stopped: " in line and "not asked: the spending cap of $0.003 was reached" in line
               for line in err.splitlines()) == 3  # fmt: skip
    scored = Context().store.load(six_outputs)
    rater = f"judge:{OPENROUTER}"
    assert sum(1 for r in scored.runs if scored.score_of(r.id, rater) is not None) == 3
    code, _, err = _cli(capsys, "judge", six_outputs, "--model", OPENROUTER, "--items", "unscored")
    assert code == EXIT_OK, err
    assert len(srv.judge_calls()) == 6
    scored = Context().store.load(six_outputs)
    assert all(len(scored.score_of(r.id, rater).verdicts) == len(CHECKS) for r in scored.runs)
