"""What every aggregate of the store is written against, on either engine: a `Connection` inside
one write transaction, the `Dialect` (the few pieces of SQL that differ between SQLite and
PostgreSQL) and `Database`, the base whose reads, writes and update-id claim each engine provides.

The aggregates (`rounds`, `chats`, `staff`, `outbox`, `recordings`) hold each query once, in
SQLite's qmark style (`?`); `postgres_database` turns the marks into psycopg's `%s`. Where the
engines really differ, a query asks its `self.dialect` (`sqlite_database.SQLITE`,
`postgres_database.POSTGRESQL`) for the fragment. Everything else (connections, transactions,
durability, migrations) stays in `sqlite_database.py` and `postgres_database.py`.
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Generator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any, ClassVar, Protocol, TypeVar, cast

from bot.errors import MigrationError, StoreError
from bot.store.protocols import DuplicateUpdate

T = TypeVar("T")


class Cursor(Protocol):
    """The cursor of a statement run by `Connection.execute`."""

    @property
    def rowcount(self) -> int: ...

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> Iterable[Any]: ...


class Statement(Protocol):
    """`await conn.execute(...)` gives its cursor; `async with conn.execute(...) as cur` also
    closes it."""

    def __await__(self) -> Generator[Any, None, Cursor]: ...

    async def __aenter__(self) -> Cursor: ...

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any, /) -> Any: ...


class Connection(Protocol):
    """One connection inside one write transaction, spoken to in qmark SQL: the SQLite writer's
    (aiosqlite's surface) or a pooled PostgreSQL one (`postgres_database.PgConn`)."""

    def execute(self, sql: str, parameters: Iterable[Any] = (), /) -> Statement: ...

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any: ...


Operation = Callable[[Connection], Awaitable[T]]  # a write: run in one transaction, or not at all


class _SqliteCursor(Protocol):
    lastrowid: int | None


@dataclass(frozen=True)
class Dialect:
    """The pieces of the aggregates' SQL that differ between the engines. Everything written the
    same way on both (qmark `?`, `ON CONFLICT ... DO NOTHING / DO UPDATE`, `COALESCE`) is not
    here."""

    name: str
    returning_id: (
        bool  # a new row's id: `INSERT ... RETURNING id` (True), or the cursor's lastrowid
    )
    same: str  # null-safe equality: SQLite `IS`, PostgreSQL `IS NOT DISTINCT FROM`
    greatest: str  # the larger of two values: SQLite's scalar `MAX`, PostgreSQL `GREATEST`
    moment_of: str  # an ISO-time text as a moment that compares: `julianday({})`, `{}::timestamptz`
    lock_of: str  # after a SELECT of rows this transaction updates next: '' or `FOR UPDATE OF {}`

    def moment(self, expression: str) -> str:
        """`expression` (a column or `?` holding an ISO time) as a comparable moment."""
        return self.moment_of.format(expression)

    def lock(self, alias: str) -> str:
        """A suffix for a SELECT: lock the rows of `alias` until the transaction ends (SQLite's
        writer already holds the whole database)."""
        return f" {self.lock_of.format(alias)}" if self.lock_of else ""

    async def insert_id(self, conn: Connection, sql: str, parameters: Iterable[Any]) -> int:
        """Run an `INSERT` of one row into a table with an `id` key; the new row's id."""
        if self.returning_id:
            cur = await conn.execute(f"{sql} RETURNING id", parameters)
            row = await cur.fetchone()
            if row is None:
                raise StoreError("the insert returned no id")
            return int(row[0])
        cur = await conn.execute(sql, parameters)
        return int(cast(_SqliteCursor, cur).lastrowid or 0)  # aiosqlite's and the inline cursor


class Database(abc.ABC):
    """The base of every aggregate: `SqliteDatabase` and `PostgresDatabase` implement it."""

    dialect: ClassVar[Dialect]

    @abc.abstractmethod
    async def _submit(self, op: Operation[T]) -> T:
        """Run a write operation in its transaction; its result once it is committed."""

    @abc.abstractmethod
    async def _fetch(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """The rows of a read."""

    async def _fetch_one(self, sql: str, params: Iterable[Any] = ()) -> Any | None:
        rows = await self._fetch(sql, params)
        return rows[0] if rows else None

    @staticmethod
    async def _claim_update(conn: Connection, update_id: int | None, at: datetime) -> None:
        """Record the update id in this transaction; a second delivery fails here (on
        PostgreSQL the unique key makes a concurrent second delivery on another worker wait,
        then fail)."""
        if update_id is None:
            return
        cur = await conn.execute(
            "INSERT INTO processed_updates(update_id, processed_at) VALUES (?, ?) "
            "ON CONFLICT DO NOTHING",
            (update_id, at.isoformat()),
        )
        if cur.rowcount == 0:
            raise DuplicateUpdate(f"update {update_id} was handled before")

    @abc.abstractmethod
    async def _after_forget(self) -> None:
        """Right after /vergeet committed: what the engine does so the deleted rows are gone."""

    @abc.abstractmethod
    async def _scrub(self, tables: Sequence[str]) -> int:
        """Housekeeping after /vergeet (on any worker): make the deleted rows of `tables`
        unreadable where the engine keeps them; how many tables were scrubbed."""

    async def run_read(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """A read for the report layer's aggregate queries (kept in bot/reports/queries.py)."""
        return await self._fetch(sql, params)

    async def run_write(self, op: Operation[T]) -> T:
        """Run a write operation in one transaction (the database copy, tests and benchmarks)."""
        return await self._submit(op)


def read_migrations(*folder: str) -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration in `bot/store/<folder>`, in order."""
    found = []
    place = resources.files("bot.store")
    for name in folder:
        place = place / name
    for entry in place.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    if [v for v, _, _ in found] != list(range(1, len(found) + 1)):
        raise MigrationError("migrations must be numbered 001, 002, ... without gaps")
    return found


def still_to_apply(current: int, shipped: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    """The shipped migrations a database at version `current` lacks; a database newer than
    this release is refused."""
    if current > len(shipped):
        raise MigrationError(
            f"the database is at version {current}, newer than this Ouderstem "
            f"({len(shipped)}): upgrade Ouderstem"
        )
    return shipped[current:]


def parse_time(value: str | None) -> datetime | None:
    """A stored ISO time, or None (times are ISO text on both engines)."""
    return datetime.fromisoformat(value) if value else None


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def ts(moment: datetime) -> str:
    """UTC with microseconds: such times compare as text (the staff and outbox tables use it)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
