"""The outbox (`OutboxStore`), on either engine: messages are written first and sent later,
each claimed ('sending', committed) before the call to Telegram, so nothing is ever sent twice.

Outbox times are stored as UTC ISO strings with microseconds (`ts`), so they compare as text and
the `outbox_due` index serves the sender's query. Statuses: `bot.store.records` (PENDING, ...).
Imports go one way: the database base and the records; never telegram.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.store.database import Connection, Database, parse_time, ts
from bot.store.records import (
    BLOCKED,
    CANCELLED,
    GO,
    GONE,
    HELD,
    PENDING,
    Batch,
    BatchResult,
    NewMessage,
    Queued,
)


class Outbox(Database):
    """`bot.store.protocols.OutboxStore` over the shared database."""

    # ---- the outbox: enqueue -------------------------------------------------------------------

    async def enqueue(
        self,
        messages: Sequence[NewMessage],
        *,
        at: datetime,
        batch_kind: str | None = None,
        school_id: int | None = None,
        round_id: int | None = None,
        title: str = "",
        created_by: int | None = None,
        update_id: int | None = None,
        end_dialogue_of: int | None = None,
    ) -> tuple[int | None, int]:
        """Put messages in the outbox (a message whose dedupe key exists is skipped).

        With `batch_kind`, they form one batch whose creator hears the result. Returns the batch
        id and how many messages were added.
        """

        async def op(conn: Connection) -> tuple[int | None, int]:
            await self._claim_update(conn, update_id, at)
            batch_id = None
            if batch_kind is not None:
                batch_id = await self.dialect.insert_id(
                    conn,
                    "INSERT INTO outbox_batches(kind, school_id, round_id, title, created_by, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (batch_kind, school_id, round_id, title, created_by, ts(at)),
                )
            added = await _insert_messages(conn, messages, batch_id, at)
            if end_dialogue_of is not None:
                await conn.execute(
                    "DELETE FROM staff_dialogues WHERE chat_id = ?", (end_dialogue_of,)
                )
            return batch_id, added

        return await self._submit(op)

    # ---- the outbox: send ----------------------------------------------------------------------

    async def due(self, now: datetime, limit: int) -> list[Queued]:
        rows = await self._fetch(
            # The school's own waking hours: through the message's round, else its batch's.
            "SELECT o.id, o.chat_id, o.kind, o.batch_id, o.text, o.markup, o.attempts, "
            "s.waking_hours FROM outbox o "
            "LEFT JOIN outbox_batches b ON b.id = o.batch_id "
            "LEFT JOIN rounds r ON r.id = COALESCE(o.round_id, b.round_id) "
            "LEFT JOIN schools s ON s.id = COALESCE(r.school_id, b.school_id) "
            "WHERE o.status = 'pending' AND o.next_attempt_at <= ? "
            "ORDER BY o.next_attempt_at, o.id LIMIT ?",
            (ts(now), limit),
        )
        return [Queued(*r) for r in rows]

    async def next_due(self) -> datetime | None:
        row = await self._fetch_one(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'"
        )
        return parse_time(row[0]) if row else None

    async def claim(self, message_id: int, now: datetime) -> str:
        """Mark a due message 'sending' (committed before the call), or settle it unsent.

        Returns GO, GONE, BLOCKED (the chat blocked the bot before) or CANCELLED (a reminder no
        longer wanted: finished, paused, asked for none, round closed).
        """

        async def op(conn: Connection) -> str:
            async with conn.execute(
                "SELECT o.chat_id, o.kind, o.round_id, o.respondent_id, o.status, "
                "COALESCE(ch.blocked, 0), COALESCE(ch.no_reminders, 0) FROM outbox o "
                "LEFT JOIN chats ch ON ch.chat_id = o.chat_id WHERE o.id = ?"
                + self.dialect.lock("o"),
                (message_id,),
            ) as cur:
                row = await cur.fetchone()
            if row is None or row[4] != PENDING:
                return GONE
            chat_id, kind, round_id, respondent_id, _, blocked, no_reminders = row
            outcome = GO
            if blocked:
                outcome = BLOCKED
            elif kind == "reminder" and (
                no_reminders
                or not await _reminder_still_wanted(conn, round_id, respondent_id, chat_id, now)
            ):
                outcome = CANCELLED
            if outcome == GO:
                await conn.execute(
                    "UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ? "
                    "WHERE id = ?",
                    (ts(now), message_id),
                )
            else:
                await conn.execute(
                    "UPDATE outbox SET status = ?, updated_at = ? WHERE id = ?",
                    (outcome, ts(now), message_id),
                )
            return outcome

        return await self._submit(op)

    async def settle(
        self,
        message_id: int,
        status: str,
        at: datetime,
        *,
        error: str | None = None,
        next_attempt_at: datetime | None = None,
        refund_attempt: bool = False,
    ) -> None:
        """Record the outcome of a call: sent, or back to pending, or failed / unknown."""

        async def op(conn: Connection) -> None:
            await conn.execute(
                "UPDATE outbox SET status = ?, updated_at = ?, error = ?, "
                "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END, "
                "next_attempt_at = COALESCE(?, next_attempt_at), attempts = attempts - ? "
                "WHERE id = ? AND status = 'sending'",
                (
                    status,
                    ts(at),
                    error,
                    status,
                    ts(at),
                    ts(next_attempt_at) if next_attempt_at else None,
                    int(refund_attempt),
                    message_id,
                ),
            )

        await self._submit(op)

    async def mark_blocked(self, message_id: int, chat_id: int, at: datetime) -> int:
        """403: this message and every other pending one to the chat are blocked; so is the chat."""

        async def op(conn: Connection) -> int:
            await conn.execute(
                "UPDATE outbox SET status = 'blocked', error = 'Forbidden', updated_at = ? WHERE id = ?",
                (ts(at), message_id),
            )
            cur = await conn.execute(
                "UPDATE outbox SET status = 'blocked', updated_at = ? "
                "WHERE chat_id = ? AND status = 'pending'",
                (ts(at), chat_id),
            )
            await conn.execute(
                "INSERT INTO chats(chat_id, created_at, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (chat_id, at.isoformat(), at.isoformat()),
            )
            await conn.execute(
                "UPDATE chats SET blocked = 1, updated_at = ? WHERE chat_id = ?",
                (at.isoformat(), chat_id),
            )
            return int(cur.rowcount)

        return await self._submit(op)

    async def recover(self, at: datetime) -> int:
        """At start-up: a message still 'sending' was interrupted mid-call. It becomes 'unknown'
        and is never sent again (Telegram may have delivered it; it has no idempotency key)."""

        async def op(conn: Connection) -> int:
            cur = await conn.execute(
                "UPDATE outbox SET status = 'unknown', error = 'interrupted', updated_at = ? "
                "WHERE status = 'sending'",
                (ts(at),),
            )
            return int(cur.rowcount)

        return await self._submit(op)

    async def retime_every_held(self, moment: Callable[[str | None], datetime]) -> int:
        """At start-up (and on taking the lead): each school's messages held for waking hours go
        at `moment(its own hours, or None for the bot-wide setting)`. The setting may have
        changed while they waited; for unchanged hours this is the time they had."""

        async def op(conn: Connection) -> int:
            async with conn.execute(
                "SELECT DISTINCT s.id, s.waking_hours FROM outbox o "
                "LEFT JOIN outbox_batches b ON b.id = o.batch_id "
                "LEFT JOIN rounds r ON r.id = COALESCE(o.round_id, b.round_id) "
                "JOIN schools s ON s.id = COALESCE(r.school_id, b.school_id) "
                "WHERE o.status = 'pending' AND o.error = ?",
                (HELD,),
            ) as cur:
                schools = list(await cur.fetchall())
            moved = 0
            for school_id, hours in schools:
                moved += await retime_held(conn, school_id, moment(hours))
            return moved

        return await self._submit(op)

    async def finish_batches(
        self, at: datetime, notice: Callable[[BatchResult], NewMessage | None]
    ) -> list[BatchResult]:
        """Close every batch with nothing left to send; queue `notice(result)` for its creator."""

        async def op(conn: Connection) -> list[BatchResult]:
            async with conn.execute(
                "SELECT b.id, b.kind, b.school_id, b.round_id, b.title, b.created_by, m.chat_id "
                "FROM outbox_batches b LEFT JOIN staff_members m ON m.id = b.created_by "
                "WHERE b.finished_at IS NULL AND NOT EXISTS (SELECT 1 FROM outbox o "
                "WHERE o.batch_id = b.id AND o.status IN ('pending', 'sending'))"
            ) as cur:
                rows = list(await cur.fetchall())
            results = []
            for r in rows:
                async with conn.execute(
                    "SELECT status, COUNT(*) FROM outbox WHERE batch_id = ? GROUP BY status",
                    (r[0],),
                ) as cur:
                    counts = {s: n for s, n in await cur.fetchall()}
                await conn.execute(
                    "UPDATE outbox_batches SET finished_at = ? WHERE id = ?", (ts(at), r[0])
                )
                result = BatchResult(Batch(r[0], r[1], r[2], r[3], r[4], r[5], at), r[6], counts)
                message = notice(result)
                if message is not None:
                    await _insert_messages(conn, [message], None, at)
                results.append(result)
            return results

        return await self._submit(op)

    async def batch(self, batch_id: int) -> Batch | None:
        row = await self._fetch_one(
            "SELECT id, kind, school_id, round_id, title, created_by, finished_at "
            "FROM outbox_batches WHERE id = ?",
            (batch_id,),
        )
        return (
            Batch(row[0], row[1], row[2], row[3], row[4], row[5], parse_time(row[6]))
            if row
            else None
        )

    async def batch_counts(self, batch_id: int) -> dict[str, int]:
        rows = await self._fetch(
            "SELECT status, COUNT(*) FROM outbox WHERE batch_id = ? GROUP BY status", (batch_id,)
        )
        return {r[0]: r[1] for r in rows}

    async def outbox_counts(self) -> dict[str, dict[str, int]]:
        """{kind: {status: count}} of the whole outbox."""
        rows = await self._fetch("SELECT kind, status, COUNT(*) FROM outbox GROUP BY kind, status")
        counts: dict[str, dict[str, int]] = {}
        for kind, status, n in rows:
            counts.setdefault(kind, {})[status] = n
        return counts


async def _insert_messages(
    conn: Connection, messages: Sequence[NewMessage], batch_id: int | None, at: datetime
) -> int:
    added = 0
    for m in messages:
        cur = await conn.execute(
            "INSERT INTO outbox(chat_id, kind, batch_id, round_id, respondent_id, "
            "language, text, markup, dedupe_key, next_attempt_at, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                m.chat_id,
                m.kind,
                batch_id,
                m.round_id,
                m.respondent_id,
                m.language,
                m.text,
                m.markup,
                m.dedupe_key,
                ts(at),
                ts(at),
                ts(at),
            ),
        )
        added += cur.rowcount
    return added


async def _reminder_still_wanted(
    conn: Connection, round_id: int | None, respondent_id: str | None, chat_id: int, now: datetime
) -> bool:
    """A queued reminder still makes sense: the round is open and the person has not finished."""
    async with conn.execute(
        "SELECT status, closes_at FROM rounds WHERE id = ?", (round_id,)
    ) as cur:
        row = await cur.fetchone()
    if row is None or row[0] != "open" or (row[1] and datetime.fromisoformat(row[1]) <= now):
        return False
    if respondent_id is not None:
        async with conn.execute(
            "SELECT status FROM respondents WHERE id = ?", (respondent_id,)
        ) as cur:
            status = await cur.fetchone()
        return status is not None and status[0] in ("waiting", "paused")
    async with conn.execute(
        "SELECT 1 FROM contacts c JOIN respondents p ON p.id = c.respondent_id "
        "WHERE c.chat_id = ? AND p.round_id = ?",
        (chat_id, round_id),
    ) as cur:
        return await cur.fetchone() is None


async def retime_held(conn: Connection, school_id: int, at: datetime) -> int:
    """The school's messages held for waking hours (pending, error HELD) go at `at`: called in
    the transaction that changes the school's hours. A message belongs to the school through
    its round, else its batch (as `Outbox.due` reads its hours)."""
    cur = await conn.execute(
        "UPDATE outbox SET next_attempt_at = ?, updated_at = ? "
        "WHERE status = 'pending' AND error = ? AND id IN (SELECT o.id FROM outbox o "
        "LEFT JOIN outbox_batches b ON b.id = o.batch_id "
        "LEFT JOIN rounds r ON r.id = COALESCE(o.round_id, b.round_id) "
        "WHERE o.status = 'pending' AND o.error = ? "
        "AND COALESCE(r.school_id, b.school_id) = ?)",
        (ts(at), ts(at), HELD, HELD, school_id),
    )
    return int(cur.rowcount)
