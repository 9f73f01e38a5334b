"""Several workers on one PostgreSQL database, proven with real processes (issue 13): a duplicate
update id is a no-op across workers, a chat's turn excludes the other worker, scheduled work
(a round due to close, reminders due) has one effect however many workers run it at once, and
the lead passes to a living worker when the leader is killed with SIGKILL."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.outbox import BATCH, FAILED, Outbox, RateLimiter
from bot.schedule import WakingHours
from bot.store.postgres import PostgresStore
from bot.store.records import NewMessage, Queued
from tests.postgresql_server import Server
from tests.store_contract.builders import AT, join, school_and_round

ROOT = Path(__file__).resolve().parent.parent
CHILD = [sys.executable, "-m", "tests.workers_child"]


def _spawn(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CHILD, *map(str, args)], cwd=ROOT, stdout=subprocess.PIPE, text=True, env=os.environ
    )


def _result(proc: subprocess.Popen[str]) -> dict[str, int]:
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _name(url: str) -> str:
    """The database's name in a test server's URL (postgresql://user@/NAME?host=...)."""
    return url.split("@/", 1)[1].split("?", 1)[0]


async def _migrated(url: str) -> None:
    async with PostgresStore(url):
        pass  # migrations run once, here, before the workers start


def test_a_duplicate_update_id_is_claimed_by_one_worker_only(postgresql_server: Server) -> None:
    url = postgresql_server.create()
    asyncio.run(_migrated(url))
    start = time.time() + 1.5
    workers = [_spawn("claim", url, 1000, 300, start) for _ in range(2)]
    results = [_result(w) for w in workers]
    assert sum(r["won"] for r in results) == 300  # every update id handled exactly once
    assert sum(r["lost"] for r in results) == 300  # and refused once on the other worker
    assert (
        postgresql_server.psql("SELECT count(*) FROM processed_updates", _name(url)).strip()
        == "300"
    )


def test_a_chats_turn_holds_across_two_workers(postgresql_server: Server) -> None:
    url = postgresql_server.create()
    asyncio.run(_migrated(url))
    name = _name(url)
    postgresql_server.psql(
        "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER); INSERT INTO counter VALUES (1, 0)",
        name,
    )
    start = time.time() + 1.5
    workers = [_spawn("turns", url, 77, 60, start) for _ in range(2)]
    assert [_result(w)["done"] for w in workers] == [60, 60]
    # read-wait-write under the turn: no increment lost between the two processes
    assert postgresql_server.psql("SELECT n FROM counter", name).strip() == "120"


HOUSEKEEPERS = 2
PASSES = 15  # housekeeping passes per worker, racing each other
WAITING = 30  # parents who began the round that is in its reminder window


async def _due_work(url: str) -> tuple[int, int]:
    """A round past its closing date, and a round in its reminder window with WAITING parents
    who began and went quiet: (the round due to close, the round to remind)."""
    async with PostgresStore(url) as store:
        due = await school_and_round(store, closes_at=AT + timedelta(hours=1), name="Het Anker")
        remind = await school_and_round(store, closes_at=AT + timedelta(days=2))
        for n in range(WAITING):
            await join(store, remind, 7000 + n, f"waiting-{n}")
        return due.round.id, remind.round.id


def test_scheduled_work_has_one_effect_when_two_workers_run_it_at_once(
    postgresql_server: Server,
) -> None:
    """Only the leader keeps house, but the SQL under it must not depend on that: two processes
    run the same housekeeping pass at the same moment, over and over, without asking for the
    lead (a leader that lost its session and has not noticed yet). One close, one reminder each."""
    url = postgresql_server.create()
    due, remind = asyncio.run(_due_work(url))
    now = AT + timedelta(hours=2)  # the first round is due; the second is in its window
    start = time.time() + 1.5
    workers = [
        _spawn("keep_house", url, now.isoformat(), PASSES, start) for _ in range(HOUSEKEEPERS)
    ]
    results = [_result(w) for w in workers]
    assert sum(r["closed"] for r in results) == 1, "the round was closed by one worker, once"
    name = _name(url)
    assert (
        postgresql_server.psql(
            f"SELECT status, closed_at IS NOT NULL FROM rounds WHERE id = {due}", name
        ).strip()
        == "closed|t"
    )
    reminders = postgresql_server.psql(
        "SELECT COUNT(*), COUNT(DISTINCT chat_id) FROM outbox "
        f"WHERE kind = 'reminder' AND round_id = {remind}",
        name,
    ).strip()
    assert reminders == f"{WAITING}|{WAITING}", "one reminder per parent, whoever queued it"
    assert postgresql_server.psql("SELECT COUNT(*) FROM outbox", name).strip() == str(WAITING)


def test_the_lead_passes_to_the_other_worker_when_the_leader_is_killed(
    postgresql_server: Server,
) -> None:
    url = postgresql_server.create()
    asyncio.run(_migrated(url))
    first = _spawn("lead", url, 60)
    assert first.stdout is not None
    assert json.loads(first.stdout.readline()) == {"leading": True}
    second = _spawn("lead", url, 60)
    assert second.stdout is not None
    try:
        time.sleep(1.0)
        assert second.poll() is None
        os.kill(first.pid, signal.SIGKILL)  # the leader dies without a goodbye
        first.wait(timeout=10)
        started = time.monotonic()
        assert json.loads(second.stdout.readline()) == {"leading": True}
        assert time.monotonic() - started < 10
    finally:
        for proc in (first, second):
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
            if proc.stdout is not None:
                proc.stdout.close()


@pytest.mark.parametrize("count", [2])
async def test_two_stores_in_one_process_share_one_lead(
    postgresql_server: Server, count: int
) -> None:
    url = postgresql_server.create()
    async with PostgresStore(url) as one, PostgresStore(url) as two:
        assert await one.lead()
        assert not await two.lead()  # the lead is the database's, not the process's
        await one.resign()
        assert await two.lead()
        assert not await one.lead()


async def test_a_forget_leaves_no_dead_row_after_housekeepings_scrub(
    postgresql_server: Server,
) -> None:
    from datetime import UTC, datetime

    url = postgresql_server.create()
    at = datetime(2026, 12, 1, tzinfo=UTC)
    async with PostgresStore(url) as store:
        await store.scrub_forgotten()  # the first pass of a leader
        await store.save_chat(555, at, language="nl")
        await store.forget_chat(555, update_id=None, at=at)
        deadline = time.monotonic() + 15
        while not await store.scrub_forgotten():  # the server's counter shows the delete
            assert time.monotonic() < deadline
            await asyncio.sleep(0.5)
        dead = await store.run_read(
            "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'chats'"
        )
        assert int(dead[0][0]) == 0


class CountingSender:
    """A Bot API that always delivers, and remembers what."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    async def send(self, message: Queued) -> None:
        self.sent.append(message.id)

    def classify(self, exc: BaseException) -> tuple[str, float]:
        return FAILED, 0.0


async def test_a_sender_that_loses_the_lead_mid_drain_stops_and_the_new_leader_sends_the_rest(
    postgresql_server: Server,
) -> None:
    """The leader's session can end while the worker lives (a network blip, an operator's
    pg_terminate_backend): between two batches the old leader asks again and stops, so two
    workers never drain at once for longer than one batch."""
    url = postgresql_server.create()
    extra = 50
    now = datetime.now(UTC)
    async with PostgresStore(url) as one, PostgresStore(url) as two:
        await one.enqueue(
            [NewMessage(9000 + n, "notice", "nl", "x") for n in range(BATCH + extra)], at=now
        )
        asked = 0

        async def first_lead() -> bool:
            nonlocal asked
            asked += 1
            if asked == 2:  # after the first batch the lead passes to the other worker
                await one.resign()
                assert await two.lead()
            return await one.lead()

        fast = RateLimiter(10_000, per_chat=0.0)
        always = WakingHours.parse("always")
        old, new = CountingSender(), CountingSender()
        first = Outbox(
            one, old, lambda: datetime.now(UTC), limiter=fast, waking=always, lead=first_lead
        )
        assert await first_lead()  # as Outbox.run asks before draining
        assert (await first.drain()).get("sent") == BATCH
        assert len(old.sent) == BATCH  # and then it stopped: the lead was gone
        second = Outbox(
            two, new, lambda: datetime.now(UTC), limiter=fast, waking=always, lead=two.lead
        )
        assert (await second.drain()).get("sent") == extra
        assert not set(old.sent) & set(new.sent), "nothing sent by both"
