"""Recordings of questions by staff (`RecordingStore`), on either engine, pending until a second
staff member approves them; the newest approved recording of a question is the one read aloud.

Imports go one way: the database base and the records.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.store.database import Connection, Database, parse_time, ts
from bot.store.records import Recording

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
_COLUMNS = (
    "id, school_id, flow_id, language, question_id, recorded_by, status, created_at, decided_by"
)


def _recording(row: Any) -> Recording:
    return Recording(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], parse_time(row[7]), row[8]
    )


class Recordings(Database):
    """`bot.store.protocols.RecordingStore` over the shared database."""

    async def add_recording(
        self,
        school_id: int,
        flow_id: str,
        language: str,
        question_id: str,
        recorded_by: int,
        sound: bytes,
        at: datetime,
        update_id: int | None = None,
    ) -> int:
        async def op(conn: Connection) -> int:
            await self._claim_update(conn, update_id, at)
            return await self.dialect.insert_id(
                conn,
                "INSERT INTO question_recordings(school_id, flow_id, language, question_id, "
                "recorded_by, sound, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (school_id, flow_id, language, question_id, recorded_by, sound, PENDING, ts(at)),
            )

        return await self._submit(op)

    async def recording(self, recording_id: int) -> Recording | None:
        row = await self._fetch_one(
            f"SELECT {_COLUMNS} FROM question_recordings WHERE id = ?", (recording_id,)
        )
        return _recording(row) if row is not None else None

    async def recording_sound(self, recording_id: int) -> bytes | None:
        row = await self._fetch_one(
            "SELECT sound FROM question_recordings WHERE id = ?", (recording_id,)
        )
        return bytes(row[0]) if row is not None else None

    async def pending_recordings(self, school_id: int) -> list[Recording]:
        rows = await self._fetch(
            f"SELECT {_COLUMNS} FROM question_recordings WHERE school_id = ? AND status = ? "
            "ORDER BY id",
            (school_id, PENDING),
        )
        return [_recording(row) for row in rows]

    async def decide_recording(
        self,
        recording_id: int,
        approve: bool,
        decided_by: int,
        at: datetime,
        update_id: int | None = None,
    ) -> bool:
        async def op(conn: Connection) -> bool:
            await self._claim_update(conn, update_id, at)
            cur = await conn.execute(
                "UPDATE question_recordings SET status = ?, decided_by = ?, decided_at = ? "
                "WHERE id = ? AND status = ?",
                (APPROVED if approve else REJECTED, decided_by, ts(at), recording_id, PENDING),
            )
            return cur.rowcount > 0

        return await self._submit(op)

    async def recorded_sound(
        self, flow_id: str, language: str, question_id: str
    ) -> tuple[int, bytes] | None:
        row = await self._fetch_one(
            "SELECT id, sound FROM question_recordings WHERE flow_id = ? AND language = ? "
            "AND question_id = ? AND status = ? ORDER BY decided_at DESC, id DESC LIMIT 1",
            (flow_id, language, question_id, APPROVED),
        )
        return (int(row[0]), bytes(row[1])) if row is not None else None

    async def recorded_questions(self, flow_id: str, language: str) -> set[str]:
        rows = await self._fetch(
            "SELECT DISTINCT question_id FROM question_recordings WHERE flow_id = ? "
            "AND language = ? AND status = ?",
            (flow_id, language, APPROVED),
        )
        return {str(row[0]) for row in rows}

    async def recording_counts(self) -> dict[str, int]:
        rows = await self._fetch(
            "SELECT language, COUNT(*) FROM (SELECT DISTINCT language, flow_id, question_id "
            "FROM question_recordings WHERE status = ?) AS done GROUP BY language",
            (APPROVED,),
        )
        return {str(row[0]): int(row[1]) for row in rows}
