"""An in-process Bot API: an httpx transport that answers PTB like Telegram would, offline.

`ouderstem demo`, the tests and the benchmarks run the real Application (real handlers, real
Bot API wire format: form-encoded and multipart requests, JSON responses) against it, so there is
no separate code path for "no token". `SimulatedUser` plays a person: it builds real `Update`
JSON (commands with their entity, button presses with the message they belong to) and reads
what the bot sent to its chat.

Faults can be injected per call (`StubBotApi.fault`), e.g. 429 with retry_after, 403, 5xx.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl

import httpx
from telegram import Update
from telegram.ext import Application
from telegram.request import HTTPXRequest

Fault = Callable[[str, dict[str, Any]], httpx.Response | None]

BOT_ID = 700_000_001


def _ok(result: Any) -> httpx.Response:
    return httpx.Response(200, json={"ok": True, "result": result})


def error_response(code: int, description: str, retry_after: int | None = None) -> httpx.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return httpx.Response(code, json=body)


def _parse(request: httpx.Request) -> dict[str, Any]:
    """PTB sends form fields with JSON-encoded values, or multipart when a file is uploaded."""
    content_type = request.headers.get("content-type", "")
    raw = request.content
    fields: dict[str, Any] = {}
    if content_type.startswith("multipart/form-data"):
        message = BytesParser().parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
        )
        for part in message.walk():
            if part.is_multipart():
                continue
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            filename = part.get_filename()
            if filename:
                fields[str(name)] = {"filename": filename, "size": len(data)}
            else:
                fields[str(name)] = data.decode()
    elif content_type.startswith("application/json"):
        return dict(json.loads(raw or b"{}"))
    else:
        fields = dict(parse_qsl(raw.decode()))
    parsed: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, str):
            try:
                parsed[key] = json.loads(value)
            except ValueError:
                parsed[key] = value
        else:
            parsed[key] = value
    return parsed


@dataclass
class StubBotApi:
    """Answers Bot API methods and remembers every message per chat."""

    username: str = "OuderstemBot"
    fault: Fault | None = None
    clock: Callable[[], float] = time.time
    messages: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # chat id -> sent
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))  # type: ignore[type-arg]
    record_calls: bool = True
    files: dict[str, bytes] = field(default_factory=dict)  # file id -> what a download returns

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def request(self) -> HTTPXRequest:
        """A PTB request object that talks to this stub instead of the network."""
        return HTTPXRequest(httpx_kwargs={"transport": self.transport()}, connection_pool_size=512)

    def me(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Ouderstem",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/file/"):  # a download of a file getFile described
            name = request.url.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            return httpx.Response(200, content=self.files.get(name, b""))
        method = request.url.path.rsplit("/", 1)[-1]
        params = _parse(request)
        if self.record_calls:
            self.calls.append((method, params))
        if self.fault is not None:
            injected = self.fault(method, params)
            if injected is not None:
                return injected
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _ok(True)  # setMyCommands, sendChatAction, deleteWebhook, ...
        return handler(params)  # type: ignore[no-any-return]

    # ---- methods -------------------------------------------------------------------------------

    def _m_getMe(self, params: dict[str, Any]) -> httpx.Response:
        return _ok(self.me())

    def _m_getUpdates(self, params: dict[str, Any]) -> httpx.Response:
        return _ok([])

    def _new_message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._ids),
            "date": int(self.clock()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": self.me(),
            **{k: v for k, v in content.items() if v is not None},
        }
        self.messages.setdefault(chat_id, []).append(message)
        return message

    def _m_sendMessage(self, params: dict[str, Any]) -> httpx.Response:
        chat_id = int(params["chat_id"])
        text = str(params.get("text", ""))
        if not text or len(text) > 4096:
            return error_response(400, "Bad Request: message text is empty or too long")
        return _ok(self._new_message(chat_id, text=text, reply_markup=params.get("reply_markup")))

    def _media(self, kind: str, params: dict[str, Any]) -> httpx.Response:
        chat_id = int(params["chat_id"])
        media = params.get(kind)
        file_id = media if isinstance(media, str) else f"{kind}-{next(self._ids)}"
        payload: dict[str, Any] = {"file_id": file_id, "file_unique_id": file_id}
        if kind == "photo":
            payload = [{**payload, "width": 1, "height": 1}]  # type: ignore[assignment]
        elif kind == "voice":
            payload["duration"] = 1
        message = self._new_message(
            chat_id, caption=params.get("caption"), reply_markup=params.get("reply_markup")
        )
        message[kind] = payload
        if isinstance(media, dict):
            message["upload"] = media
        return _ok(message)

    def _m_sendPhoto(self, params: dict[str, Any]) -> httpx.Response:
        return self._media("photo", params)

    def _m_sendDocument(self, params: dict[str, Any]) -> httpx.Response:
        return self._media("document", params)

    def _m_sendVoice(self, params: dict[str, Any]) -> httpx.Response:
        return self._media("voice", params)

    def _find(self, params: dict[str, Any]) -> dict[str, Any] | None:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        for message in self.messages.get(chat_id, []):
            if message["message_id"] == message_id:
                return message
        return None

    def _m_editMessageText(self, params: dict[str, Any]) -> httpx.Response:
        message = self._find(params)
        if message is None:
            return error_response(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if message.get("text") == params.get("text") and message.get("reply_markup") == markup:
            return error_response(400, "Bad Request: message is not modified")
        message["text"] = params.get("text")
        message["edited"] = True
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return _ok(message)

    def _m_deleteMessage(self, params: dict[str, Any]) -> httpx.Response:
        message = self._find(params)
        if message is None or message.get("deleted"):
            return error_response(400, "Bad Request: message to delete not found")
        message["deleted"] = True  # kept in the list (marked), so `replies()` keeps its place
        return _ok(True)

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> httpx.Response:
        message = self._find(params)
        if message is None:
            return error_response(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if message.get("reply_markup") == markup:
            return error_response(400, "Bad Request: message is not modified")
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return _ok(message)

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> httpx.Response:
        return _ok(True)

    def _m_getFile(self, params: dict[str, Any]) -> httpx.Response:
        file_id = str(params.get("file_id"))
        return _ok(
            {"file_id": file_id, "file_unique_id": file_id, "file_path": f"voice/{file_id}.oga"}
        )


_update_ids = itertools.count(1)


@dataclass
class SimulatedUser:
    """One person in a private chat with the bot (or a member of a group, with `chat_id < 0`)."""

    application: Application  # type: ignore[type-arg]
    api: StubBotApi
    user_id: int
    language_code: str | None = "nl"
    chat_id: int | None = None
    first_name: str = "Ouder"
    seen: int = 0  # messages of this chat already returned by `replies`

    def __post_init__(self) -> None:
        if self.chat_id is None:
            self.chat_id = self.user_id

    # ---- building updates ---------------------------------------------------------------------

    def _user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def _chat(self) -> dict[str, Any]:
        assert self.chat_id is not None
        if self.chat_id > 0:
            return {"id": self.chat_id, "type": "private", "first_name": self.first_name}
        return {"id": self.chat_id, "type": "group", "title": "Klasgroep"}

    def message_update(self, update_id: int | None = None, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self.api._ids),
            "date": int(self.api.clock()),
            "chat": self._chat(),
            "from": self._user(),
            **content,
        }
        return {"update_id": update_id or next(_update_ids), "message": message}

    def command_update(self, command: str, *args: str) -> dict[str, Any]:
        text = " ".join((command, *args))
        entity = {"type": "bot_command", "offset": 0, "length": len(command)}
        return self.message_update(text=text, entities=[entity])

    def callback_update(self, data: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
        message = (
            message
            or self.last_with_keyboard()
            or {
                "message_id": 1,
                "date": int(self.api.clock()),
                "chat": self._chat(),
                "from": self.api.me(),
                "text": "?",
            }
        )
        query = {
            "id": str(next(_update_ids)),
            "from": self._user(),
            "chat_instance": str(self.chat_id),
            "message": message,
            "data": data,
        }
        return {"update_id": next(_update_ids), "callback_query": query}

    # ---- acting -------------------------------------------------------------------------------

    async def send(self, raw: dict[str, Any]) -> list[dict[str, Any]]:
        """Deliver one update through the whole Application, then return the new replies."""
        await self.application.process_update(Update.de_json(raw, self.application.bot))
        return self.replies()

    async def command(self, command: str, *args: str) -> list[dict[str, Any]]:
        return await self.send(self.command_update(command, *args))

    async def text(self, text: str) -> list[dict[str, Any]]:
        return await self.send(self.message_update(text=text))

    async def press(self, label: str) -> list[dict[str, Any]]:
        """Tap the button whose label contains `label` on the latest message with a keyboard."""
        message = self.last_with_keyboard()
        if message is None:
            raise AssertionError("no message with buttons to press")
        for row in message["reply_markup"]["inline_keyboard"]:
            for button in row:
                if label in button["text"] and "callback_data" in button:
                    return await self.send(self.callback_update(button["callback_data"], message))
        raise AssertionError(f"no button {label!r} in {button_labels(message)}")

    async def press_data(
        self, data: str, message: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        return await self.send(self.callback_update(data, message))

    # ---- reading ------------------------------------------------------------------------------

    def all_messages(self) -> list[dict[str, Any]]:
        assert self.chat_id is not None
        return self.api.messages.get(self.chat_id, [])

    def replies(self) -> list[dict[str, Any]]:
        """Messages the bot sent to this chat since the last call."""
        messages = self.all_messages()
        new = messages[self.seen :]
        self.seen = len(messages)
        return new

    def last_with_keyboard(self) -> dict[str, Any] | None:
        for message in reversed(self.all_messages()):
            markup = message.get("reply_markup") or {}
            if markup.get("inline_keyboard"):
                return message
        return None

    def last_text(self) -> str:
        messages = self.all_messages()
        return (
            str(messages[-1].get("text") or messages[-1].get("caption") or "") if messages else ""
        )


def button_labels(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]
