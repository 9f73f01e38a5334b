"""`ouderstem db copy SRC DST`: move a whole Ouderstem database from one engine to the other (a
pilot's SQLite file to the city's PostgreSQL, or back), row for row, ids kept.

Both ends are opened as stores first, so both are at this release's schema version (opening
migrates an older source in place, as any command would). The destination must be empty: not
one row in any table, or nothing is written. The rows are written in one transaction, tables in
the order their foreign keys need; then every table's count is compared on both ends, and
PostgreSQL's id sequences are moved past the copied ids. The rows are held in memory between the
read and the write: fine for a pilot's database, not meant for a city's.

Imports go one way: the stores; never telegram or reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import StoreError
from bot.store import open_store
from bot.store.postgres import PostgresStore
from bot.store.sqlite import SqliteStore

# Every table of migrations 001-004, parents before children (foreign keys). A migration that adds
# a table adds it here; `test_db_copy.py` checks that this list covers the schema.
TABLES: tuple[str, ...] = (
    "centres",
    "schools",
    "rounds",
    "round_groups",
    "respondents",
    "contacts",
    "chats",
    "sessions",
    "answers",
    "processed_updates",
    "staff_members",
    "staff_roles",
    "staff_invites",
    "staff_dialogues",
    "outbox_batches",
    "outbox",
    "owed_messages",
    "forwarded_voices",
    "question_recordings",
)
# Tables whose `id` is an identity on PostgreSQL: its sequence moves past the copied ids.
IDENTITY_TABLES: tuple[str, ...] = (
    "centres",
    "schools",
    "rounds",
    "round_groups",
    "staff_members",
    "staff_roles",
    "outbox_batches",
    "outbox",
    "forwarded_voices",
    "question_recordings",
)

AnyStore = SqliteStore | PostgresStore


class CopyError(StoreError):
    """The copy was refused (destination not empty) or its counts disagree."""


@dataclass(frozen=True, slots=True)
class Copied:
    counts: dict[str, int]  # rows per table, the same on both ends

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


async def tables_of(store: AnyStore) -> set[str]:
    """The application tables the store's schema holds."""
    if isinstance(store, PostgresStore):
        rows = await store.run_read(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_name != 'schema_migrations'"
        )
    else:
        rows = await store.run_read(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    return {r[0] for r in rows}


async def _columns(store: AnyStore, table: str) -> list[str]:
    if isinstance(store, PostgresStore):
        rows = await store.run_read(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = current_schema() ORDER BY ordinal_position",
            [table],
        )
    else:
        rows = await store.run_read("SELECT name FROM pragma_table_info(?) ORDER BY cid", [table])
    return [r[0] for r in rows]


async def counts(store: AnyStore) -> dict[str, int]:
    found = {}
    for table in TABLES:
        rows = await store.run_read(f"SELECT COUNT(*) FROM {table}")
        found[table] = int(rows[0][0])
    return found


async def copy_database(source: str | Path, destination: str | Path) -> Copied:
    """Copy every row of `source` into the empty `destination` (each a path or a URL)."""
    if str(source) == str(destination):
        raise CopyError("the source and the destination are the same database")
    async with open_store(source) as src, open_store(destination) as dst:
        if await src.schema_version() != await dst.schema_version():
            raise CopyError("the two databases are at different schema versions")
        missing = (await tables_of(src)) ^ set(TABLES)
        if missing:
            raise CopyError(f"tables this copy does not know: {sorted(missing)}")
        already = {t: n for t, n in (await counts(dst)).items() if n}
        if already:
            raise CopyError(
                "the destination is not empty ("
                + ", ".join(f"{t}: {n}" for t, n in already.items())
                + "): copy only into a new database"
            )
        data: list[tuple[str, list[str], list[Sequence[Any]]]] = []
        for table in TABLES:
            columns = await _columns(src, table)
            rows = await src.run_read(f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1")
            data.append((table, columns, [tuple(r) for r in rows]))
        await _write_all(dst, data)
        expected, found = await counts(src), await counts(dst)
        if expected != found:
            raise CopyError(f"counts differ after the copy: source {expected}, copy {found}")
        return Copied(found)


async def _write_all(dst: AnyStore, data: list[tuple[str, list[str], list[Sequence[Any]]]]) -> None:
    """Every row in one transaction of the destination; then PostgreSQL's sequences."""

    async def op(conn: Any) -> None:
        for table, columns, rows in data:
            if rows:
                marks = ", ".join("?" for _ in columns)
                await conn.executemany(
                    f"INSERT INTO {table}({', '.join(columns)}) VALUES ({marks})", rows
                )
        if isinstance(dst, PostgresStore):
            for table in IDENTITY_TABLES:
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                )

    await dst.run_write(op)
