"""How several workers on one PostgreSQL database agree, through the database itself
(`bot.store.protocols.Coordination`): a chat's turn, and who leads.

    chat_turn(chat_id)   a session-level advisory lock per chat, held while one update of that
                         chat is handled: whichever worker nginx hands a parent's next update,
                         it waits until the update before it is done. The lock lives on a
                         connection of a pool of its own (TURN_POOL_MAX), apart from the
                         pool that writes, so a worker full of waiting turns can still commit.
                         A worker that dies (kill -9) closes its connections and PostgreSQL
                         releases its turns at once.
    lead()               one elected worker: `pg_try_advisory_lock(LEADER_LOCK)` on a dedicated
                         connection kept for the worker's life. True while this worker holds it;
                         the others try again every `bot.outbox.LEAD_RETRY_SECONDS` and take
                         over at their next try after the lock goes (see "How fast" below).
    resign()             let go of the lead (a clean stop), so another worker takes it at once.

Why one elected sender rather than every worker claiming outbox rows with a shared rate budget:
Telegram's limit (~30 messages/s per bot) is global, so a shared budget would need a row every
worker updates for every message (a hot row, a round trip per send) or a token bucket that
drifts between clocks. One sender keeps `bot.outbox.RateLimiter` exact with no traffic at all,
and its `recover()` at take-over is then safe: a message still 'sending' belongs to no living
sender, so marking it 'unknown' can never race a call in flight on another worker. The same
lead runs housekeeping (closing rounds, queueing reminders, pruning), so each due item is done by
one worker; the SQL under it stays idempotent anyway (a round closes only while 'open', a
reminder has a unique dedupe key, a claim is `FOR UPDATE` on a 'pending' row). The cost: one
worker's sending capacity, which at 25 messages/s is far below what one process can do.

How fast the lead passes. The lock is the leader's session's: it goes when PostgreSQL ends that
session, and a follower takes it at its next try (every LEAD_RETRY_SECONDS, 2 s):

    clean stop (SIGTERM)     resign() unlocks at once                       ~ LEAD_RETRY_SECONDS
    process killed (kill -9, the kernel closes the socket; the server sees
      OOM, crash)            end-of-file and ends the session at once       ~ LEAD_RETRY_SECONDS
    host gone (power, net)   nothing closes the socket: the server finds out
                             by TCP keepalive on the leader's session
                             (LEAD_KEEPALIVE: 10 s idle, 3 probes 5 s apart) ~ 25 s + LEAD_RETRY
                             (the server's default would be the kernel's: two hours)

A leader cut off from the database cannot claim or settle a message, so it sends nothing new;
its keepalives (the same figures, client side) end its own session, and it asks again. A leader
whose lead session alone ended (a blip, pg_terminate_backend) finds out between two batches
(`Outbox.drain` asks after each) and stops; what it had in flight the new leader counts
`unknown`, and its late `settle` changes nothing (it only settles a message still 'sending').
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from bot.errors import StoreError
from bot.store.postgres_database import CONNECT_TIMEOUT_S, PostgresDatabase

log = logging.getLogger(__name__)

# Chats handled at once per worker. Telegram opens at most `max_connections` webhook requests
# per bot (40 by default, `ouderstem webhook set`), over all workers together, so a worker never
# has more updates in hand than that and never waits for a turn's connection. Connections per
# worker: POOL_MAX + TURN_POOL_MAX + 1 (the lead), opened on demand.
TURN_POOL_MAX = 40
TURN_WAIT_S = 60  # how long an update waits for a connection to take its chat's turn
LEADER_LOCK = 0x6F756401  # advisory key of the lead ("ou" d 01), apart from MIGRATION_LOCK
# TCP keepalive of the lead's session, both ends: a leader's host that vanished (no socket
# closed) loses the lead after idle + count * interval seconds, not the kernel's two hours.
LEAD_KEEPALIVE_IDLE_S = 10
LEAD_KEEPALIVE_INTERVAL_S = 5
LEAD_KEEPALIVE_COUNT = 3


def chat_key(chat_id: int) -> int:
    """The advisory lock key of one chat: a signed 64-bit hash, so it never meets the fixed keys
    (two chats sharing a key would only take turns, never break anything)."""
    digest = hashlib.blake2b(f"chat:{chat_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresCoordination(PostgresDatabase):
    """`Coordination` on PostgreSQL: advisory locks for chat turns and the lead."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        self._turns: AsyncConnectionPool | None = None
        self._leader: psycopg.AsyncConnection[Any] | None = None
        self._leading = False
        self._lead_lock = asyncio.Lock()  # the outbox and housekeeping ask at the same time

    async def open(self) -> None:
        await super().open()
        turns = AsyncConnectionPool(
            self.url,
            min_size=1,
            max_size=TURN_POOL_MAX,
            kwargs={"autocommit": True},
            open=False,
            timeout=TURN_WAIT_S,
        )
        try:
            await turns.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        except Exception as exc:
            await turns.close()
            await super().close()
            raise StoreError(f"cannot reach the PostgreSQL database: {exc}") from exc
        self._turns = turns

    async def close(self) -> None:
        await self.resign()
        if self._turns is not None:
            await self._turns.close()
            self._turns = None
        await super().close()

    @contextlib.asynccontextmanager
    async def chat_turn(self, chat_id: int) -> AsyncIterator[None]:
        """Hold this chat's turn across every worker while the body runs."""
        if self._turns is None:
            raise StoreError("the store is not open")
        key = chat_key(chat_id)
        try:
            async with self._turns.connection() as raw:
                await raw.execute("SELECT pg_advisory_lock(%s)", (key,))
                try:
                    yield
                finally:
                    # A connection that cannot unlock is broken; the pool drops it, and
                    # PostgreSQL releases the lock with the session.
                    with contextlib.suppress(psycopg.Error):
                        await raw.execute("SELECT pg_advisory_unlock(%s)", (key,))
        except psycopg.OperationalError as exc:
            raise StoreError(f"cannot take the chat's turn: {type(exc).__name__}") from exc

    async def lead(self) -> bool:
        """Whether this worker leads now (taking the lead when nobody holds it)."""
        async with self._lead_lock:
            return await self._lead()

    async def _lead(self) -> bool:
        conn = self._leader
        try:
            if conn is None or conn.closed:
                conn = self._leader = await self._lead_session()
                self._leading = False
            if self._leading:
                await conn.execute("SELECT 1")  # the lock lives as long as this session
                return True
            cur = await conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,))
            row = await cur.fetchone()
        except psycopg.Error as exc:
            log.warning("lead lost or not reachable: %s", type(exc).__name__)
            await self._drop_leader()
            return False
        self._leading = bool(row and row[0])
        if self._leading:
            log.info("this worker leads: it sends the outbox and keeps house")
        return self._leading

    async def _lead_session(self) -> psycopg.AsyncConnection[Any]:
        """The lead's own connection, with keepalives both ways (the module says why)."""
        conn = await psycopg.AsyncConnection.connect(
            self.url,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_S,
            keepalives=1,  # the client's side: a leader cut off finds out
            keepalives_idle=LEAD_KEEPALIVE_IDLE_S,
            keepalives_interval=LEAD_KEEPALIVE_INTERVAL_S,
            keepalives_count=LEAD_KEEPALIVE_COUNT,
        )
        try:  # the server's side: a vanished leader's session ends (no-ops on a Unix socket)
            for setting, value in (
                ("tcp_keepalives_idle", LEAD_KEEPALIVE_IDLE_S),
                ("tcp_keepalives_interval", LEAD_KEEPALIVE_INTERVAL_S),
                ("tcp_keepalives_count", LEAD_KEEPALIVE_COUNT),
            ):
                await conn.execute("SELECT set_config(%s, %s, false)", (setting, str(value)))
        except BaseException:
            await conn.close()
            raise
        return conn

    async def resign(self) -> None:
        """Let go of the lead (closing the session releases the lock)."""
        async with self._lead_lock:
            await self._drop_leader()

    async def _drop_leader(self) -> None:
        conn, leading = self._leader, self._leading
        self._leader, self._leading = None, False
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                if leading:  # at once: the server ends a closed session a moment later
                    await conn.execute("SELECT pg_advisory_unlock(%s)", (LEADER_LOCK,))
                await conn.close()
