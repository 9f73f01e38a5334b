"""A trace of what a bot process under test does per update, for diagnosing e2e runs (issue 13).

With ``OUDERSTEM_E2E_TRACE=<file>`` in its environment, `tests.faults.unthrottled_bot` installs
this before the bot starts. Each line is tab-separated: monotonic-free wall time, pid, event,
update id, chat id, details. Test processes only: the bot's own logs never hold chat ids.

    arrive   an update reached the processor (before its chat's turn; its id once parsed)
    turn     the chat's turn was taken (across workers on PostgreSQL)
    free     the chat's turn was let go
    done     the update was handled (or failed: details say which)
    call     a Bot API call began: method, question id of its keyboard (sendMessage)
    called   it returned (ok) or raised (the exception's class)
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import time
from collections.abc import AsyncIterator
from typing import IO, Any

from telegram import Bot, Update
from telegram.ext import Application

from bot.tg import deps as tg_deps

ENV = "OUDERSTEM_E2E_TRACE"
_out: IO[str] | None = None
UPDATE: contextvars.ContextVar[object] = contextvars.ContextVar("trace_update", default="-")


def _line(event: str, update_id: object, chat_id: object, details: str = "") -> None:
    if _out is None:
        return
    _out.write(f"{time.time():.4f}\t{os.getpid()}\t{event}\t{update_id}\t{chat_id}\t{details}\n")
    _out.flush()


def _question(params: dict[str, Any]) -> str:
    markup = params.get("reply_markup")
    if markup is None:
        return ""
    if not isinstance(markup, dict | str):
        markup = markup.to_dict()
    if isinstance(markup, str):
        markup = json.loads(markup)
    for row in markup.get("inline_keyboard", []):
        for button in row:
            parts = str(button.get("callback_data", "")).split("|")
            if parts[0] in ("a", "s", "d", "o", "h") and len(parts) >= 4:
                return parts[3]
    return ""


def _traced_turn(shared: Any) -> Any:
    """The processor's turn across workers, with a line when it is taken and let go."""

    def traced(chat_id: int) -> Any:
        @contextlib.asynccontextmanager
        async def turn() -> AsyncIterator[None]:
            async with shared(chat_id):
                _line("turn", UPDATE.get(), chat_id)
                yield
            _line("free", UPDATE.get(), chat_id)

        return turn()

    traced.traced = True  # type: ignore[attr-defined]
    return traced


def install() -> None:
    """Wrap the processor and Bot._post when the environment asks for a trace."""
    global _out
    path = os.environ.get(ENV)
    if not path:
        return
    _out = open(path, "a", encoding="utf-8")  # noqa: SIM115 - for the process's life

    processor = tg_deps.ChatOrderedProcessor
    original_in_turn = processor._in_turn  # every update's way in: polled, webhook or PTB's own
    original_process = Application.process_update

    async def _in_turn(self: Any, chat_id: int | None, work: Any) -> None:
        shared = self.shared_turn
        if shared is not None and not getattr(shared, "traced", False):
            self.shared_turn = _traced_turn(shared)
        _line("arrive", UPDATE.get(), chat_id)
        try:
            await original_in_turn(self, chat_id, work)
        except BaseException as exc:
            _line("done", UPDATE.get(), chat_id, type(exc).__name__)
            raise
        _line("done", UPDATE.get(), chat_id, "ok")

    async def process_update(self: Any, update: object) -> None:
        if isinstance(update, Update):  # parsed once its turn came: from here on, its id
            UPDATE.set(update.update_id)
        await original_process(self, update)

    processor._in_turn = _in_turn  # type: ignore[method-assign]
    Application.process_update = process_update  # type: ignore[method-assign]

    original_post = Bot._post

    async def _post(
        self: Bot, endpoint: str, data: dict[str, Any] | None = None, *a: Any, **k: Any
    ) -> Any:
        params = data or {}
        uid = UPDATE.get()
        chat = params.get("chat_id", "")
        details = f"{endpoint} {_question(params)} {params.get('message_id', '')}".strip()
        _line("call", uid, chat, details)
        try:
            result = await original_post(self, endpoint, data, *a, **k)
        except BaseException as exc:
            _line("called", uid, chat, f"{details} {type(exc).__name__}")
            raise
        message_id = result.get("message_id", "") if isinstance(result, dict) else ""
        _line("called", uid, chat, f"{details} ok {message_id}")
        return result

    Bot._post = _post  # type: ignore[method-assign]
