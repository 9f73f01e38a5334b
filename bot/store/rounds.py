"""Rounds (`RoundStore`), on either engine: schools, rounds and their groups, the launch from
/ronde, the status cells and participants staff see, and who may be reminded.

Imports go one way: the database base and the records; never telegram or reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from bot.staff import TEAM_ROLES
from bot.store.database import Connection, Database, iso, parse_time
from bot.store.outbox import retime_held
from bot.store.records import Recipient, Round, RoundGroup, RoundLink, RoundPlan, School, StatusCell

ROUND_COLUMNS = (
    "id, school_id, flow_id, flow_version, audience, topic, start_token, status, expected, "
    "opens_at, closes_at, closed_at, created_at"
)


def _round(row: Iterable[Any]) -> Round:
    r = list(row)
    return Round(
        id=r[0],
        school_id=r[1],
        flow_id=r[2],
        flow_version=r[3],
        audience=r[4],
        topic=r[5],
        start_token=r[6],
        status=r[7],
        expected=r[8],
        opens_at=datetime.fromisoformat(r[9]),
        closes_at=parse_time(r[10]),
        closed_at=parse_time(r[11]),
        created_at=datetime.fromisoformat(r[12]),
    )


class Rounds(Database):
    """`bot.store.protocols.RoundStore` over the shared database."""

    # ---- schools -------------------------------------------------------------------------------

    async def add_school(self, name: str, at: datetime) -> School:
        async def op(conn: Connection) -> int:
            return await self.dialect.insert_id(
                conn, "INSERT INTO schools(name, created_at) VALUES (?, ?)", (name, at.isoformat())
            )

        return School(await self._submit(op), name, at)

    async def school(self, school_id: int) -> School | None:
        row = await self._fetch_one(
            "SELECT id, name, created_at FROM schools WHERE id = ?", (school_id,)
        )
        return School(row[0], row[1], datetime.fromisoformat(row[2])) if row else None

    async def schools(self) -> list[School]:
        rows = await self._fetch("SELECT id, name, created_at FROM schools ORDER BY id")
        return [School(r[0], r[1], datetime.fromisoformat(r[2])) for r in rows]

    async def school_names(self, school_ids: Sequence[int]) -> dict[int, str]:
        if not school_ids:
            return {}
        marks = ",".join("?" * len(school_ids))
        rows = await self._fetch(
            f"SELECT id, name FROM schools WHERE id IN ({marks})", list(school_ids)
        )
        return {r[0]: r[1] for r in rows}

    async def set_waking_hours(
        self, school_id: int, hours: str | None, *, held_until: datetime
    ) -> bool:
        """A school's own waking hours ("07:30-19:00", checked by the caller with
        `bot.schedule.school_waking_hours`), or None for the bot-wide setting. False: no such
        school.

        In the same transaction, the school's messages the outbox holds for waking hours go at
        `held_until` (the next start of the new hours, `bot.outbox.held_until`): earlier hours
        let them go earlier, later ones keep them back longer."""

        async def op(conn: Connection) -> bool:
            cur = await conn.execute(
                "UPDATE schools SET waking_hours = ? WHERE id = ?", (hours, school_id)
            )
            if not cur.rowcount:
                return False
            await retime_held(conn, school_id, held_until)
            return True

        return await self._submit(op)

    async def waking_hours(self, school_id: int) -> str | None:
        """A school's own waking hours; None: it follows the bot-wide setting (or no school)."""
        row = await self._fetch_one("SELECT waking_hours FROM schools WHERE id = ?", (school_id,))
        return row[0] if row else None

    # ---- rounds --------------------------------------------------------------------------------

    async def open_round(
        self,
        *,
        school_id: int,
        flow_id: str,
        flow_version: int,
        audience: str,
        token: str,
        at: datetime,
        closes_at: datetime | None = None,
        expected: int | None = None,
        topic: str | None = None,
    ) -> Round:
        async def op(conn: Connection) -> int:
            return await self.dialect.insert_id(
                conn,
                "INSERT INTO rounds(school_id, flow_id, flow_version, audience, topic, "
                "start_token, status, expected, opens_at, closes_at, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)",
                (
                    school_id,
                    flow_id,
                    flow_version,
                    audience,
                    topic,
                    token,
                    expected,
                    at.isoformat(),
                    iso(closes_at),
                    at.isoformat(),
                ),
            )

        round_id = await self._submit(op)
        created = await self.round(round_id)
        assert created is not None
        return created

    async def add_round_group(
        self, round_id: int, name: str, token: str, expected: int | None
    ) -> RoundGroup:
        async def op(conn: Connection) -> int:
            return await self.dialect.insert_id(
                conn,
                "INSERT INTO round_groups(round_id, name, token, expected) VALUES (?, ?, ?, ?)",
                (round_id, name, token, expected),
            )

        return RoundGroup(await self._submit(op), round_id, name, token, expected)

    async def launch_round(
        self, plan: RoundPlan, *, chat_id: int, at: datetime, update_id: int | None
    ) -> int:
        """Write the round and its groups, and end the dialogue, in one transaction."""

        async def op(conn: Connection) -> int:
            await self._claim_update(conn, update_id, at)
            round_id = await self.dialect.insert_id(
                conn,
                "INSERT INTO rounds(school_id, flow_id, flow_version, audience, topic, start_token, "
                "status, expected, opens_at, closes_at, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)",
                (
                    plan.school_id,
                    plan.flow_id,
                    plan.flow_version,
                    plan.audience,
                    plan.topic,
                    plan.token,
                    plan.expected,
                    at.isoformat(),
                    plan.closes_at.isoformat(),
                    at.isoformat(),
                ),
            )
            await conn.executemany(
                "INSERT INTO round_groups(round_id, name, token, expected) VALUES (?, ?, ?, ?)",
                [(round_id, g.name, g.token, g.expected) for g in plan.groups],
            )
            await conn.execute("DELETE FROM staff_dialogues WHERE chat_id = ?", (chat_id,))
            return round_id

        return await self._submit(op)

    async def round(self, round_id: int) -> Round | None:
        row = await self._fetch_one(f"SELECT {ROUND_COLUMNS} FROM rounds WHERE id = ?", (round_id,))
        return _round(row) if row else None

    async def rounds(self, school_id: int | None = None) -> list[Round]:
        if school_id is None:
            rows = await self._fetch(f"SELECT {ROUND_COLUMNS} FROM rounds ORDER BY id")
        else:
            rows = await self._fetch(
                f"SELECT {ROUND_COLUMNS} FROM rounds WHERE school_id = ? ORDER BY id", (school_id,)
            )
        return [_round(r) for r in rows]

    async def round_groups(self, round_id: int) -> list[RoundGroup]:
        rows = await self._fetch(
            "SELECT id, round_id, name, token, expected FROM round_groups "
            "WHERE round_id = ? ORDER BY id",
            (round_id,),
        )
        return [RoundGroup(*r) for r in rows]

    async def round_by_token(self, token: str) -> RoundLink | None:
        row = await self._fetch_one(
            f"SELECT {ROUND_COLUMNS} FROM rounds WHERE start_token = ?", (token,)
        )
        if row:
            return RoundLink(_round(row), None)
        group_row = await self._fetch_one(
            "SELECT id, round_id, name, token, expected FROM round_groups WHERE token = ?", (token,)
        )
        if not group_row:
            return None
        group = RoundGroup(*group_row)
        parent = await self.round(group.round_id)
        return RoundLink(parent, group) if parent else None

    async def close_round(self, round_id: int, at: datetime) -> bool:
        async def op(conn: Connection) -> bool:
            cur = await conn.execute(
                "UPDATE rounds SET status = 'closed', closed_at = ? "
                "WHERE id = ? AND status = 'open'",
                (at.isoformat(), round_id),
            )
            return cur.rowcount > 0

        return await self._submit(op)

    async def close_due_rounds(self, now: datetime) -> list[Round]:
        due = [
            r
            for r in await self.rounds()
            if r.status == "open" and r.closes_at is not None and r.closes_at <= now
        ]
        closed = []
        for r in due:
            if await self.close_round(r.id, now):
                closed.append(r)
        return closed

    async def open_rounds(self) -> list[int]:
        """Ids of the rounds still open (their closing date may have passed a moment ago)."""
        rows = await self._fetch("SELECT id FROM rounds WHERE status = 'open' ORDER BY id")
        return [r[0] for r in rows]

    async def previous_groups(self, school_id: int) -> list[tuple[str, int | None]]:
        """The groups (name, expected) of the school's latest round that had groups."""
        rows = await self._fetch(
            "SELECT g.name, g.expected FROM round_groups g WHERE g.round_id = "
            "(SELECT MAX(g2.round_id) FROM round_groups g2 JOIN rounds r ON r.id = g2.round_id "
            "WHERE r.school_id = ?) ORDER BY g.id",
            (school_id,),
        )
        return [(r[0], r[1]) for r in rows]

    # ---- what staff see of a round -------------------------------------------------------------

    async def count_respondents(self, round_id: int) -> dict[str, int]:
        rows = await self._fetch(
            "SELECT status, COUNT(*) FROM respondents WHERE round_id = ? GROUP BY status",
            (round_id,),
        )
        return {r[0]: r[1] for r in rows}

    async def status_cells(self, round_id: int) -> list[StatusCell]:
        rows = await self._fetch(
            "SELECT group_id, language, status, COUNT(*) FROM respondents WHERE round_id = ? "
            "GROUP BY group_id, language, status",
            (round_id,),
        )
        return [StatusCell(r[0], r[1], r[2], r[3]) for r in rows]

    async def language_counts(self, school_id: int) -> dict[str, int]:
        """Respondents per language over all the school's rounds: its most common languages."""
        rows = await self._fetch(
            "SELECT p.language, COUNT(*) FROM respondents p JOIN rounds r ON r.id = p.round_id "
            "WHERE r.school_id = ? GROUP BY p.language",
            (school_id,),
        )
        return {r[0]: r[1] for r in rows}

    async def participants(self, round_id: int) -> list[Recipient]:
        """Everyone who took part in a round (answered something) and can still be reached."""
        rows = await self._fetch(
            "SELECT c.chat_id, COALESCE(ch.language, p.language), p.id FROM respondents p "
            "JOIN contacts c ON c.respondent_id = p.id "
            "LEFT JOIN chats ch ON ch.chat_id = c.chat_id "
            "WHERE p.round_id = ? AND COALESCE(ch.blocked, 0) = 0 AND (p.completed_at IS NOT NULL "
            "OR EXISTS (SELECT 1 FROM answers a WHERE a.respondent_id = p.id)) "
            "ORDER BY p.started_at, p.id",
            (round_id,),
        )
        return [Recipient(r[0], r[1], r[2]) for r in rows]

    # ---- reminders -----------------------------------------------------------------------------

    async def reminder_candidates(
        self, round_id: int, *, paused_since: datetime, active_since: datetime
    ) -> list[Recipient]:
        """Who started this round and did not finish, may be reminded now, and was not yet."""
        updated, since = self.dialect.moment("p.updated_at"), self.dialect.moment("?")
        rows = await self._fetch(
            "SELECT c.chat_id, COALESCE(ch.language, p.language), p.id FROM respondents p "
            "JOIN contacts c ON c.respondent_id = p.id "
            "LEFT JOIN chats ch ON ch.chat_id = c.chat_id "
            "WHERE p.round_id = ? AND p.status IN ('waiting', 'paused') "
            f"AND NOT (p.status = 'paused' AND {updated} > {since}) "
            f"AND {updated} <= {since} "
            "AND COALESCE(ch.no_reminders, 0) = 0 AND COALESCE(ch.blocked, 0) = 0 "
            "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dedupe_key = "
            "'reminder:' || p.round_id || ':' || c.chat_id) ORDER BY p.started_at, p.id",
            (round_id, paused_since.isoformat(), active_since.isoformat()),
        )
        return [Recipient(r[0], r[1], r[2]) for r in rows]

    async def team_not_started(self, round_id: int, school_id: int) -> list[Recipient]:
        """Team members with no answers at all in this team round, not yet reminded."""
        marks = ",".join("?" * len(TEAM_ROLES))
        rows = await self._fetch(
            "SELECT DISTINCT m.chat_id FROM staff_members m JOIN staff_roles sr ON sr.member_id = m.id "
            "LEFT JOIN chats ch ON ch.chat_id = m.chat_id "
            f"WHERE sr.school_id = ? AND sr.role IN ({marks}) "
            "AND COALESCE(ch.no_reminders, 0) = 0 AND COALESCE(ch.blocked, 0) = 0 "
            "AND NOT EXISTS (SELECT 1 FROM contacts c JOIN respondents p ON p.id = c.respondent_id "
            "WHERE c.chat_id = m.chat_id AND p.round_id = ?) "
            "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dedupe_key = "
            "'reminder:' || ? || ':' || m.chat_id) ORDER BY m.chat_id",
            (school_id, *TEAM_ROLES, round_id, round_id),
        )
        return [Recipient(r[0], "nl") for r in rows]
