"""The spending guard for a judge pass, against loopback judge servers: `imgbench judge --max-cost` refuses to start
above the estimate (nothing sent, nothing written), and stops sending new questions once the cost the answers
reported reaches the cap; the rest is asked by a later pass with --items unscored. The same Budget as a run's."""

from __future__ import annotations

import json
import math

import pytest

from providers.estimate import CHARS_PER_TOKEN
from tests.providers.judge_loopback import JudgeLoopback, asked_ids, question_text
from tui.cli.main import EXIT_OK, EXIT_OVER_BUDGET, main
from tui.core.budget import usd
from tui.core.context import Context
from tui.core.judging import JudgePass, resolve_judge

KEY = "PLANTED-KEY-judgebudget-0123456789"
PRICED = "openai:gpt-4.1-mini"  # prices.toml: $0.40 / $1.60 per 1M, 2489 tokens an image, 60 per item answered
OPENROUTER = "openrouter:openai/gpt-4o-mini"  # no price in the table; each loopback answer reports $0.00123
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
        name = {"judge_openai": "OPENAI", "judge_openrouter": "OPENROUTER"}[flavour]
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
    assert "estimated cost: ≥ $0.00 + 1 model without a price (openrouter:openai/gpt-4o-mini) (cap $0.003)" in err
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
