"""One worker process for tests/test_workers_postgresql.py: it opens its own PostgresStore on the
URL given and does one job, printing one JSON line. Run as `python -m tests.workers_child`."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import UTC, datetime

from bot.schedule import Reminder, RoundKeeper
from bot.store.postgres import PostgresStore
from bot.store.protocols import DuplicateUpdate
from bot.store.records import NewMessage


async def claim(url: str, first: int, count: int, start_at: float) -> dict[str, int]:
    """Claim update ids first..first+count-1; how many this process got."""
    async with PostgresStore(url) as store:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        won = lost = 0
        for update_id in range(first, first + count):
            try:
                await store.mark_processed(update_id, datetime.now(UTC))
                won += 1
            except DuplicateUpdate:
                lost += 1
        return {"won": won, "lost": lost}


async def turns(url: str, chat_id: int, rounds: int, start_at: float) -> dict[str, int]:
    """Read, wait, write a counter under the chat's turn: lost updates show without the turn."""
    async with PostgresStore(url) as store:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        for _ in range(rounds):
            async with store.chat_turn(chat_id):
                rows = await store.run_read("SELECT n FROM counter WHERE id = 1")
                await asyncio.sleep(0.002)
                value = int(rows[0][0]) + 1

                async def write(conn: object, value: int = value) -> None:
                    await conn.execute("UPDATE counter SET n = ? WHERE id = 1", (value,))  # type: ignore[attr-defined]

                await store.run_write(write)
        return {"done": rounds}


async def lead(url: str, seconds: float) -> None:
    """Try to lead every 0.1 s; print when leading; stay until killed or `seconds` pass."""
    async with PostgresStore(url) as store:
        until = time.time() + seconds
        announced = False
        while time.time() < until:
            if await store.lead() and not announced:
                print(json.dumps({"leading": True}), flush=True)
                announced = True
            await asyncio.sleep(0.1)


async def keep_house(url: str, now: datetime, passes: int, start_at: float) -> dict[str, int]:
    """Run the housekeeping pass `passes` times at `now`, without asking for the lead: what the
    SQL alone guarantees when two workers race for the same due round and reminders."""

    def compose(reminder: Reminder) -> NewMessage:
        return NewMessage(
            reminder.chat_id,
            "reminder",
            reminder.language,
            "herinnering",
            round_id=reminder.round.id,
            respondent_id=reminder.respondent_id,
            dedupe_key=reminder.dedupe_key,
        )

    async with PostgresStore(url) as store:
        keeper = RoundKeeper(store, store, lambda: now, 3, compose)
        await asyncio.sleep(max(0.0, start_at - time.time()))
        closed = composed = 0
        for _ in range(passes):
            done = await keeper.tick()
            closed += done["closed"]
            composed += done["reminders"]
        return {"closed": closed, "composed": composed}


def main() -> None:
    job, url, *rest = sys.argv[1:]
    if job == "claim":
        print(json.dumps(asyncio.run(claim(url, int(rest[0]), int(rest[1]), float(rest[2])))))
    elif job == "turns":
        print(json.dumps(asyncio.run(turns(url, int(rest[0]), int(rest[1]), float(rest[2])))))
    elif job == "keep_house":
        now = datetime.fromisoformat(rest[0])
        print(json.dumps(asyncio.run(keep_house(url, now, int(rest[1]), float(rest[2])))))
    elif job == "lead":
        asyncio.run(lead(url, float(rest[0])))


if __name__ == "__main__":
    main()
