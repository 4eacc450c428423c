"""``imgbench judge`` end to end against loopback judge servers: verdicts stored as a judge's score with its record,
parents asked before children (a child of a failed parent never asked), the cache, the runner's retries and error
kinds, no model or file name ever sent, and the people's figures untouched by a judge."""

from __future__ import annotations

import asyncio
import zlib

import pytest

from providers.retry import RetryPolicy
from tests.providers.judge_loopback import JudgeLoopback, asked_ids
from tests.providers.loopback import Reply
from tui.cli.main import main
from tui.core.context import Context
from tui.core.judge_spec import resolve_judge
from tui.core.judging import JudgePass
from tui.core.model import Session

KEY = "PLANTED-KEY-judgepass-0123456789"
RATER = "judge:openai:vision-1"
FAST = RetryPolicy(max_attempts=3, base_s=0.01, cap_s=0.02)
CHECKS = ["a red cube", "  the cube sits on the table", "a wooden table", "soft light"]  # i2 is i1's child


@pytest.fixture
def session(fast_demo, capsys) -> Session:
    argv = ["run", "--prompt", "a red cube on a wooden table", "--model", "demo:mosaic", "--model", "demo:aurora"]
    for check in CHECKS:
        argv += ["--check", check]
    assert main([*argv, "--name", "secret-session-name", "-q"]) == 0
    session_id = capsys.readouterr().out.strip().splitlines()[-1]
    return Context().store.load(session_id)


@pytest.fixture
def judge_server(monkeypatch):
    started: list[JudgeLoopback] = []

    def start(verdicts: dict[str, str] | None = None) -> JudgeLoopback:
        server = JudgeLoopback("judge_openai", verdicts=verdicts).start()
        started.append(server)
        monkeypatch.setenv("IMGBENCH_OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        return server

    yield start
    for server in started:
        server.stop()


def judge(session: Session, items: str = "all", **kwargs) -> tuple[Session, object]:
    ctx = Context()
    spec = resolve_judge(ctx.registry, "openai:vision-1")
    result = asyncio.run(JudgePass(ctx.store, session, spec, items=items, retry=FAST, **kwargs).execute())
    return ctx.store.load(session.id), result


def item_ids(session: Session) -> list[str]:
    return [i.id for i in session.cases[0].checklist]


def test_verdicts_are_a_judges_score_with_its_record_and_children_of_a_failed_parent_are_not_asked(
    session, judge_server
) -> None:
    first, child, table, light = item_ids(session)
    server = judge_server({first: "fail", table: "partial"})
    scored, result = judge(session)
    assert result.failed == [] and result.outputs == 2
    for run in scored.runs:
        score = scored.score_of(run.id, RATER)
        assert score.kind == "judge" and not score.blind
        assert score.verdicts == {first: "fail", child: "fail", table: "partial", light: "pass"}
        record = score.judge
        assert record.judge == "openai:vision-1" and len(record.prompt_hash) == 64 and record.prompt_version == "1"
        assert record.skipped == [child] and "not asked" in record.evidence[child]
        assert record.evidence[table] == f"seen for {table}" and record.requests == 1 and record.attempts == 1
        assert record.latency_ms is not None and record.latency_ms > 0 and record.raw and not record.error
        assert record.cost_usd is None  # an unpriced model: unknown, never guessed
    asked = [asked_ids(r) for r in server.judge_calls()]
    assert all(child not in ids for ids in asked) and all(set(ids) == {first, table, light} for ids in asked)


def test_a_child_is_asked_once_its_parent_passed_in_a_second_request(session, judge_server) -> None:
    _first, child, *_ = item_ids(session)
    server = judge_server()
    scored, result = judge(session)
    assert result.requests == 4  # per output: the parents, then the child
    firsts = [asked_ids(r) for r in server.judge_calls()]
    assert sorted(map(len, firsts)) == [1, 1, 3, 3] and [child] in firsts
    assert all(scored.score_of(r.id, RATER).verdicts[child] == "pass" for r in scored.runs)


def test_the_judge_never_receives_model_session_or_file_names(session, judge_server) -> None:
    # A provider's file may carry metadata naming its maker (C2PA, a Software text chunk): it must not reach the judge.
    import io

    from PIL import Image, PngImagePlugin

    path = Context().store.abspath(session.id, session.runs[0].images[0].path)
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "made by demo:mosaic")
    out = io.BytesIO()
    Image.open(path).save(out, "PNG", pnginfo=info)
    path.write_bytes(out.getvalue())
    server = judge_server()
    judge(session)
    forbidden = ["mosaic", "aurora", "demo", session.id, "secret-session-name", ".png", "outputs/"]
    forbidden += [r.id for r in session.runs] + [im.path for r in session.runs for im in r.images]
    for rec in server.judge_calls():
        body = rec.body.decode()
        assert not [word for word in forbidden if word in body], rec.path
        for part in rec.json["messages"][1]["content"]:
            if part["type"] == "image_url":
                assert_bare_png(part["image_url"]["url"])


