"""A trace of what a bot process under test does per update, for diagnosing e2e runs (issue 13).

With ``OUDERSTEM_E2E_TRACE=<file>`` in its environment, `tests.faults.unthrottled_bot` installs
this before the bot starts. Each line is tab-separated: monotonic-free wall time, pid, event,
update id, chat id, details. Test processes only: the bot's own logs never hold chat ids.

    arrive   an update reached the processor (before its chat's turn)
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
from collections.abc import AsyncIterator, Awaitable
from typing import IO, Any

from telegram import Bot, Update

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


def install() -> None:
    """Wrap the processor and Bot._post when the environment asks for a trace."""
    global _out
    path = os.environ.get(ENV)
    if not path:
        return
    _out = open(path, "a", encoding="utf-8")  # noqa: SIM115 - for the process's life

    processor = tg_deps.ChatOrderedProcessor
    original_process = processor.do_process_update
    original_shared = processor._shared

    async def do_process_update(self: Any, update: object, coroutine: Awaitable[Any]) -> None:
        uid = update.update_id if isinstance(update, Update) else "?"
        chat = update.effective_chat if isinstance(update, Update) else None
        UPDATE.set(uid)
        _line("arrive", uid, chat.id if chat else None)
        try:
            await original_process(self, update, coroutine)
        except BaseException as exc:
            _line("done", uid, chat.id if chat else None, type(exc).__name__)
            raise
        _line("done", uid, chat.id if chat else None, "ok")

    def _shared(self: Any, chat_id: int | None) -> Any:
        inner = original_shared(self, chat_id)

        @contextlib.asynccontextmanager
        async def traced() -> AsyncIterator[None]:
            async with inner:
                _line("turn", UPDATE.get(), chat_id)
                yield
            _line("free", UPDATE.get(), chat_id)

        return traced()

    processor.do_process_update = do_process_update  # type: ignore[method-assign]
    processor._shared = _shared  # type: ignore[method-assign]

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
