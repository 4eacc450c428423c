"""Issue 11, findings 3, 4 and 12: what a provider answers is someone else's text. A key echoed in a success
answer or cut across a truncation never reaches a file or the terminal; an image URL never reaches a private
address."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from providers.errors import redact
from tests.robustness.answer_server import Answer, AnswerServer, Request
from tests.robustness.fuzz_support import run_main
from tests.robustness.hostile_support import files_containing, png

KEY = "PLANTED-KEY-echo-9f8e7d6c5b4a39281706"


def _echo_answer(request: Request, image: str) -> Answer:
    """OpenAI's shape, repeating the key it is sent: in a success answer's ``revised_prompt`` and ``usage``, or in
    an error body, placed to straddle every cut imgbench makes (120, 160 and 300 characters)."""
    key, body = request.headers.get("authorization", "").removeprefix("Bearer "), request.body
    if b"succeed" in body:
        return Answer(
            200,
            {
                "created": 1,
                "data": [{"b64_json": image, "revised_prompt": f"a cube, as {key} asked"}],
                "usage": {"input_tokens": 3, "note": f"billed to {key}", key: {"nested": key}},
            },
        )
    if b"json cut" in body:  # the key across the 300-character cut of a JSON message
        return Answer(400, {"error": {"message": "x" * 290 + key, "code": "bad"}})
    if b"html cut" in body:  # and across the 160-character cut of an HTML page
        return Answer(502, f"<html><title>{'y' * 150}{key}</title></html>", {"Content-Type": "text/html"})
    return Answer(400, "z" * 295 + key, {"Content-Type": "text/plain"})  # plain text, across the 300-character cut


@pytest.fixture
def echo(monkeypatch: pytest.MonkeyPatch, config_dir: Path) -> Iterator[AnswerServer]:
    image = base64.b64encode(png((200, 30, 30), (24, 16))).decode()
    with AnswerServer(lambda request: _echo_answer(request, image)) as server:
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("IMGBENCH_OPENAI_BASE_URL", f"{server.url}/v1")
        (config_dir / "config.toml").write_text("[providers.openai]\nmax_attempts = 1\n")
        yield server


def _everything_written(data_dir: Path, tmp_path: Path, session_id: str) -> str:
    """stdout and stderr of export, report (md, json, html) and list, for the scan."""
    text = ""
    for argv in (
        ["sessions", "export", session_id],
        ["report", session_id],
        ["report", session_id, "--format", "json"],
        ["report", session_id, "--format", "html"],
        ["sessions", "list", "--json"],
    ):
        code, out, err = run_main(argv)
        assert code == 0, err
        text += out + err
    return text


def test_a_key_echoed_in_a_success_answer_is_never_stored(echo: AnswerServer, data_dir: Path, tmp_path: Path) -> None:
    code, out, err = run_main(["run", "--prompt", "succeed please", "--model", "openai:gpt-image-2"])
    assert code == 0, err
    session_id = out.strip()
    raw = (data_dir / "sessions" / session_id / "session.json").read_text()
    assert "[redacted]" in raw and "a cube, as [redacted] asked" in raw  # the answer is kept, the key is not
    shown = err + _everything_written(data_dir, tmp_path, session_id)
    assert KEY[:8] not in shown
    assert not files_containing(data_dir, KEY[:8].encode())


@pytest.mark.parametrize("prompt", ["json cut", "html cut", "plain cut"])
def test_a_key_cut_by_a_truncation_is_redacted_whole(
    echo: AnswerServer, data_dir: Path, tmp_path: Path, prompt: str
) -> None:
    code, out, err = run_main(["run", "--prompt", prompt, "--model", "openai:gpt-image-2"])
    assert code == 3, err
    session_id = out.strip()
    session = json.loads((data_dir / "sessions" / session_id / "session.json").read_text())
    message = session["runs"][0]["error"]["message"]
    assert "[reda" in message and KEY[:8] not in message, message  # (the cut may fall inside "[redacted]")
    shown = err + _everything_written(data_dir, tmp_path, session_id)
    assert KEY[:8] not in shown, "a prefix of the key survived the cut"
    assert not files_containing(data_dir, KEY[:8].encode())


def test_redaction_catches_any_prefix_of_eight_or_more() -> None:
    for n in range(8, len(KEY) + 1):
        assert redact(f"said {KEY[:n]}", [KEY]) == "said [redacted]", n
    assert redact(f"said {KEY[:7]}", [KEY]) == f"said {KEY[:7]}"  # seven characters say nothing
    assert redact(f"{KEY}{KEY} and {KEY[:12]}.", [KEY]) == "[redacted][redacted] and [redacted]."
    assert redact("short key abcd here", ["abcd"]) == "short key [redacted] here"


# -- finding 12: image URLs lead only to public addresses -------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data/",  # the cloud metadata address
        "https://10.0.0.7/image.png",
        "https://192.168.1.1/image.png",
        "https://[fd00::1]/image.png",
        "https://[::ffff:10.0.0.7]/image.png",
        "https://127.0.0.1:9/image.png",  # loopback, and no configured base URL is loopback
        "https://localhost/image.png",
        "https://internal.example/image.png",  # a name that resolves to a private address
    ],
)
async def test_image_urls_to_private_addresses_are_refused(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    import httpx

    from providers import addresses
    from providers.base import ProviderError
    from providers.http import download_image

    async def getaddrinfo(host, port, **_kw):
        return [(2, 1, 6, "", ("10.1.2.3", port))]

    monkeypatch.setattr(addresses, "LOOPBACK_ALLOWED", False)  # as on a user's machine
    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", getaddrinfo)
    async with httpx.AsyncClient() as client:
        with pytest.raises(ProviderError) as caught:
            await download_image(client, url, provider="p", trusted=("https://api.provider.example/v1",))
    assert caught.value.kind == "bad_response" and "not public" in caught.value.message


async def test_a_download_connects_to_the_address_it_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The name is resolved once and checked; the connection goes to that address (with the name as Host), so a
    second DNS answer (rebinding to an internal address) is never used."""
    import asyncio

    import httpx

    from providers.http import download_image

    seen: list[str] = []
    image = png((1, 2, 3))

    def answer(request: Request) -> Answer:
        seen.append(request.headers.get("host", ""))
        return Answer(200, image, {"Content-Type": "image/png"})

    from providers import addresses

    monkeypatch.setattr(addresses, "LOOPBACK_ALLOWED", False)  # loopback only through the configured base URL
    with AnswerServer(answer) as server:
        port = server.server.server_address[1]
        answers = iter([[(2, 1, 6, "", ("127.0.0.1", port))], [(2, 1, 6, "", ("10.9.9.9", port))]])

        async def getaddrinfo(host, port, **_kw):
            return next(answers)

        monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", getaddrinfo)
        async with httpx.AsyncClient() as client:
            url = f"http://cdn.provider.test:{port}/i.png"
            got = await download_image(client, url, provider="p", trusted=(f"http://127.0.0.1:{port}",))
    assert got.data == image and seen == [f"cdn.provider.test:{port}"]