def assert_bare_png(uri: str) -> None:
    """Only the chunks pixels need (no tEXt, iTXt, zTXt, eXIf, iCCP, caBX that could name who made it)."""
    import base64

    data = base64.b64decode(uri.partition(",")[2])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, kinds = 8, []
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        kind = data[at + 4 : at + 8]
        assert zlib.crc32(kind + data[at + 8 : at + 8 + length]) == int.from_bytes(data[at + 8 + length :][:4], "big")
        kinds.append(kind.decode())
        at += 12 + length
    assert set(kinds) <= {"IHDR", "IDAT", "IEND", "PLTE", "tRNS"}, kinds


def test_a_second_pass_answers_from_the_cache_without_a_request(session, judge_server) -> None:
    server = judge_server()
    judge(session)
    before = len(server.judge_calls())
    scored, result = judge(session)
    assert len(server.judge_calls()) == before and result.requests == 0 and result.cached == 4 * 2
    record = scored.score_of(scored.runs[0].id, RATER).judge
    assert sorted(record.cached) == sorted(item_ids(session)) and record.requests == 0


def test_a_rate_limit_is_retried_and_an_auth_error_is_not_and_loses_nothing(session, judge_server, capsys) -> None:
    server = judge_server()
    server.script("POST", "/v1/chat/completions", Reply(429, {"error": {"message": "slow down"}}))
    scored, result = judge(session)
    attempts = sorted(scored.score_of(r.id, RATER).judge.attempts for r in scored.runs)
    assert result.failed == [] and attempts == [2, 3]  # one output's first request met the 429
    kept = {r.id: dict(scored.score_of(r.id, RATER).verdicts) for r in scored.runs}

    import shutil

    from tui.core import paths

    shutil.rmtree(paths.cache_dir() / "judge")  # else the cache answers and nothing is sent
    for _ in range(8):
        server.script("POST", "/v1/chat/completions", Reply(401, {"error": {"message": f"bad key {KEY}"}}))
    code = main(["judge", session.id, "--model", "openai:vision-1", "--items", "all", "-q"])
    err = capsys.readouterr().err
    assert code == 3 and "auth" in err and KEY[:12] not in err
    again = Context().store.load(session.id)
    assert {r.id: again.score_of(r.id, RATER).verdicts for r in again.runs} == kept  # nothing lost
    assert KEY[:12] not in again.score_of(again.runs[0].id, RATER).judge.error


def test_unscored_asks_only_what_this_judge_has_not_answered(session, judge_server) -> None:
    light = item_ids(session)[-1]
    server = judge_server()
    ctx = Context()

    def drop(s: Session) -> None:
        score = s.score_of(s.runs[0].id, RATER)
        del score.verdicts[light]

    judge(session)
    ctx.store.mutate(session.id, drop)
    calls = len(server.judge_calls())
    # the cache would answer: a new judge prompt for this test is the same as an empty cache
    scored, result = judge(ctx.store.load(session.id), items="unscored", cache=_empty_cache())
    new = [asked_ids(r) for r in server.judge_calls()[calls:]]
    assert new == [[light]] and result.outputs == 1
    assert scored.score_of(scored.runs[0].id, RATER).verdicts[light] == "pass"


def _empty_cache():
    import tempfile
    from pathlib import Path

    from tui.core.judge_cache import AnswerCache

    return AnswerCache(Path(tempfile.mkdtemp()))


