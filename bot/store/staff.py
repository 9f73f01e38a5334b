"""Staff, invites, staff dialogues, rounds launched from the chat, and the outbox: all their SQL.

Writes go through the store's group-commit writer (`SqliteStore.run_write`), each in its own
SAVEPOINT, and claim the Telegram update id that caused them where there is one, so a
redelivered update changes nothing. Reads use the store's read connection (`run_read`).

Outbox times are stored as UTC ISO strings with microseconds, so they compare as text and the
`outbox_due` index serves the sender's query.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.staff import TEAM_ROLES, Access, Grant, Role, hash_token
from bot.store.sqlite import SqliteStore

Conn = aiosqlite.Connection

# Outbox statuses (see migrations/003_outbox.sql for who sets which).
PENDING, SENDING, SENT = "pending", "sending", "sent"
BLOCKED, FAILED, UNKNOWN, CANCELLED = "blocked", "failed", "unknown", "cancelled"
SETTLED = (SENT, BLOCKED, FAILED, UNKNOWN, CANCELLED)
GONE = "gone"  # claim(): the message is no longer pending (another sender took it, or /vergeet)
GO = "go"  # claim(): marked sending; call Telegram now


def ts(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# ---- records ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    chat_id: int
    name: str


@dataclass(frozen=True, slots=True)
class Accepted:
    """An invite accepted: the member and the grant it gave."""

    member_id: int
    grant: Grant


@dataclass
class Dialogue:
    """A staff dialogue in progress; `data` holds the choices so far (JSON in the database)."""

    chat_id: int
    member_id: int
    kind: str
    nonce: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None  # set when read back


@dataclass(frozen=True, slots=True)
class GroupPlan:
    name: str
    token: str
    expected: int | None


@dataclass(frozen=True, slots=True)
class RoundPlan:
    """A round as the /ronde dialogue decided it, ready to be written in one transaction."""

    school_id: int
    flow_id: str
    flow_version: int
    audience: str
    topic: str | None
    token: str
    closes_at: datetime
    expected: int | None
    groups: tuple[GroupPlan, ...] = ()


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to put in the outbox."""

    chat_id: int
    kind: str
    language: str
    text: str
    markup: str | None = None  # InlineKeyboardMarkup.to_json()
    round_id: int | None = None
    respondent_id: str | None = None
    dedupe_key: str | None = None


@dataclass(frozen=True, slots=True)
class Queued:
    """A message of the outbox, as the sender reads it."""

    id: int
    chat_id: int
    kind: str
    batch_id: int | None
    text: str
    markup: str | None
    attempts: int


@dataclass(frozen=True, slots=True)
class Batch:
    id: int
    kind: str
    school_id: int | None
    round_id: int | None
    title: str
    created_by: int | None
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class BatchResult:
    """A batch whose messages are all settled, with its counts per status."""

    batch: Batch
    creator_chat: int | None
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class Recipient:
    chat_id: int
    language: str
    respondent_id: str | None = None


@dataclass(frozen=True, slots=True)
class StatusCell:
    """Respondents of a round with one (group, language, status)."""

    group_id: int | None
    language: str
    status: str
    count: int


# ---- the store -------------------------------------------------------------------------------


