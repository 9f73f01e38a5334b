"""`bot.tg.requests.LeanRequest`: the same Bot API call as PTB's own `HTTPXRequest` would make
(as one JSON body instead of a form), PTB's errors, and PTB's path for uploads (issue 16: the
shorter request path)."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import parse_qsl

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.tg.requests import LeanRequest
from bot.tg.stub_api import StubBotApi, error_response

TOKEN = "123456:TEST-TOKEN"
KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("🙂 ja", callback_data="a|1|1|q1|4")],
        [InlineKeyboardButton("ⓘ", url="https://example.org/a b")],
    ]
)


def _capturing(
    api: StubBotApi, seen: list[httpx.Request]
) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return api.handle(request)  # type: ignore[no-any-return]

    return handle


async def _send_with(make: type[HTTPXRequest]) -> tuple[httpx.Request, int]:
    api = StubBotApi()
    seen: list[httpx.Request] = []
    request = make(httpx_kwargs={"transport": httpx.MockTransport(_capturing(api, seen))})
    async with Bot(TOKEN, request=request, get_updates_request=request) as bot:
        message = await bot.send_message(42, "Vraag 1 van 22: hoe gaat het?", reply_markup=KEYBOARD)
    return seen[-1], message.message_id


def _form_fields(request: httpx.Request) -> dict[str, object]:
    """What Telegram reads from PTB's form: each field's JSON value, strings as they are."""
    fields = dict(parse_qsl(request.content.decode()))
    return {key: value if key in ("text",) else json.loads(value) for key, value in fields.items()}


async def test_a_call_without_files_carries_what_ptbs_form_would_as_json() -> None:
    plain, plain_id = await _send_with(HTTPXRequest)
    lean, lean_id = await _send_with(LeanRequest)

    assert (lean.method, str(lean.url)) == (plain.method, str(plain.url))
    assert plain.headers["content-type"] == "application/x-www-form-urlencoded"
    assert lean.headers["content-type"] == "application/json"
    assert json.loads(lean.content) == _form_fields(plain)  # every field, keyboard included
    assert "Vraag 1 van 22" in lean.content.decode()  # UTF-8 text as it is, not escaped
    for header in ("user-agent", "accept", "accept-encoding", "host"):
        assert lean.headers.get(header) == plain.headers.get(header), header
    assert lean.headers["content-length"] == str(len(lean.content))
    assert lean_id == plain_id  # Telegram's answer parsed as before


async def test_text_that_looks_like_a_number_stays_text() -> None:
    """A form sends strings as they are, so a reader cannot tell "12" from 12; JSON can."""
    api = StubBotApi()
    request = LeanRequest(httpx_kwargs={"transport": api.transport()})
    async with Bot(TOKEN, request=request, get_updates_request=request) as bot:
        await bot.send_message(7, "12")
    assert api.calls[-1][1] == {"chat_id": 7, "text": "12"}


async def test_the_stub_reads_what_the_lean_request_sent() -> None:
    api = StubBotApi()
    request = LeanRequest(httpx_kwargs={"transport": api.transport()})
    async with Bot(TOKEN, request=request, get_updates_request=request) as bot:
        await bot.send_message(7, "hallo", reply_markup=KEYBOARD)
        await bot.answer_callback_query("99", text="✅")

    (_, sent), (_, answered) = [call for call in api.calls if call[0] != "getMe"]
    assert sent["chat_id"] == 7 and sent["text"] == "hallo"
    assert sent["reply_markup"] == KEYBOARD.to_dict()
    assert answered == {"callback_query_id": "99", "text": "✅"}  # a string, as Telegram's id


def _failing(exc: Exception) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/getMe"):
            return StubBotApi().handle(request)  # type: ignore[no-any-return]
        raise exc

    return httpx.MockTransport(handle)


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (httpx.ReadTimeout("slow"), TimedOut),
        (httpx.PoolTimeout("full"), TimedOut),
        (httpx.ConnectError("refused"), NetworkError),
    ],
)
async def test_transport_errors_are_ptbs(raised: Exception, expected: type[Exception]) -> None:
    request = LeanRequest(httpx_kwargs={"transport": _failing(raised)})
    async with Bot(TOKEN, request=request, get_updates_request=request) as bot:
        with pytest.raises(expected):
            await bot.send_message(1, "x")


async def test_telegram_errors_are_ptbs() -> None:
    api = StubBotApi(fault=lambda method, params: error_response(429, "Too Many Requests", 3))
    request = LeanRequest(httpx_kwargs={"transport": api.transport()})
    bot = Bot(TOKEN, request=request, get_updates_request=request)
    with pytest.raises(RetryAfter):
        await bot.send_message(1, "x")
    await request.shutdown()


async def test_an_upload_takes_ptbs_path() -> None:
    api = StubBotApi()
    seen: list[httpx.Request] = []
    request = LeanRequest(httpx_kwargs={"transport": httpx.MockTransport(_capturing(api, seen))})
    async with Bot(TOKEN, request=request, get_updates_request=request) as bot:
        await bot.send_document(5, b"%PDF-1.4 report", filename="rapport.pdf")

    assert seen[-1].headers["content-type"].startswith("multipart/form-data")
    assert api.calls[-1][1]["document"]["filename"] == "rapport.pdf"


async def test_switched_off_it_is_httpxrequest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LeanRequest, "short", False)
    lean, _ = await _send_with(LeanRequest)
    plain, _ = await _send_with(HTTPXRequest)
    assert lean.content == plain.content


async def test_the_form_body_is_still_ptbs_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """`json_body = False` (the bench's 'before') sends exactly PTB's form."""
    monkeypatch.setattr(LeanRequest, "json_body", False)
    lean, _ = await _send_with(LeanRequest)
    plain, _ = await _send_with(HTTPXRequest)
    assert lean.content == plain.content
    assert lean.headers["content-type"] == plain.headers["content-type"]
