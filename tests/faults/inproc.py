"""Helpers for fault tests with the real Application and the in-process Bot API (`StubBotApi`).

- `deliver_together`: updates reach the application the way polling hands them over (in one
  batch through `application.update_queue`, handled concurrently by PTB's update processor).
- `answer_data`: the callback data of a value on the question a parent is looking at.
- `stored_answers`: the answers stored for a chat, as {question id: value or text}.
- `ErrorSpy`: counts what reaches the application's error handlers.
- `make_bot` / `InprocBot`: the real application with PTB's rate limiter on, as in production.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.clock import new_token
from bot.config import Settings
from bot.flow_model import get_flow
from bot.store import SqliteStore
from bot.store.records import Round
from bot.tg.app import build_application
from bot.tg.deps import Deps
from bot.tg.stub_api import SimulatedUser, StubBotApi


async def deliver_together(application: Application, updates: Iterable[dict[str, Any]]) -> None:  # type: ignore[type-arg]
    """Put updates on the update queue in order, as the poller does, and wait until handled.

    The application must be started (`await application.start()`).
    """
    for raw in updates:
        await application.update_queue.put(Update.de_json(raw, application.bot))
    await application.update_queue.join()


def current_question(user: SimulatedUser) -> tuple[dict[str, Any], str]:
    """The newest message with question buttons in the user's chat, and its question id."""
    for message in reversed(user.all_messages()):
        for data in button_data(message):
            parts = data.split("|")
            if parts[0] in ("a", "s") and len(parts) >= 4:
                return message, parts[3]
    raise AssertionError("no question with buttons in this chat")


def button_data(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [
        b["callback_data"]
        for row in markup.get("inline_keyboard", [])
        for b in row
        if "callback_data" in b
    ]


def answer_data(user: SimulatedUser, value: str) -> tuple[dict[str, Any], str]:
    """(message, callback data) of answering the current question with `value`."""
    message, _ = current_question(user)
    for data in button_data(message):
        if data.startswith("a|") and data.endswith(f"|{value}"):
            return message, data
    raise AssertionError(f"no answer button {value!r} on {button_data(message)}")


def tap(user: SimulatedUser, value: str) -> dict[str, Any]:
    """The update of tapping `value` on the current question."""
    message, data = answer_data(user, value)
    return user.callback_update(data, message)


async def stored_answers(store: SqliteStore, chat_id: int) -> dict[str, str | None]:
    rows = await store.run_read(
        "SELECT a.question_id, COALESCE(a.value, a.text) FROM answers a "
        "JOIN contacts c ON c.respondent_id = a.respondent_id WHERE c.chat_id = ?",
        (chat_id,),
    )
    return {r[0]: r[1] for r in rows}


async def current_of(store: SqliteStore, chat_id: int) -> str | None:
    """The question the stored session waits on."""
    rows = await store.run_read(
        "SELECT s.state FROM sessions s JOIN chats c ON c.active_respondent = s.respondent_id "
        "WHERE c.chat_id = ?",
        (chat_id,),
    )
    return json.loads(rows[0][0])["current"] if rows else None


def texts_of(messages: list[dict[str, Any]]) -> list[str]:
    return [str(m.get("text") or m.get("caption") or "") for m in messages]


@dataclass(eq=False)
class ErrorSpy:
    """An extra error handler that records every error the application dispatches."""

    errors: list[BaseException] = field(default_factory=list)

    async def __call__(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.error is not None:
            self.errors.append(context.error)

    def install(self, application: Application) -> ErrorSpy:  # type: ignore[type-arg]
        application.add_error_handler(self)
        return self


TOKEN = "123456:FAULTS-TEST-TOKEN"


@dataclass(eq=False)
class InprocBot:
    """The real application on a store and a `StubBotApi`, like the shared `bot` fixture, but
    with PTB's rate limiter on (as in production) unless asked otherwise."""

    deps: Deps
    api: StubBotApi
    application: Application  # type: ignore[type-arg]
    store: SqliteStore
    next_user: int = 50_000

    def user(self, language_code: str | None = "nl") -> SimulatedUser:
        self.next_user += 1
        return SimulatedUser(
            self.application, self.api, user_id=self.next_user, language_code=language_code
        )

    async def open_round(self, flow_id: str = "barometer-ouders") -> Round:
        now = self.deps.clock()
        school = await self.store.add_school("Basisschool De Regenboog", now)
        flow = get_flow(flow_id)
        return await self.store.open_round(
            school_id=school.id,
            flow_id=flow.id,
            flow_version=flow.version,
            audience=flow.audience.value,
            token=new_token(),
            at=now,
            closes_at=now + timedelta(days=14),
        )

    async def joined(self, opened: Round, language_code: str = "nl") -> SimulatedUser:
        """A parent who followed the link and took the proposed language: question 1 is out."""
        parent = self.user(language_code)
        await parent.command("/start", opened.start_token)
        menu = parent.last_with_keyboard()
        assert menu is not None
        first = menu["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        await parent.press_data(first, menu)
        return parent


async def make_bot(
    store: SqliteStore, api: StubBotApi | None = None, *, rate_limit: bool = True
) -> InprocBot:
    api = api or StubBotApi()
    cache = Path(store.path).parent / "audio-cache"
    settings = Settings(
        TELEGRAM_BOT_TOKEN=TOKEN, OUDERSTEM_DB=store.path, OUDERSTEM_AUDIO_CACHE=str(cache)
    )
    deps = Deps(settings=settings, store=store)
    application = build_application(deps, request=api.request(), rate_limit=rate_limit)
    await application.initialize()
    return InprocBot(deps, api, application, store)
