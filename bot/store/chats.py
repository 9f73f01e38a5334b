"""Chats, respondents and answers (`ChatStore`), on either engine: the chat record (the only
place a chat id lives, with contacts), processed update ids, respondents, their sessions and
answers, and /vergeet, which deletes every row that belongs to a chat.

Imports go one way: the engine, the database base, the records and the rounds' columns (for
`active_session`'s join); never telegram or reports.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.engine import Answer, SessionState
from bot.store.database import Connection, Database, parse_time
from bot.store.records import Chat, Owed, Respondent, Round, RoundLink, Turn
from bot.store.rounds import ROUND_COLUMNS, _round

CHAT_COLUMNS = (
    "chat_id, language, language_confirmed, always_audio, active_respondent, pending_token, "
    "no_reminders, blocked"
)
CHAT_FIELDS = {
    "language",
    "language_confirmed",
    "always_audio",
    "active_respondent",
    "pending_token",
    "no_reminders",
    "blocked",
}


def _chat(r: Any) -> Chat:
    return Chat(r[0], r[1], bool(r[2]), bool(r[3]), r[4], r[5], bool(r[6]), bool(r[7]))


RESPONDENT_COLUMNS = (
    "id, round_id, group_id, language, status, started_at, updated_at, completed_at"
)


def _respondent(r: Any) -> Respondent:
    return Respondent(
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        datetime.fromisoformat(r[5]),
        datetime.fromisoformat(r[6]),
        parse_time(r[7]),
    )


def _qualified(table: str, columns: str) -> str:
    """`a, b` as `t.a, t.b`, for a join."""
    return ", ".join(f"{table}.{column.strip()}" for column in columns.split(","))


def _answer_row(round_id: int, language: str, at: datetime, a: Answer) -> tuple[Any, ...]:
    return (
        a.question_id,
        round_id,
        a.value,
        json.dumps(list(a.values)) if a.values else None,
        a.text,
        language if a.text else None,
        a.voice_file_id,
        a.voice_seconds,
        int(a.skipped),
        int(a.truncated),
        at.isoformat(),
    )


def _column_value(value: object) -> object:
    """Flags are INTEGER columns on both engines: a Python bool goes in as 0 or 1."""
    return int(value) if isinstance(value, bool) else value


# Every table besides respondents, contacts and chats that holds a chat id; /vergeet clears them.
FORGET_CHAT_TABLES: tuple[str, ...] = (
    "DELETE FROM outbox WHERE chat_id = ?",
    "DELETE FROM owed_messages WHERE chat_id = ?",
    "DELETE FROM forwarded_voices WHERE chat_id = ?",  # copies a brugfiguur received
    "DELETE FROM staff_dialogues WHERE chat_id = ?",
    # A member's unused invites go first: their creator link would turn NULL ("command line").
    "DELETE FROM staff_invites WHERE used_at IS NULL AND created_by IN "
    "(SELECT id FROM staff_members WHERE chat_id = ?)",
    "DELETE FROM staff_members WHERE chat_id = ?",  # with its roles; invites and batches keep no link
)


# Every table /vergeet deletes from (directly or by cascade): scrubbed after a forget.
FORGOTTEN_TABLES: tuple[str, ...] = (
    "respondents", "answers", "sessions", "contacts", "chats", "outbox", "owed_messages",
    "forwarded_voices", "staff_dialogues", "staff_invites", "staff_members", "staff_roles",
)  # fmt: skip


# The voice answers of one chat's respondents (a subquery; one parameter: the chat id).
VOICES_OF_CHAT = (
    "SELECT a.voice_file_id FROM answers a JOIN contacts c ON c.respondent_id = a.respondent_id "
    "WHERE c.chat_id = ? AND a.voice_file_id IS NOT NULL"
)


class Chats(Database):
    """`bot.store.protocols.ChatStore` over the shared database."""

    # ---- chats -----------------------------------------------------------------------------

    async def chat(self, chat_id: int) -> Chat | None:
        row = await self._fetch_one(
            f"SELECT {CHAT_COLUMNS} FROM chats WHERE chat_id = ?", (chat_id,)
        )
        return _chat(row) if row else None

    async def save_chat(
        self, chat_id: int, at: datetime, update_id: int | None = None, **changes: object
    ) -> Chat:
        unknown = set(changes) - CHAT_FIELDS
        if unknown:
            raise ValueError(f"unknown chat fields {sorted(unknown)}")

        async def op(conn: Connection) -> None:
            await self._claim_update(conn, update_id, at)
            await conn.execute(
                "INSERT INTO chats(chat_id, created_at, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (chat_id, at.isoformat(), at.isoformat()),
            )
            if changes:
                sets = ", ".join(f"{name} = ?" for name in changes)
                await conn.execute(
                    f"UPDATE chats SET {sets}, updated_at = ? WHERE chat_id = ?",
                    (*map(_column_value, changes.values()), at.isoformat(), chat_id),
                )

        await self._submit(op)
        chat = await self.chat(chat_id)
        assert chat is not None
        return chat

    async def mark_processed(self, update_id: int, at: datetime) -> None:
        async def op(conn: Connection) -> None:
            await self._claim_update(conn, update_id, at)

        await self._submit(op)

    async def chat_for_update(self, update_id: int, chat_id: int) -> tuple[bool, Chat | None]:
        """Whether `update_id` was handled before, and the chat's row: `is_processed` and `chat`
        in one query (issue 16: the reads before a parent's answer is committed)."""
        row = await self._fetch_one(
            "SELECT EXISTS (SELECT 1 FROM processed_updates WHERE update_id = ?), "
            f"{_qualified('c', CHAT_COLUMNS)} "
            "FROM (SELECT 1 AS here) AS one LEFT JOIN chats c ON c.chat_id = ?",
            (update_id, chat_id),
        )
        values = tuple(row) if row else (False, None)
        return bool(values[0]), _chat(values[1:]) if values[1] is not None else None

    async def is_processed(self, update_id: int) -> bool:
        row = await self._fetch_one(
            "SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)
        )
        return row is not None

    async def prune_processed(self, keep: int) -> int:
        """Forget all but the newest `keep` processed update ids (housekeeping); how many went."""

        async def op(conn: Connection) -> int:
            cur = await conn.execute(
                "DELETE FROM processed_updates WHERE update_id <= (SELECT update_id FROM "
                "processed_updates ORDER BY update_id DESC LIMIT 1 OFFSET ?)",
                (keep,),
            )
            return int(cur.rowcount)

        return await self._submit(op)

    # ---- respondents and sessions ----------------------------------------------------------

    async def respondent_in_round(self, chat_id: int, round_id: int) -> Respondent | None:
        cols = ", ".join(f"r.{c.strip()}" for c in RESPONDENT_COLUMNS.split(","))
        row = await self._fetch_one(
            f"SELECT {cols} FROM respondents r JOIN contacts c ON c.respondent_id = r.id "
            "WHERE c.chat_id = ? AND r.round_id = ?",
            (chat_id, round_id),
        )
        return _respondent(row) if row else None

    async def respondent(self, respondent_id: str) -> Respondent | None:
        row = await self._fetch_one(
            f"SELECT {RESPONDENT_COLUMNS} FROM respondents WHERE id = ?", (respondent_id,)
        )
        return _respondent(row) if row else None

    async def join_round(
        self,
        *,
        chat_id: int,
        respondent_id: str,
        link: RoundLink,
        language: str,
        first: Turn,
    ) -> None:
        at = first.at

        async def op(conn: Connection) -> None:
            await self._claim_update(conn, first.update_id, at)
            await conn.execute(
                f"INSERT INTO respondents({RESPONDENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                (
                    respondent_id,
                    link.round.id,
                    link.group.id if link.group else None,
                    language,
                    first.status,
                    at.isoformat(),
                    at.isoformat(),
                ),
            )
            await conn.execute(
                "INSERT INTO contacts(respondent_id, chat_id) VALUES (?, ?)",
                (respondent_id, chat_id),
            )
            await conn.execute(
                "INSERT INTO chats(chat_id, created_at, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (chat_id, at.isoformat(), at.isoformat()),
            )
            await conn.execute(
                "UPDATE chats SET active_respondent = ?, pending_token = NULL, updated_at = ? "
                "WHERE chat_id = ?",
                (respondent_id, at.isoformat(), chat_id),
            )
            await self._apply_turn(conn, first)

        await self._submit(op)

    async def active_session(
        self, respondent_id: str
    ) -> tuple[Respondent, SessionState | None, Round] | None:
        """A respondent with their session (None if it is gone) and their round: `respondent`,
        `session` and `round` in one query (issue 16)."""
        row = await self._fetch_one(
            f"SELECT {_qualified('r', RESPONDENT_COLUMNS)}, s.state, "
            f"{_qualified('o', ROUND_COLUMNS)} FROM respondents r "
            "JOIN rounds o ON o.id = r.round_id "
            "LEFT JOIN sessions s ON s.respondent_id = r.id WHERE r.id = ?",
            (respondent_id,),
        )
        if row is None:
            return None
        values = tuple(row)
        width = len(RESPONDENT_COLUMNS.split(","))
        state = values[width]
        return (
            _respondent(values[:width]),
            SessionState.from_json(state) if state is not None else None,
            _round(values[width + 1 :]),
        )

    async def session(self, respondent_id: str) -> SessionState | None:
        row = await self._fetch_one(
            "SELECT state FROM sessions WHERE respondent_id = ?", (respondent_id,)
        )
        return SessionState.from_json(row[0]) if row else None

    async def record_turn(self, turn: Turn) -> None:
        async def op(conn: Connection) -> None:
            await self._claim_update(conn, turn.update_id, turn.at)
            await self._apply_turn(conn, turn)

        await self._submit(op)

    @staticmethod
    async def _apply_turn(conn: Connection, turn: Turn) -> None:
        at = turn.at.isoformat()
        await conn.execute(
            "INSERT INTO sessions(respondent_id, state, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(respondent_id) DO UPDATE SET state = excluded.state, "
            "updated_at = excluded.updated_at",
            (turn.respondent_id, turn.state.to_json(), at),
        )
        completed_at = at if turn.completed else None
        await conn.execute(
            "UPDATE respondents SET status = ?, language = ?, updated_at = ?, "
            "completed_at = COALESCE(completed_at, ?) WHERE id = ?",
            (turn.status, turn.language, at, completed_at, turn.respondent_id),
        )
        if turn.upserts:
            await conn.executemany(
                "INSERT INTO answers(respondent_id, question_id, round_id, value, choices, text, "
                "text_language, voice_file_id, voice_seconds, skipped, truncated, answered_at, "
                "respondent_language, respondent_group) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                "(SELECT COALESCE(group_id, 0) FROM respondents WHERE id = ?)) "
                "ON CONFLICT(respondent_id, question_id) DO UPDATE SET value = excluded.value, "
                "choices = excluded.choices, text = excluded.text, "
                "text_language = excluded.text_language, voice_file_id = excluded.voice_file_id, "
                "voice_seconds = excluded.voice_seconds, skipped = excluded.skipped, "
                "truncated = excluded.truncated, answered_at = excluded.answered_at",
                [
                    (
                        turn.respondent_id,
                        *_answer_row(turn.round_id, turn.language, turn.at, a),
                        turn.language,  # the report's cells (migration 010), as set above
                        turn.respondent_id,
                    )
                    for a in turn.upserts
                ],
            )
        for question_id in turn.removals:
            await conn.execute(
                "DELETE FROM answers WHERE respondent_id = ? AND question_id = ?",
                (turn.respondent_id, question_id),
            )
        if turn.owed_chat is not None:
            await conn.execute(
                "INSERT INTO owed_messages(chat_id, respondent_id, since) VALUES (?, ?, ?) "
                "ON CONFLICT(chat_id) DO UPDATE SET respondent_id = excluded.respondent_id, "
                "since = excluded.since",
                (turn.owed_chat, turn.respondent_id, at),
            )

    # ---- owed replies ----------------------------------------------------------------------

    async def owed(self, chat_id: int) -> Owed | None:
        row = await self._fetch_one(
            "SELECT chat_id, respondent_id, since FROM owed_messages WHERE chat_id = ?",
            (chat_id,),
        )
        return Owed(row[0], row[1], datetime.fromisoformat(row[2])) if row else None

    async def all_owed(self) -> list[Owed]:
        rows = await self._fetch(
            "SELECT chat_id, respondent_id, since FROM owed_messages ORDER BY since, chat_id"
        )
        return [Owed(r[0], r[1], datetime.fromisoformat(r[2])) for r in rows]

    async def settle_owed(self, chat_id: int) -> None:
        async def op(conn: Connection) -> None:
            await conn.execute("DELETE FROM owed_messages WHERE chat_id = ?", (chat_id,))

        await self._submit(op)

    async def set_status(
        self, respondent_id: str, status: str, at: datetime, update_id: int | None = None
    ) -> None:
        async def op(conn: Connection) -> None:
            await self._claim_update(conn, update_id, at)
            await conn.execute(
                "UPDATE respondents SET status = ?, updated_at = ? WHERE id = ?",
                (status, at.isoformat(), respondent_id),
            )

        await self._submit(op)

    async def forget_chat(self, chat_id: int, update_id: int | None, at: datetime) -> int:
        """Delete every row that belongs to this chat: respondents, answers, sessions, chat."""

        async def op(conn: Connection) -> int:
            await self._claim_update(conn, update_id, at)
            await conn.execute(  # the records of copies of this chat's voice answers
                f"DELETE FROM forwarded_voices WHERE voice_file_id IN ({VOICES_OF_CHAT})",
                (chat_id,),
            )
            cur = await conn.execute(
                "DELETE FROM respondents WHERE id IN "
                "(SELECT respondent_id FROM contacts WHERE chat_id = ?)",
                (chat_id,),
            )
            removed = cur.rowcount
            await conn.execute("DELETE FROM contacts WHERE chat_id = ?", (chat_id,))
            for statement in FORGET_CHAT_TABLES:
                await conn.execute(statement, (chat_id,))
            await conn.execute("DELETE FROM chats WHERE chat_id = ?", (chat_id,))
            return removed

        removed = await self._submit(op)
        await self._after_forget()  # SQLite: the deleted pages leave the WAL too
        return removed

    async def scrub_forgotten(self) -> int:
        """Housekeeping after /vergeet: PostgreSQL VACUUMs the tables it deleted from; SQLite
        has nothing to do (secure_delete, and the WAL truncated at the forget; docs/privacy.md)."""
        return await self._scrub(FORGOTTEN_TABLES)

    # ---- voice answers forwarded to a brugfiguur ------------------------------------------

    async def record_forwarded(
        self, voice_file_id: str, chat_id: int, message_id: int, at: datetime
    ) -> None:
        """A voice answer was forwarded into `chat_id` as message `message_id`."""

        async def op(conn: Connection) -> None:
            await conn.execute(
                "INSERT INTO forwarded_voices(voice_file_id, chat_id, message_id, sent_at) "
                "VALUES (?, ?, ?, ?)",
                (voice_file_id, chat_id, message_id, at.isoformat()),
            )

        await self._submit(op)

    async def forwarded_copies(self, chat_id: int) -> list[tuple[int, int]]:
        """(chat id, message id) of every forwarded copy of this chat's voice answers."""
        rows = await self._fetch(
            "SELECT chat_id, message_id FROM forwarded_voices WHERE voice_file_id IN "
            f"({VOICES_OF_CHAT}) ORDER BY id",
            (chat_id,),
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    # ---- reading answers -------------------------------------------------------------------

    async def answers_of(self, respondent_id: str) -> list[Answer]:
        rows = await self._fetch(
            "SELECT question_id, value, choices, text, voice_file_id, voice_seconds, skipped, "
            "truncated FROM answers WHERE respondent_id = ? ORDER BY answered_at, question_id",
            (respondent_id,),
        )
        return [
            Answer(
                question_id=r[0],
                value=r[1],
                values=tuple(json.loads(r[2])) if r[2] else (),
                text=r[3],
                voice_file_id=r[4],
                voice_seconds=r[5],
                skipped=bool(r[6]),
                truncated=bool(r[7]),
            )
            for r in rows
        ]
