"""Coordination: a chat's turn and the lead, on every engine (issue 13). Across workers only
PostgreSQL shares them; tests/test_workers_postgresql.py proves that with real processes."""

from __future__ import annotations

import asyncio

from bot.store import Store


async def test_a_store_that_is_alone_leads_and_keeps_leading(store: Store) -> None:
    assert await store.lead()
    assert await store.lead()  # asking again keeps it
    await store.resign()
    assert await store.lead()  # and it can take it back
    await store.resign()


async def test_a_chat_turn_is_taken_and_given_back(store: Store) -> None:
    async with store.chat_turn(42):
        pass
    async with store.chat_turn(42):  # given back: the next update takes it at once
        pass
    async with store.chat_turn(-100123), store.chat_turn(7):  # different chats: both at once
        pass


async def test_a_turn_given_back_after_a_failure(store: Store) -> None:
    try:
        async with store.chat_turn(42):
            raise ValueError("the handler failed")
    except ValueError:
        pass
    async with asyncio.timeout(5), store.chat_turn(42):
        pass