class StaffStore:
    """The staff features' reads and writes, on the foundation store's connections."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    async def _read(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        return await self.store.run_read(sql, params)

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> Any | None:
        rows = await self._read(sql, params)
        return rows[0] if rows else None

    @staticmethod
    async def _claim(conn: Conn, update_id: int | None, at: datetime) -> None:
        await SqliteStore._claim_update(conn, update_id, at)

    # ---- members and roles ---------------------------------------------------------------------

    async def access(self, chat_id: int) -> Access:
        """Every grant of this chat, and the centre of every school they touch."""
        rows = await self._read(
            "SELECT m.id, r.role, r.school_id, r.centre_id, r.reports FROM staff_members m "
            "LEFT JOIN staff_roles r ON r.member_id = m.id WHERE m.chat_id = ?",
            (chat_id,),
        )
        if not rows:
            return Access(member_id=None)
        grants = tuple(Grant(Role(r[1]), r[2], r[3], bool(r[4])) for r in rows if r[1] is not None)
        school_ids = sorted({g.school_id for g in grants if g.school_id is not None})
        centre_ids = sorted({g.centre_id for g in grants if g.centre_id is not None})
        centre_of: dict[int, int | None] = {}
        named: set[int] = set()  # schools that agreed to be named (privacy, issue 11 item 6)
        if school_ids:
            marks = ",".join("?" * len(school_ids))
            for sid, cid, shared in await self._read(
                f"SELECT id, centre_id, share_named FROM schools WHERE id IN ({marks})", school_ids
            ):
                centre_of[sid] = cid
                named |= {sid} if shared else set()
        if centre_ids:
            marks = ",".join("?" * len(centre_ids))
            for sid, cid, shared in await self._read(
                f"SELECT id, centre_id, share_named FROM schools WHERE centre_id IN ({marks})",
                centre_ids,
            ):
                centre_of[sid] = cid
                named |= {sid} if shared else set()
        return Access(
            member_id=rows[0][0], grants=grants, centre_of=centre_of, named=frozenset(named)
        )

    async def member(self, chat_id: int) -> Member | None:
        row = await self._one(
            "SELECT id, chat_id, name FROM staff_members WHERE chat_id = ?", (chat_id,)
        )
        return Member(*row) if row else None

    async def member_by_id(self, member_id: int) -> Member | None:
        row = await self._one(
            "SELECT id, chat_id, name FROM staff_members WHERE id = ?", (member_id,)
        )
        return Member(*row) if row else None

    async def members(self, school_id: int | None = None) -> list[tuple[Member, list[Grant]]]:
        """Members with their grants (of one school, or all)."""
        sql = (
            "SELECT m.id, m.chat_id, m.name, r.role, r.school_id, r.centre_id, r.reports "
            "FROM staff_members m JOIN staff_roles r ON r.member_id = m.id"
        )
        params: tuple[Any, ...] = ()
        if school_id is not None:
            sql += " WHERE r.school_id = ?"
            params = (school_id,)
        found: dict[int, tuple[Member, list[Grant]]] = {}
        for r in await self._read(sql + " ORDER BY m.id, r.id", params):
            entry = found.setdefault(r[0], (Member(r[0], r[1], r[2]), []))
            entry[1].append(Grant(Role(r[3]), r[4], r[5], bool(r[6])))
        return list(found.values())

    async def team_chats(self, school_id: int) -> list[int]:
        """Chats of the people who answer a school's team barometer."""
        marks = ",".join("?" * len(TEAM_ROLES))
        rows = await self._read(
            "SELECT DISTINCT m.chat_id FROM staff_members m JOIN staff_roles r ON r.member_id = m.id "
            f"WHERE r.school_id = ? AND r.role IN ({marks}) ORDER BY m.chat_id",
            (school_id, *TEAM_ROLES),
        )
        return [r[0] for r in rows]

    async def revoke(self, member_id: int, school_id: int | None = None) -> int:
        """Remove a member's roles (at one school, or all); a member left without roles goes."""

        async def op(conn: Conn) -> int:
            if school_id is None:
                cur = await conn.execute(
                    "DELETE FROM staff_roles WHERE member_id = ?", (member_id,)
                )
            else:
                cur = await conn.execute(
                    "DELETE FROM staff_roles WHERE member_id = ? AND school_id = ?",
                    (member_id, school_id),
                )
            await conn.execute(
                "DELETE FROM staff_members WHERE id = ? AND NOT EXISTS "
                "(SELECT 1 FROM staff_roles WHERE member_id = ?)",
                (member_id, member_id),
            )
            return int(cur.rowcount)

        return await self.store.run_write(op)

    # ---- invites -------------------------------------------------------------------------------

    async def create_invite(
        self,
        token: str,
        grant: Grant,
        *,
        created_by: int | None,
        at: datetime,
        expires_at: datetime,
        update_id: int | None = None,
    ) -> None:
        async def op(conn: Conn) -> None:
            await self._claim(conn, update_id, at)
            await conn.execute(
                "INSERT INTO staff_invites(token_hash, role, school_id, centre_id, reports, "
                "created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    hash_token(token),
                    grant.role.value,
                    grant.school_id,
                    grant.centre_id,
                    int(grant.reports),
                    created_by,
                    ts(at),
                    ts(expires_at),
                ),
            )

        await self.store.run_write(op)

    async def accept_invite(
        self, token: str, *, chat_id: int, name: str, at: datetime, update_id: int | None
    ) -> Accepted | None:
        """Use an invite once: the chat becomes (or stays) a member with the invite's grant.

        None when the token is unknown, used or expired (the caller cannot tell which).
        """

        async def op(conn: Conn) -> Accepted | None:
            await self._claim(conn, update_id, at)
            async with conn.execute(
                "SELECT role, school_id, centre_id, reports FROM staff_invites "
                "WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
                (hash_token(token), ts(at)),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            grant = Grant(Role(row[0]), row[1], row[2], bool(row[3]))
            await conn.execute(
                "INSERT OR IGNORE INTO staff_members(chat_id, name, created_at) VALUES (?, ?, ?)",
                (chat_id, name, ts(at)),
            )
            async with conn.execute(
                "SELECT id FROM staff_members WHERE chat_id = ?", (chat_id,)
            ) as cur:
                member_row = await cur.fetchone()
            assert member_row is not None
            member_id = int(member_row[0])
            async with conn.execute(
                "SELECT id FROM staff_roles WHERE member_id = ? AND role = ? "
                "AND school_id IS ? AND centre_id IS ?",
                (member_id, grant.role.value, grant.school_id, grant.centre_id),
            ) as cur:
                existing = await cur.fetchone()
            if existing:
                await conn.execute(
                    "UPDATE staff_roles SET reports = MAX(reports, ?) WHERE id = ?",
                    (int(grant.reports), existing[0]),
                )
            else:
                await conn.execute(
                    "INSERT INTO staff_roles(member_id, role, school_id, centre_id, reports, "
                    "granted_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        member_id,
                        grant.role.value,
                        grant.school_id,
                        grant.centre_id,
                        int(grant.reports),
                        ts(at),
                    ),
                )
            await conn.execute(
                "UPDATE staff_invites SET used_at = ?, used_by = ? WHERE token_hash = ?",
                (ts(at), member_id, hash_token(token)),
            )
            return Accepted(member_id, grant)

        return await self.store.run_write(op)

    # ---- centres -------------------------------------------------------------------------------

    async def add_centre(self, name: str, at: datetime) -> int:
        async def op(conn: Conn) -> int:
            cur = await conn.execute(
                "INSERT INTO centres(name, created_at) VALUES (?, ?)", (name, ts(at))
            )
            return int(cur.lastrowid or 0)

        return await self.store.run_write(op)

    async def centres(self) -> list[tuple[int, str, int]]:
        """(id, name, number of schools) of every centre."""
        rows = await self._read(
            "SELECT c.id, c.name, COUNT(s.id) FROM centres c LEFT JOIN schools s "
            "ON s.centre_id = c.id GROUP BY c.id ORDER BY c.id"
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def centre_exists(self, centre_id: int) -> bool:
        return await self._one("SELECT 1 FROM centres WHERE id = ?", (centre_id,)) is not None

    async def join_centre(self, school_id: int, centre_id: int | None) -> bool:
        async def op(conn: Conn) -> bool:
            cur = await conn.execute(
                "UPDATE schools SET centre_id = ? WHERE id = ?", (centre_id, school_id)
            )
            return cur.rowcount > 0

        return await self.store.run_write(op)

    async def school_names(self, school_ids: Sequence[int]) -> dict[int, str]:
        if not school_ids:
            return {}
        marks = ",".join("?" * len(school_ids))
        rows = await self._read(
            f"SELECT id, name FROM schools WHERE id IN ({marks})", list(school_ids)
        )
        return {r[0]: r[1] for r in rows}

    # ---- dialogues -----------------------------------------------------------------------------

    async def dialogue(self, chat_id: int) -> Dialogue | None:
        row = await self._one(
            "SELECT chat_id, member_id, kind, nonce, step, data, updated_at FROM staff_dialogues "
            "WHERE chat_id = ?",
            (chat_id,),
        )
        if row is None:
            return None
        return Dialogue(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), _dt(row[6]))

    async def save_dialogue(
        self, dialogue: Dialogue, at: datetime, update_id: int | None = None
    ) -> None:
        async def op(conn: Conn) -> None:
            await self._claim(conn, update_id, at)
            await conn.execute(
                "INSERT OR REPLACE INTO staff_dialogues(chat_id, member_id, kind, nonce, step, data, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    dialogue.chat_id,
                    dialogue.member_id,
                    dialogue.kind,
                    dialogue.nonce,
                    dialogue.step,
                    json.dumps(dialogue.data, ensure_ascii=False),
                    ts(at),
                ),
            )

        await self.store.run_write(op)

    async def end_dialogue(self, chat_id: int, at: datetime, update_id: int | None = None) -> None:
        async def op(conn: Conn) -> None:
            await self._claim(conn, update_id, at)
            await conn.execute("DELETE FROM staff_dialogues WHERE chat_id = ?", (chat_id,))

        await self.store.run_write(op)

    # ---- rounds --------------------------------------------------------------------------------

    async def launch_round(
        self, plan: RoundPlan, *, chat_id: int, at: datetime, update_id: int | None
    ) -> int:
        """Write the round and its groups, and end the dialogue, in one transaction."""

        async def op(conn: Conn) -> int:
            await self._claim(conn, update_id, at)
            cur = await conn.execute(
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
            round_id = int(cur.lastrowid or 0)
            await conn.executemany(
                "INSERT INTO round_groups(round_id, name, token, expected) VALUES (?, ?, ?, ?)",
                [(round_id, g.name, g.token, g.expected) for g in plan.groups],
            )
            await conn.execute("DELETE FROM staff_dialogues WHERE chat_id = ?", (chat_id,))
            return round_id

        return await self.store.run_write(op)

    async def open_rounds(self) -> list[int]:
        """Ids of the rounds still open (their closing date may have passed a moment ago)."""
        rows = await self._read("SELECT id FROM rounds WHERE status = 'open' ORDER BY id")
        return [r[0] for r in rows]

    async def previous_groups(self, school_id: int) -> list[tuple[str, int | None]]:
        """The groups (name, expected) of the school's latest round that had groups."""
        rows = await self._read(
            "SELECT g.name, g.expected FROM round_groups g WHERE g.round_id = "
            "(SELECT MAX(g2.round_id) FROM round_groups g2 JOIN rounds r ON r.id = g2.round_id "
            "WHERE r.school_id = ?) ORDER BY g.id",
            (school_id,),
        )
        return [(r[0], r[1]) for r in rows]

    async def status_cells(self, round_id: int) -> list[StatusCell]:
        rows = await self._read(
            "SELECT group_id, language, status, COUNT(*) FROM respondents WHERE round_id = ? "
            "GROUP BY group_id, language, status",
            (round_id,),
        )
        return [StatusCell(r[0], r[1], r[2], r[3]) for r in rows]

    async def language_counts(self, school_id: int) -> dict[str, int]:
        """Respondents per language over all the school's rounds: its most common languages."""
        rows = await self._read(
            "SELECT p.language, COUNT(*) FROM respondents p JOIN rounds r ON r.id = p.round_id "
            "WHERE r.school_id = ? GROUP BY p.language",
            (school_id,),
        )
        return {r[0]: r[1] for r in rows}

    async def participants(self, round_id: int) -> list[Recipient]:
        """Everyone who took part in a round (answered something) and can still be reached."""
        rows = await self._read(
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
        rows = await self._read(
            "SELECT c.chat_id, COALESCE(ch.language, p.language), p.id FROM respondents p "
            "JOIN contacts c ON c.respondent_id = p.id "
            "LEFT JOIN chats ch ON ch.chat_id = c.chat_id "
            "WHERE p.round_id = ? AND p.status IN ('waiting', 'paused') "
            "AND NOT (p.status = 'paused' AND julianday(p.updated_at) > julianday(?)) "
            "AND julianday(p.updated_at) <= julianday(?) "
            "AND COALESCE(ch.no_reminders, 0) = 0 AND COALESCE(ch.blocked, 0) = 0 "
            "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dedupe_key = "
            "'reminder:' || p.round_id || ':' || c.chat_id) ORDER BY p.started_at, p.id",
            (round_id, paused_since.isoformat(), active_since.isoformat()),
        )
        return [Recipient(r[0], r[1], r[2]) for r in rows]

    async def team_not_started(self, round_id: int, school_id: int) -> list[Recipient]:
        """Team members with no answers at all in this team round, not yet reminded."""
        marks = ",".join("?" * len(TEAM_ROLES))
        rows = await self._read(
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

        async def op(conn: Conn) -> tuple[int | None, int]:
            await self._claim(conn, update_id, at)
            batch_id = None
            if batch_kind is not None:
                cur = await conn.execute(
                    "INSERT INTO outbox_batches(kind, school_id, round_id, title, created_by, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (batch_kind, school_id, round_id, title, created_by, ts(at)),
                )
                batch_id = cur.lastrowid
            added = await _insert_messages(conn, messages, batch_id, at)
            if end_dialogue_of is not None:
                await conn.execute(
                    "DELETE FROM staff_dialogues WHERE chat_id = ?", (end_dialogue_of,)
                )
            return batch_id, added

        return await self.store.run_write(op)

    # ---- the outbox: send ----------------------------------------------------------------------

    async def due(self, now: datetime, limit: int) -> list[Queued]:
        rows = await self._read(
            "SELECT id, chat_id, kind, batch_id, text, markup, attempts FROM outbox "
            "WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
            (ts(now), limit),
        )
        return [Queued(*r) for r in rows]

    async def next_due(self) -> datetime | None:
        row = await self._one("SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'")
        return _dt(row[0]) if row else None

    async def claim(self, message_id: int, now: datetime) -> str:
        """Mark a due message 'sending' (committed before the call), or settle it unsent.

        Returns GO, GONE, BLOCKED (the chat blocked the bot before) or CANCELLED (a reminder no
        longer wanted: finished, paused, asked for none, round closed).
        """

        async def op(conn: Conn) -> str:
            async with conn.execute(
                "SELECT o.chat_id, o.kind, o.round_id, o.respondent_id, o.status, "
                "COALESCE(ch.blocked, 0), COALESCE(ch.no_reminders, 0) FROM outbox o "
                "LEFT JOIN chats ch ON ch.chat_id = o.chat_id WHERE o.id = ?",
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

        return await self.store.run_write(op)

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

        async def op(conn: Conn) -> None:
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

        await self.store.run_write(op)

    async def mark_blocked(self, message_id: int, chat_id: int, at: datetime) -> int:
        """403: this message and every other pending one to the chat are blocked; so is the chat."""

        async def op(conn: Conn) -> int:
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
                "INSERT OR IGNORE INTO chats(chat_id, created_at, updated_at) VALUES (?, ?, ?)",
                (chat_id, at.isoformat(), at.isoformat()),
            )
            await conn.execute(
                "UPDATE chats SET blocked = 1, updated_at = ? WHERE chat_id = ?",
                (at.isoformat(), chat_id),
            )
            return int(cur.rowcount)

        return await self.store.run_write(op)

    async def recover(self, at: datetime) -> int:
        """At start-up: a message still 'sending' was interrupted mid-call. It becomes 'unknown'
        and is never sent again (Telegram may have delivered it; it has no idempotency key)."""

        async def op(conn: Conn) -> int:
            cur = await conn.execute(
                "UPDATE outbox SET status = 'unknown', error = 'interrupted', updated_at = ? "
                "WHERE status = 'sending'",
                (ts(at),),
            )
            return int(cur.rowcount)

        return await self.store.run_write(op)

    async def finish_batches(
        self, at: datetime, notice: Callable[[BatchResult], NewMessage | None]
    ) -> list[BatchResult]:
        """Close every batch with nothing left to send; queue `notice(result)` for its creator."""

        async def op(conn: Conn) -> list[BatchResult]:
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

        return await self.store.run_write(op)

    async def batch(self, batch_id: int) -> Batch | None:
        row = await self._one(
            "SELECT id, kind, school_id, round_id, title, created_by, finished_at "
            "FROM outbox_batches WHERE id = ?",
            (batch_id,),
        )
        return Batch(row[0], row[1], row[2], row[3], row[4], row[5], _dt(row[6])) if row else None

    async def batch_counts(self, batch_id: int) -> dict[str, int]:
        rows = await self._read(
            "SELECT status, COUNT(*) FROM outbox WHERE batch_id = ? GROUP BY status", (batch_id,)
        )
        return {r[0]: r[1] for r in rows}

    async def outbox_counts(self) -> dict[str, dict[str, int]]:
        """{kind: {status: count}} of the whole outbox."""
        rows = await self._read("SELECT kind, status, COUNT(*) FROM outbox GROUP BY kind, status")
        counts: dict[str, dict[str, int]] = {}
        for kind, status, n in rows:
            counts.setdefault(kind, {})[status] = n
        return counts


async def _insert_messages(
    conn: Conn, messages: Sequence[NewMessage], batch_id: int | None, at: datetime
) -> int:
    added = 0
    for m in messages:
        cur = await conn.execute(
            "INSERT OR IGNORE INTO outbox(chat_id, kind, batch_id, round_id, respondent_id, "
            "language, text, markup, dedupe_key, next_attempt_at, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    conn: Conn, round_id: int | None, respondent_id: str | None, chat_id: int, now: datetime
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
