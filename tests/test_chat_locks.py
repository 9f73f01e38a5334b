"""One chat lock per update (issue 16): the update's turn (`ChatOrderedProcessor`) is the
guard's lock, so `guarded` inside it takes nothing more, and everyone else still waits."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.tg.deps import ChatLocks, ChatOrderedProcessor


async def test_holding_a_chat_again_inside_its_own_hold_takes_no_second_lock() -> None:
    locks = ChatLocks()
    async with locks.hold(1):
        async with asyncio.timeout(1), locks.hold(1):  # would deadlock on a second lock
            assert len(locks) == 1
        async with locks.hold(2):  # another chat is another lock
            assert len(locks) == 2
    assert len(locks) == 0


async def test_another_task_still_waits_for_the_chat() -> None:
    locks = ChatLocks()
    order: list[str] = []
    inside = asyncio.Event()

    async def first() -> None:
        async with locks.hold(1):
            inside.set()
            await asyncio.sleep(0.05)
            order.append("first done")

    async def second() -> None:
        await inside.wait()
        async with locks.hold(1):
            order.append("second in")

    await asyncio.gather(first(), second())
    assert order == ["first done", "second in"]


async def test_a_separate_set_of_locks_is_not_held() -> None:
    mine, other = ChatLocks(), ChatLocks()
    async with mine.hold(1):
        held = asyncio.Event()

        async def elsewhere() -> None:
            async with other.hold(1):
                held.set()
                await asyncio.sleep(0.05)

        task = asyncio.create_task(elsewhere())
        await held.wait()
        # `other` is locked by the task: this task, holding only `mine`, must wait for it
        async with asyncio.timeout(1), other.hold(1):
            assert task.done()


async def test_the_update_turn_is_the_guard_lock() -> None:
    locks = ChatLocks()
    processor = ChatOrderedProcessor(4)
    processor.turns = locks  # as bot.tg.app wires it
    taken: list[int] = []
    hold = locks.hold

    def counted(chat_id: int | None):  # type: ignore[no-untyped-def]
        taken.append(len(locks))
        return hold(chat_id)

    locks.hold = counted  # type: ignore[method-assign]

    async def handler() -> None:
        async with locks.hold(7):  # the guard, inside the update's turn
            assert len(locks) == 1  # one lock: the turn's

    update = Update.de_json(
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 7, "type": "private"},
                "text": "hoi",
            },
        },
        None,
    )
    await processor.do_process_update(update, handler())
    assert len(taken) == 2 and len(locks) == 0


async def test_waiters_get_the_chat_in_arrival_order_and_it_is_freed_after() -> None:
    locks = ChatLocks()
    order: list[int] = []
    inside = asyncio.Event()

    async def first() -> None:
        async with locks.hold(1):
            inside.set()
            await asyncio.sleep(0.02)
            order.append(0)

    async def later(n: int) -> None:
        await inside.wait()
        await asyncio.sleep(0.001 * n)  # arrive one after another while the first holds it
        async with locks.hold(1):
            order.append(n)

    await asyncio.gather(first(), *(later(n) for n in (1, 2, 3)))
    assert order == [0, 1, 2, 3]
    assert len(locks) == 0


async def test_a_waiter_cancelled_while_waiting_leaves_the_queue() -> None:
    locks = ChatLocks()
    release = asyncio.Event()
    got: list[str] = []

    async def holder() -> None:
        async with locks.hold(1):
            await release.wait()

    async def waiter(name: str) -> None:
        async with locks.hold(1):
            got.append(name)

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)
    cancelled = asyncio.create_task(waiter("cancelled"))
    kept = asyncio.create_task(waiter("kept"))
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.sleep(0)
    release.set()
    await asyncio.wait_for(asyncio.gather(first, kept), 1)
    assert got == ["kept"] and cancelled.cancelled()
    assert len(locks) == 0


async def test_a_waiter_cancelled_as_the_turn_reaches_it_passes_the_turn_on() -> None:
    locks = ChatLocks()
    release = asyncio.Event()
    got: list[str] = []
    tasks: dict[str, asyncio.Task[None]] = {}

    async def holder() -> None:
        async with locks.hold(1):
            await release.wait()
        tasks["unlucky"].cancel()  # the turn was just handed to it; it has not run yet

    async def waiter(name: str) -> None:
        async with locks.hold(1):
            got.append(name)

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)
    tasks["unlucky"] = asyncio.create_task(waiter("unlucky"))
    kept = asyncio.create_task(waiter("kept"))
    await asyncio.sleep(0)
    release.set()
    await asyncio.wait_for(asyncio.gather(first, kept), 1)
    assert got == ["kept"] and tasks["unlucky"].cancelled()
    assert len(locks) == 0


async def test_an_error_inside_the_hold_frees_the_chat() -> None:
    locks = ChatLocks()
    try:
        async with locks.hold(1):
            raise ValueError("boom")
    except ValueError:
        pass
    assert len(locks) == 0
    async with asyncio.timeout(1), locks.hold(1):
        assert len(locks) == 1
