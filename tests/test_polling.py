"""Our polling loop confirms an update to Telegram only after it is handled (issue 12).

A fake Bot API keeps updates pending until a getUpdates `offset` passes them, as Telegram does;
the handler of one update is held open to see what the poller confirms meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx
import pytest
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.request import HTTPXRequest

from bot.tg.deps import ChatOrderedProcessor
from bot.tg.polling import Confirmations, Poller
from bot.tg.stub_api import StubBotApi, _ok, _parse

TOKEN = "123:polling-test"


# ---- the offset rule, pure -------------------------------------------------------------------


def test_nothing_fetched_confirms_nothing() -> None:
    assert Confirmations().next_offset() is None


def test_an_update_in_flight_holds_the_offset_at_itself() -> None:
    rule = Confirmations()
    assert rule.take(10)
    assert rule.next_offset() == 10
    rule.done(10)
    assert rule.next_offset() == 11


def test_a_later_update_done_first_is_not_confirmed_past_an_earlier_one_in_flight() -> None:
    rule = Confirmations()
    assert rule.take(10) and rule.take(11) and rule.take(12)
    rule.done(12)
    rule.done(11)
    assert rule.next_offset() == 10
    rule.done(10)
    assert rule.next_offset() == 13


def test_an_update_fetched_again_while_in_hand_is_not_new_work() -> None:
    rule = Confirmations()
    assert rule.take(10) and rule.take(11)
    rule.done(11)
    assert rule.next_offset() == 10
    assert not rule.take(10), "in flight"
    assert not rule.take(11), "handled, not yet confirmed"
    assert rule.take(12)


def test_the_offset_never_moves_back_and_old_ids_are_not_taken_again() -> None:
    rule = Confirmations()
    rule.take(20)
    rule.done(20)
    assert rule.next_offset() == 21
    assert not rule.take(19)
    assert rule.next_offset() == 21


# ---- the poller against a fake Telegram --------------------------------------------------------


class PendingBotApi(StubBotApi):
    """Keeps updates until an offset passes them, and records each getUpdates offset."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[dict[str, Any]] = []
        self.offsets: list[int | None] = []
        self.fail_polls = 0
        self.arrived = asyncio.Event()

    def add(self, update_id: int, chat_id: int, text: str) -> None:
        chat = {"id": chat_id, "type": "private", "first_name": "Ouder"}
        sender = {"id": chat_id, "is_bot": False, "first_name": "Ouder"}
        message = {"message_id": update_id, "date": 0, "chat": chat, "from": sender, "text": text}
        self.pending.append({"update_id": update_id, "message": message})
        self.arrived.set()

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[-1]
        if method != "getUpdates":
            return self.handle(request)
        params = _parse(request)
        offset = int(params["offset"]) if params.get("offset") is not None else None
        self.offsets.append(offset)
        if self.fail_polls:
            self.fail_polls -= 1
            raise httpx.ConnectError("no route")
        if offset is not None:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        if not self.pending and float(params.get("timeout") or 0) > 0:
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), 0.2)
        return _ok(self.pending[: int(params.get("limit") or 100)])

    def async_request(self) -> HTTPXRequest:
        transport = httpx.MockTransport(self.handle_async)
        return HTTPXRequest(httpx_kwargs={"transport": transport}, connection_pool_size=64)


