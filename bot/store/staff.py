"""Staff (`StaffStore`), on either engine: members and their roles, one-time invites (stored
as hashes), centres, and the staff dialogues in progress.

Staff times are stored as UTC ISO strings with microseconds (`ts`), so they compare as text.
Imports go one way: the staff domain, the database base and the records.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.staff import TEAM_ROLES, Access, Action, Grant, Role, hash_token, permits
from bot.store.database import Connection, Database, parse_time, ts
from bot.store.records import Accepted, Dialogue, Member


class Staff(Database):
    """`bot.store.protocols.StaffStore` over the shared database."""

    # ---- members and roles ---------------------------------------------------------------------

    async def access(self, chat_id: int) -> Access:
        """Every grant of this chat, and the centre of every school they touch."""
        rows = await self._fetch(
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
        named: set[int] = set()  # schools that agreed to be named (docs/privacy.md)
        if school_ids:
            marks = ",".join("?" * len(school_ids))
            for sid, cid, shared in await self._fetch(
                f"SELECT id, centre_id, share_named FROM schools WHERE id IN ({marks})", school_ids
            ):
                centre_of[sid] = cid
                named |= {sid} if shared else set()
        if centre_ids:
            marks = ",".join("?" * len(centre_ids))
            for sid, cid, shared in await self._fetch(
                f"SELECT id, centre_id, share_named FROM schools WHERE centre_id IN ({marks})",
                centre_ids,
            ):
                centre_of[sid] = cid
                named |= {sid} if shared else set()
        return Access(
            member_id=rows[0][0], grants=grants, centre_of=centre_of, named=frozenset(named)
        )

    async def member(self, chat_id: int) -> Member | None:
        row = await self._fetch_one(
            "SELECT id, chat_id, name FROM staff_members WHERE chat_id = ?", (chat_id,)
        )
        return Member(*row) if row else None

    async def member_by_id(self, member_id: int) -> Member | None:
        row = await self._fetch_one(
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
        for r in await self._fetch(sql + " ORDER BY m.id, r.id", params):
            entry = found.setdefault(r[0], (Member(r[0], r[1], r[2]), []))
            entry[1].append(Grant(Role(r[3]), r[4], r[5], bool(r[6])))
        return list(found.values())

    async def team_chats(self, school_id: int) -> list[int]:
        """Chats of the people who answer a school's team barometer."""
        marks = ",".join("?" * len(TEAM_ROLES))
        rows = await self._fetch(
            "SELECT DISTINCT m.chat_id FROM staff_members m JOIN staff_roles r ON r.member_id = m.id "
            f"WHERE r.school_id = ? AND r.role IN ({marks}) ORDER BY m.chat_id",
            (school_id, *TEAM_ROLES),
        )
        return [r[0] for r in rows]

    async def revoke(self, member_id: int, school_id: int | None = None) -> int:
        """Remove a member's roles (at one school, or all); a member left without roles goes."""

        async def op(conn: Connection) -> int:
            if school_id is None:
                cur = await conn.execute(
                    "DELETE FROM staff_roles WHERE member_id = ?", (member_id,)
                )
            else:
                cur = await conn.execute(
                    "DELETE FROM staff_roles WHERE member_id = ? AND school_id = ?",
                    (member_id, school_id),
                )
            # Their unused invites go with the roles: a revoked admin's links open nothing.
            if school_id is None:
                await conn.execute(
                    "DELETE FROM staff_invites WHERE created_by = ? AND used_at IS NULL",
                    (member_id,),
                )
            else:
                await conn.execute(
                    "DELETE FROM staff_invites WHERE created_by = ? AND used_at IS NULL "
                    "AND school_id = ?",
                    (member_id, school_id),
                )
            await conn.execute(
                "DELETE FROM staff_members WHERE id = ? AND NOT EXISTS "
                "(SELECT 1 FROM staff_roles WHERE member_id = ?)",
                (member_id, member_id),
            )
            return int(cur.rowcount)

        return await self._submit(op)

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
        async def op(conn: Connection) -> None:
            await self._claim_update(conn, update_id, at)
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

        await self._submit(op)

    async def accept_invite(
        self, token: str, *, chat_id: int, name: str, at: datetime, update_id: int | None
    ) -> Accepted | None:
        """Use an invite once: the chat becomes (or stays) a member with the invite's grant.

        None when the token is unknown, used or expired (the caller cannot tell which).
        """

        async def op(conn: Connection) -> Accepted | None:
            await self._claim_update(conn, update_id, at)
            async with conn.execute(
                "SELECT role, school_id, centre_id, reports, created_by FROM staff_invites "
                "WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
                (hash_token(token), ts(at)),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            grant = Grant(Role(row[0]), row[1], row[2], bool(row[3]))
            if row[4] is not None and not await self._may_invite(conn, row[4], grant):
                return None  # its creator was revoked (there) since: the invite is void
            await conn.execute(
                "INSERT INTO staff_members(chat_id, name, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (chat_id, name, ts(at)),
            )
            async with conn.execute(
                "SELECT id FROM staff_members WHERE chat_id = ?", (chat_id,)
            ) as cur:
                member_row = await cur.fetchone()
            assert member_row is not None
            member_id = int(member_row[0])
            same = self.dialect.same
            async with conn.execute(
                "SELECT id FROM staff_roles WHERE member_id = ? AND role = ? "
                f"AND school_id {same} ? AND centre_id {same} ?",
                (member_id, grant.role.value, grant.school_id, grant.centre_id),
            ) as cur:
                existing = await cur.fetchone()
            if existing:
                await conn.execute(
                    f"UPDATE staff_roles SET reports = {self.dialect.greatest}(reports, ?) "
                    "WHERE id = ?",
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

        return await self._submit(op)

    @staticmethod
    async def _may_invite(conn: Connection, member_id: int, grant: Grant) -> bool:
        """May this member (still) hand out `grant`? Only an invite of their own school."""
        if grant.school_id is None:
            return False  # centre roles are made from the command line only
        async with conn.execute(
            "SELECT role, school_id, centre_id, reports FROM staff_roles WHERE member_id = ?",
            (member_id,),
        ) as cur:
            rows = await cur.fetchall()
        return any(
            permits(Grant(Role(r[0]), r[1], r[2], bool(r[3])), Action.INVITE, grant.school_id, {})
            for r in rows
        )

    # ---- centres -------------------------------------------------------------------------------

    async def add_centre(self, name: str, at: datetime) -> int:
        async def op(conn: Connection) -> int:
            return await self.dialect.insert_id(
                conn, "INSERT INTO centres(name, created_at) VALUES (?, ?)", (name, ts(at))
            )

        return await self._submit(op)

    async def centres(self) -> list[tuple[int, str, int]]:
        """(id, name, number of schools) of every centre."""
        rows = await self._fetch(
            "SELECT c.id, c.name, COUNT(s.id) FROM centres c LEFT JOIN schools s "
            "ON s.centre_id = c.id GROUP BY c.id ORDER BY c.id"
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def centre_exists(self, centre_id: int) -> bool:
        return await self._fetch_one("SELECT 1 FROM centres WHERE id = ?", (centre_id,)) is not None

    async def join_centre(self, school_id: int, centre_id: int | None) -> bool:
        async def op(conn: Connection) -> bool:
            cur = await conn.execute(
                "UPDATE schools SET centre_id = ? WHERE id = ?", (centre_id, school_id)
            )
            return cur.rowcount > 0

        return await self._submit(op)

    # ---- dialogues -----------------------------------------------------------------------------

    async def dialogue(self, chat_id: int) -> Dialogue | None:
        row = await self._fetch_one(
            "SELECT chat_id, member_id, kind, nonce, step, data, updated_at FROM staff_dialogues "
            "WHERE chat_id = ?",
            (chat_id,),
        )
        if row is None:
            return None
        return Dialogue(
            row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), parse_time(row[6])
        )

    async def save_dialogue(
        self, dialogue: Dialogue, at: datetime, update_id: int | None = None
    ) -> None:
        async def op(conn: Connection) -> None:
            await self._claim_update(conn, update_id, at)
            await conn.execute(
                "INSERT INTO staff_dialogues(chat_id, member_id, kind, nonce, step, data, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET "
                "member_id = excluded.member_id, kind = excluded.kind, nonce = excluded.nonce, "
                "step = excluded.step, data = excluded.data, updated_at = excluded.updated_at",
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

        await self._submit(op)

    async def end_dialogue(self, chat_id: int, at: datetime, update_id: int | None = None) -> None:
        async def op(conn: Connection) -> None:
            await self._claim_update(conn, update_id, at)
            await conn.execute("DELETE FROM staff_dialogues WHERE chat_id = ?", (chat_id,))

        await self._submit(op)