def test_people_figures_leave_the_judge_out_and_the_judge_gets_its_own(session, judge_server, capsys) -> None:
    from tui.reports.report import report_data

    for slot in ("A", "B"):
        assert main(["score", session.id, "1", slot, "pfpp", "--rater", "ann"]) == 0
    ctx = Context()
    before = report_data(ctx.store.load(session.id), store=ctx.store)
    judge_server({item_ids(session)[2]: "fail"})
    scored, _ = judge(session)
    after = report_data(scored, store=ctx.store)
    assert after["models"] == before["models"] and after["session"]["raters"] == ["ann"]
    assert list(after["judges"]) == [RATER] and after["trust"][0]["human"] == "ann"
    judged = after["judges"][RATER]["models"]["demo:mosaic"]["pass"]
    assert judged["units"] == 4 and judged["rate"] == pytest.approx(0.75)


# -- hostile answers -------------------------------------------------------------------------------------------
VERDICT_WORDS = ["pass", "PASS", " fail ", "partial", "n/a", "na", "yes", "no", "maybe", "", "✓"]
CONTROL = "\x1b]52;c;aGk=\x07\x1b[2J\x9b\x00\u202e"


def _hostile_answers():
    from hypothesis import strategies as st

    def item(ids: list[str]):
        return st.fixed_dictionaries(
            {"id": st.sampled_from([*ids, "zz", ""]), "verdict": st.sampled_from(VERDICT_WORDS) | st.integers(),
             "evidence": st.text(max_size=40) | st.just(CONTROL * 50) | st.just("x" * 5000) | st.none()}
        )  # fmt: skip

    def build(ids: list[str]):
        import json

        items = st.lists(item(ids), max_size=6)
        whole = items.map(lambda xs: json.dumps({"items": xs}))
        cut = st.tuples(whole, st.integers(0, 200)).map(lambda t: t[0][: t[1]])
        fenced = whole.map(lambda t: f"```json\n{t}\n```")
        odd = st.sampled_from(['{"items": {}}', "[]", "null", '{"items": "pass"}', '{"verdicts": []}', CONTROL])
        return whole | cut | fenced | odd | st.text(max_size=100)

    return build


def test_hostile_answers_get_a_clear_error_and_lose_nothing(session, judge_server) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.providers.judge_loopback import chat_reply
    from tui.core.judge_cache import AnswerCache
    from tui.core.model import VERDICTS, JudgeRecord, Score
    from tui.core.safe_text import has_controls

    ids = item_ids(session)
    server = judge_server()
    store = Context().store
    prior = dict.fromkeys(ids, "partial")

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data) -> None:
        text = data.draw(_hostile_answers()(ids))

        def reset(s: Session) -> None:
            for run in s.runs:
                record = JudgeRecord("openai:vision-1", "1", "0" * 64)
                s.set_score(Score(run.id, RATER, dict(prior), kind="judge", judge=record))  # type: ignore[arg-type]

        store.mutate(session.id, reset)
        server._scripts.clear()
        for _ in range(4):
            server.script("POST", "/v1/chat/completions", chat_reply(text))
        cache = AnswerCache(store.root / "hostile-cache" / str(data.draw(st.integers(0, 10**9))))
        scored, result = judge(store.load(session.id), cache=cache)
        for run in scored.runs:
            score = scored.score_of(run.id, RATER)
            assert set(score.verdicts) == set(ids) and set(score.verdicts.values()) <= set(VERDICTS)
            record = score.judge
            answered = set(score.verdicts) - set(record.skipped)
            for item_id in answered:
                evidence = record.evidence.get(item_id, "")
                assert len(evidence) <= 300 and not has_controls(evidence.replace("\n", ""))
            assert all(len(raw) <= 4000 and not has_controls(raw.replace("\n", "").replace("\t", "")) for raw in
                       record.raw)  # fmt: skip
            assert "\n" not in record.error and not has_controls(record.error)
        for _run_id, message in result.failed:
            assert message.startswith("bad_response") or "bad_response" in message, message
            assert "\n" not in message

    check()


def test_a_huge_answer_is_refused_under_the_cap_and_nothing_is_lost(session, judge_server) -> None:
    server = judge_server()
    judge(session)
    kept = {r.id: Context().store.load(session.id).score_of(r.id, RATER).verdicts for r in session.runs}
    for _ in range(4):
        server.script("POST", "/v1/chat/completions", Reply(body=b'{"choices": "' + b"x" * (3 * 1024 * 1024) + b'"}'))
    scored, result = judge(session, cache=_empty_cache())
    assert len(result.failed) == 2 and all("byte cap" in m for _, m in result.failed)
    assert {r.id: scored.score_of(r.id, RATER).verdicts for r in scored.runs} == kept