class World:
    def __init__(self) -> None:
        self.api = PendingBotApi()
        request = self.api.async_request()
        self.application = (
            Application.builder()
            .token(TOKEN)
            .request(request)
            .get_updates_request(self.api.async_request())
            .concurrent_updates(ChatOrderedProcessor(16))
            .updater(None)
            .build()
        )
        self.handled: list[int] = []
        self.gates: dict[int, asyncio.Event] = {}
        self.application.add_handler(TypeHandler(Update, self.on_update))
        self.poller = Poller(self.application, long_poll=1)

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        gate = self.gates.get(update.update_id)
        if gate is not None:
            await gate.wait()
        self.handled.append(update.update_id)  # "committed"

    async def __aenter__(self) -> World:
        await self.application.initialize()
        self.task = asyncio.create_task(self.poller.run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        for gate in self.gates.values():
            gate.set()
        self.poller.stop()
        await asyncio.wait_for(self.task, 5)
        await self.application.shutdown()


async def until(condition: Any, timeout: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def test_an_update_is_confirmed_only_after_its_handler_finished() -> None:
    async with World() as world:
        world.gates[101] = asyncio.Event()
        world.api.add(101, chat_id=1, text="a")
        world.api.add(102, chat_id=2, text="b")
        await until(lambda: 102 in world.handled)  # another chat is not held up
        polls = len(world.api.offsets)
        await until(lambda: len(world.api.offsets) > polls + 2)
        assert all(o is None or o <= 101 for o in world.api.offsets), world.api.offsets
        assert [u["update_id"] for u in world.api.pending] == [101, 102], "not confirmed yet"
        world.gates[101].set()
        await until(lambda: 101 in world.handled)
        await until(lambda: world.api.offsets[-1] == 103)
        assert world.api.pending == []
    assert sorted(world.handled) == [101, 102], "an update fetched again is not handled again"


async def test_one_chats_updates_are_handled_in_order_other_chats_meanwhile() -> None:
    async with World() as world:
        world.gates[201] = asyncio.Event()
        world.api.add(201, chat_id=7, text="first")
        world.api.add(202, chat_id=7, text="second")
        world.api.add(203, chat_id=8, text="other")
        await until(lambda: 203 in world.handled)
        assert 202 not in world.handled
        world.gates[201].set()
        await until(lambda: 202 in world.handled)
    assert world.handled.index(201) < world.handled.index(202)


async def test_stop_lets_the_updates_in_hand_finish_and_confirms_them() -> None:
    world = World()
    async with world:
        world.gates[301] = asyncio.Event()
        world.api.add(301, chat_id=3, text="slow")
        await until(lambda: 301 in world.poller.confirmations.in_flight)
        world.poller.stop()
        await asyncio.sleep(0.05)
        assert not world.task.done(), "waits for the update in hand"
        world.gates[301].set()
        await asyncio.wait_for(world.task, 3)
    assert world.handled == [301]
    assert world.api.offsets[-1] == 302
    assert world.api.pending == []


async def test_a_stuck_update_is_given_up_so_the_parents_behind_it_are_heard(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One handler that never returns must not hold the offset for ever: Telegram hands out at
    most 100 updates from it, so every later parent would wait in silence."""
    async with World() as world:
        world.poller.stuck_after = 0.3
        world.gates[401] = asyncio.Event()  # never set before the poller gives up
        world.api.add(401, chat_id=4, text="stuck")
        world.api.add(402, chat_id=5, text="other chat")
        await until(lambda: 402 in world.handled)
        await until(lambda: world.api.offsets[-1] == 403)  # 401 no longer holds the offset
        world.api.add(403, chat_id=4, text="same chat, later")
        await until(lambda: 403 in world.handled)  # the chat's turn was let go
        await until(lambda: world.api.offsets[-1] == 404)
        assert world.api.pending == []
    assert 401 not in world.handled
    stuck = [r for r in caplog.records if "still in hand" in r.getMessage()]
    assert len(stuck) == 1, caplog.text
    line = stuck[0].getMessage()
    assert "update 401" in line and "test_polling.py:" in line, line  # where it waited
    assert "stuck" not in line.split("given up")[0] + line.split("waits at")[-1], "no texts"


async def test_a_failed_poll_is_retried_with_one_warning_line(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.tg.polling.BACKOFF_FIRST_SECONDS", 0.01)
    world = World()
    world.api.fail_polls = 2
    async with world:
        world.api.add(401, chat_id=4, text="after the outage")
        await until(lambda: 401 in world.handled)
    warnings = [r for r in caplog.records if r.name == "bot.tg.polling"]
    assert len(warnings) == 2
    assert all(r.levelname == "WARNING" and r.exc_info is None for r in warnings)
    assert "NetworkError" in warnings[0].getMessage()
