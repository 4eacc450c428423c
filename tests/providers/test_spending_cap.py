"""The spending guard end to end over loopback providers: the estimate before a run (from prices.toml, unknown parts
said), a refusal above ``--max-cost`` that sends and keeps nothing, a stop mid-run once the cost the provider
reported reaches the cap (the rest left ``interrupted``/``budget``), and a resume that sends exactly the rest."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.providers.loopback import Reply, png_bytes
from tui.cli.main import EXIT_OK, EXIT_OVER_BUDGET, EXIT_USAGE, main
from tui.core.store import Store

OPENROUTER = "openrouter:google/gemini-2.5-flash-image"  # no price in the table; the loopback reports $0.0387
XAI = "xai:grok-imagine-image"  # $0.02 per image in the table


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _prompts(n: int) -> list[str]:
    return [arg for i in range(n) for arg in ("--prompt", f"a red cube number {i}")]


@pytest.fixture
def one_at_a_time(config_dir: Path) -> None:
    (config_dir / "config.toml").write_text(
        "[providers.openrouter]\nconcurrency = 1\n[providers.xai]\nconcurrency = 1\n"
    )


def test_the_estimate_is_said_before_the_run(servers, point, capsys, one_at_a_time, data_dir) -> None:
    point("xai", servers("xai"))
    point("openrouter", servers("openrouter"))
    code, out, err = _cli(capsys, "run", *_prompts(3), "--model", XAI, "--model", OPENROUTER)
    assert code == EXIT_OK, err
    assert "estimated cost: ≥ $0.06 + 1 model without a price (openrouter:google/gemini-2.5-flash-image)" in err
    session = Store(data_dir).load(out.strip().splitlines()[0])
    assert sum(r.cost_usd or 0 for r in session.runs) == pytest.approx(3 * 0.02 + 3 * 0.0387)


def test_above_the_cap_nothing_is_sent_and_nothing_kept(servers, point, capsys, one_at_a_time, data_dir) -> None:
    xai = servers("xai")
    point("xai", xai)
    code, out, err = _cli(capsys, "run", *_prompts(4), "--model", XAI, "--max-cost", "0.05")
    assert code == EXIT_OVER_BUDGET == 5 and out == ""
    (line,) = err.strip().splitlines()  # the estimate is in the one line
    assert line == (
        "imgbench: error: the estimated cost $0.08 of 4 run(s) is above the cap of $0.05; nothing was sent "
        "(raise --max-cost, or run fewer models, cases or repeats)"
    )
    assert xai.calls() == []
    assert not (data_dir / "sessions").exists() or not any((data_dir / "sessions").iterdir())


def test_the_cap_stops_sending_and_a_resume_sends_the_rest(servers, point, capsys, one_at_a_time, data_dir) -> None:
    router = servers("openrouter")
    point("openrouter", router)
    code, out, err = _cli(capsys, "run", *_prompts(5), "--model", OPENROUTER, "--max-cost", "0.07")
    assert code == EXIT_OVER_BUDGET, err
    session_id = out.strip().splitlines()[0]
    assert "estimated cost: ≥ $0.00 + 1 model without a price" in err
    assert f"stopped at the spending cap of $0.07: 3 run(s) not sent; `imgbench sessions resume {session_id}`" in err
    # $0.0387 then $0.0774 >= $0.07: the third request is never sent.
    assert len(router.calls("POST")) == 2
    runs = Store(data_dir).load(session_id).runs
    sent = [r for r in runs if r.status == "succeeded"]
    held = [r for r in runs if r.status == "interrupted"]
    assert len(sent) == 2 and len(held) == 3
    assert all(r.error is not None and r.error.kind == "budget" and r.attempts == 0 for r in held)
    assert all("spending cap of $0.07 was reached ($0.077 recorded)" in r.error.message for r in held)  # type: ignore[union-attr]

    code, _, err = _cli(capsys, "sessions", "resume", session_id)
    assert code == EXIT_OK, err
    assert len(router.calls("POST")) == 5
    after = Store(data_dir).load(session_id)
    assert all(r.status == "succeeded" for r in after.runs)
    assert {r.id: r.images for r in after.runs if r.id in {s.id for s in sent}} == {r.id: r.images for r in sent}


def _billed(usd: float) -> Reply:
    item = {"b64_json": base64.b64encode(png_bytes()).decode(), "mime_type": "image/png"}
    return Reply(json={"data": [item], "usage": {"cost_in_usd_ticks": round(usd * 1e10)}})


def test_a_resume_is_estimated_and_capped_on_its_own(servers, point, capsys, one_at_a_time, data_dir) -> None:
    xai = servers("xai")
    point("xai", xai)
    # xAI bills $0.05 an image here, more than the table's $0.02: the estimate ($0.08) passes, the cap bites.
    xai.script("POST", "/v1/images/generations", *[_billed(0.05) for _ in range(4)])
    code, out, err = _cli(capsys, "run", *_prompts(4), "--model", XAI, "--max-cost", "0.09")
    session_id = out.strip().splitlines()[0]
    assert code == EXIT_OVER_BUDGET and len(xai.calls("POST")) == 2, err
    # Two held runs are estimated at $0.04: a resume capped below that sends nothing.
    code, _, err = _cli(capsys, "sessions", "resume", session_id, "--max-cost", "0.03")
    assert code == EXIT_OVER_BUDGET and "the estimated cost $0.04 of 2 run(s) is above the cap of $0.03" in err
    assert len(xai.calls("POST")) == 2
    # At $0.04 it starts; the first answer bills $0.05, so the last run is held again.
    code, _, err = _cli(capsys, "sessions", "resume", session_id, "--max-cost", "0.04")
    assert code == EXIT_OVER_BUDGET and "1 run(s) not sent" in err and len(xai.calls("POST")) == 3
    assert _cli(capsys, "sessions", "resume", session_id)[0] == EXIT_OK
    runs = Store(data_dir).load(session_id).runs
    assert len(xai.calls("POST")) == 4 and [r.cost_usd for r in runs] == [0.05] * 4


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "abc", "1e9"])
def test_a_bad_cap_is_one_line(capsys, value: str) -> None:
    code, _, err = _cli(capsys, "run", "--prompt", "x", "--model", "demo:mosaic", "--max-cost", value)
    assert code == EXIT_USAGE and len(err.strip().splitlines()) == 1 and "--max-cost" in err, err


def test_demo_models_cost_nothing_and_run_under_any_cap(capsys, fast_demo, data_dir) -> None:
    code, out, err = _cli(capsys, "run", *_prompts(2), "--model", "demo:mosaic", "--max-cost", "0.01")
    assert code == EXIT_OK and "estimated cost: $0.00 (cap $0.01)" in err, err
    exported = _cli(capsys, "sessions", "export", out.strip().splitlines()[0])[1]
    assert all(r["status"] == "succeeded" for r in json.loads(exported)["runs"])


def test_a_retry_is_a_new_request_and_is_held_at_the_cap(servers, point, capsys, config_dir, data_dir) -> None:
    (config_dir / "config.toml").write_text("[providers.openrouter]\nconcurrency = 2\n")
    router = servers("openrouter")
    point("openrouter", router)
    # The first request is told to come back in 0.5 s; meanwhile the other one is billed past the cap.
    busy = Reply(429, {"error": {"message": "slow down"}}, headers={"retry-after": "0.5"})
    router.script("POST", "/api/v1/chat/completions", busy)
    code, out, err = _cli(capsys, "run", *_prompts(2), "--model", OPENROUTER, "--max-cost", "0.03")
    assert code == EXIT_OVER_BUDGET, err
    runs = Store(data_dir).load(out.strip().splitlines()[0]).runs
    held = [r for r in runs if r.status == "interrupted"]
    assert len(router.calls("POST")) == 2 and len(held) == 1
    assert held[0].attempts == 1 and held[0].error is not None and held[0].error.kind == "budget"
