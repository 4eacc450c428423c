"""The offline demo judge: deterministic verdicts from the pixels, labelled as a demo wherever they show, and the
whole judge flow (CLI, cache, report's trust table) with no key at all."""

from __future__ import annotations

import asyncio

from providers.base import CallContext
from providers.judge_base import JudgeImage, JudgeRequest, Question
from providers.judge_demo import DemoJudge
from tests.providers.loopback import png_bytes
from tui.cli.main import main
from tui.core.context import Context


def _ask(image: bytes, questions: tuple[Question, ...]) -> dict[str, str]:
    answer = asyncio.run(DemoJudge().judge(JudgeRequest("pixels", "p", questions, JudgeImage(image)), CallContext()))
    assert all("demo judge, not a model" in a.evidence for a in answer.items.values())
    return {k: a.verdict for k, a in answer.items.items()}


def test_same_pixels_same_verdicts_other_pixels_other_verdicts() -> None:
    questions = tuple(Question(f"c{i}", f"criterion {i}") for i in range(40))
    flat, busy = png_bytes((64, 64), (128, 128, 128)), _noise()
    assert _ask(flat, questions) == _ask(flat, questions)
    assert _ask(busy, questions) != _ask(flat, questions)
    assert set(_ask(busy, questions).values()) <= {"pass", "fail", "partial", "na"}


def _noise() -> bytes:
    import io
    import random

    from PIL import Image

    rng = random.Random(1)
    img = Image.new("RGB", (64, 64))
    img.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(64 * 64)])
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def test_the_demo_judge_flow_works_offline_and_is_labelled(fast_demo, capsys) -> None:
    argv = ["run", "--prompt", "a cube", "--model", "demo:mosaic", "--model", "demo:aurora", "-q"]
    for check in ("a cube", "  a red one", "a table"):
        argv += ["--check", check]
    assert main(argv) == 0
    session_id = capsys.readouterr().out.split()[-1]
    assert main(["score", session_id, "1", "A", "ppf", "--rater", "ann"]) == 0
    assert main(["score", session_id, "1", "B", "fpp", "--rater", "ann"]) == 0
    assert main(["judge", session_id, "--model", "demo:pixels"]) == 0
    err = capsys.readouterr().err
    assert "judge:demo:pixels (demo: from the pixels, not a model)" in err and "2 outputs" in err
    assert main(["judge", session_id, "--model", "demo:pixels", "-q"]) == 0
    assert "from the cache" in capsys.readouterr().err
    session = Context().store.load(session_id)
    scores = [s for s in session.scores if s.kind == "judge"]
    assert len(scores) == 2 and all(s.judge.demo and s.rater == "judge:demo:pixels" for s in scores)
    assert main(["report", session_id]) == 0
    report = capsys.readouterr().out
    assert "## Can the judge be trusted here?" in report and "judge:demo:pixels (demo) vs ann" in report
    assert "raters: ann" in report  # the people's line names people only


def test_unknown_judges_and_wrong_apis_are_one_line_errors(fast_demo, capsys) -> None:
    assert main(["run", "--prompt", "a cube", "--model", "demo:mosaic", "-q"]) == 0
    session_id = capsys.readouterr().out.split()[-1]
    for model, api, said in [
        ("fal:some-model", None, "cannot judge"),
        ("demo:other", None, "demo:pixels"),
        ("gemini:gemini-2.5-flash", "responses", "judges over gemini"),
        ("openai:gpt-4.1-mini", None, "no API key"),
        ("nocolon", None, "PROVIDER:MODEL"),
    ]:
        assert main(["judge", session_id, "--model", model, *(["--api", api] if api else [])]) == 2
        err = capsys.readouterr().err
        assert said in err and err.count("\n") == 1, err
