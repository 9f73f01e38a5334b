"""The chat-ordered processor holds the store's shared chat turn (issue 13: several workers)
around each update, inside the in-process turn; a turn that cannot be taken fails the update
(the webhook answers 500 and Telegram delivers it again) without leaving it half-started."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from telegram import Update

from bot.errors import StoreError
from bot.tg.deps import ChatOrderedProcessor


def message_update(update_id: int, chat_id: int) -> Update:
    chat = {"id": chat_id, "type": "private", "first_name": "Ouder"}
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {"message_id": 1, "date": 0, "chat": chat, "text": "x"},
        },
        None,  # type: ignore[arg-type]
    )


async def test_each_update_runs_inside_its_chats_shared_turn() -> None:
    processor = ChatOrderedProcessor(4)
    seen: list[tuple[str, int]] = []

    @contextlib.asynccontextmanager
    async def turn(chat_id: int) -> AsyncIterator[None]:
        seen.append(("taken", chat_id))
        yield
        seen.append(("given back", chat_id))

    processor.shared_turn = turn

    async def handle() -> None:
        seen.append(("handled", 5))

    await processor.do_process_update(message_update(1, 5), handle())
    assert seen == [("taken", 5), ("handled", 5), ("given back", 5)]
    assert processor.queued == {}


async def test_a_turn_that_cannot_be_taken_fails_the_update_unstarted() -> None:
    processor = ChatOrderedProcessor(4)

    @contextlib.asynccontextmanager
    async def turn(chat_id: int) -> AsyncIterator[None]:
        raise StoreError("cannot take the chat's turn")
        yield  # pragma: no cover

    processor.shared_turn = turn
    ran = []

    async def handle() -> None:
        ran.append(True)

    work = handle()
    with pytest.raises(StoreError):
        await processor.do_process_update(message_update(2, 5), work)
    assert ran == [] and work.cr_frame is None  # closed, never run
    assert processor.queued == {}
