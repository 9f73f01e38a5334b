"""The PostgreSQL database under every aggregate of `PostgresStore`: the connection pool,
forward-only migrations, transactions, VACUUM after /vergeet, and `POSTGRESQL`, the dialect. No
domain SQL here: the aggregates (`rounds`, `chats`, `staff`, `outbox`, `recordings`) are shared
with SQLite and written against `bot.store.database`; `postgres.py` composes them.

Statements are written in SQLite's qmark style (`?`), in the aggregates and the report queries
(`bot/reports/queries.py`) alike, and turned into psycopg's `%s` here (`qmark`), so the same SQL
runs on both engines.

Durability: a write returns after its transaction committed (PostgreSQL's default
`synchronous_commit=on`). Unlike SQLite there is no group-commit writer: every write is its own
transaction on a pooled connection, and PostgreSQL runs them concurrently. A write that meets a
serialization failure or a deadlock is rolled back whole and tried again.

Migrations: `migrations/postgresql/NNN_*.sql`, the same numbers as SQLite's; the version applied
is kept in `schema_migrations`. A transaction-level advisory lock makes sure that of several
workers starting at once, one migrates and the others find the work done.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Generator, Iterable, Sequence
from typing import Any, Self, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import AsyncConnectionPool

from bot.errors import MigrationError, StoreError
from bot.store.database import Database, Dialect, Operation, read_migrations, still_to_apply

log = logging.getLogger(__name__)

T = TypeVar("T")

POOL_MIN = 1  # connections kept open
POOL_MAX = 10  # connections one process may hold; several workers share the server's limit
CONNECT_TIMEOUT_S = 10  # how long opening waits for the server before failing
WRITE_RETRIES = 3  # a write that meets a serialization failure or deadlock is tried this often
MIGRATION_LOCK = 0x6F7564  # advisory lock key held while migrating ("oud")


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every PostgreSQL migration shipped, in order."""
    return read_migrations("migrations", "postgresql")


@functools.lru_cache(maxsize=1024)
def qmark(sql: str) -> str:
    """SQLite's `?` placeholders as psycopg's `%s`; a literal `%` doubled. Quotes are honoured:
    a `?` inside '...' or "..." stays as it is."""
    out: list[str] = []
    quote: str | None = None
    for ch in sql:
        if quote is not None:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            out.append("%s")
            continue
        out.append("%%" if ch == "%" else ch)
    return "".join(out)


class _Executed:
    """`await conn.execute(...)` and `async with conn.execute(...) as cur`, as with aiosqlite."""

    def __init__(self, raw: psycopg.AsyncConnection[Any], sql: str, params: tuple[Any, ...]):
        self._raw, self._sql, self._params = raw, sql, params
        self._cursor: psycopg.AsyncCursor[Any] | None = None

    async def _run(self) -> psycopg.AsyncCursor[Any]:
        cur = self._raw.cursor()
        await cur.execute(qmark(self._sql), self._params)  # type: ignore[arg-type]
        self._cursor = cur
        return cur

    def __await__(self) -> Generator[Any, None, psycopg.AsyncCursor[Any]]:
        return self._run().__await__()

    async def __aenter__(self) -> psycopg.AsyncCursor[Any]:
        return await self._run()

    async def __aexit__(self, *exc: object) -> None:
        if self._cursor is not None:
            await self._cursor.close()


class PgConn:
    """One connection inside one transaction, spoken to in qmark SQL."""

    def __init__(self, raw: psycopg.AsyncConnection[Any]) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Iterable[Any] = ()) -> _Executed:
        return _Executed(self.raw, sql, tuple(params))

    async def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        async with self.raw.cursor() as cur:
            await cur.executemany(qmark(sql), [tuple(p) for p in params])  # type: ignore[arg-type]

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        cur = await self.execute(sql, params)
        return list(await cur.fetchall())


POSTGRESQL = Dialect(
    name="postgresql",
    returning_id=True,
    same="IS NOT DISTINCT FROM",
    greatest="GREATEST",
    moment_of="{}::timestamptz",
    lock_of="FOR UPDATE OF {}",  # another worker's transaction waits for this row
)


class PostgresDatabase(Database):
    """The shared database of every PostgreSQL aggregate. Open it once per process; close it on
    shutdown. Aggregates write through `_submit` (one transaction each) and read via `_fetch`."""

    dialect = POSTGRESQL
    _forgets_seen: int | None = None  # chats deleted, as the server counted at the last scrub

    def __init__(self, url: str, *, pool_max: int = POOL_MAX) -> None:
        self.url = url
        self._pool_max = pool_max
        self._pool: AsyncConnectionPool | None = None
        self.commits = 0  # transactions committed, as SqliteDatabase counts them

    # ---- lifecycle ------------------------------------------------------------------------

    async def open(self) -> None:
        pool = AsyncConnectionPool(
            self.url,
            min_size=POOL_MIN,
            max_size=self._pool_max,
            kwargs={"autocommit": True},
            open=False,
            timeout=CONNECT_TIMEOUT_S,
        )
        try:
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        except Exception as exc:
            await pool.close()
            raise StoreError(f"cannot reach the PostgreSQL database: {exc}") from exc
        self._pool = pool
        try:
            await self._migrate()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _require_pool(self) -> AsyncConnectionPool:
        if self._pool is None:
            raise StoreError("the store is not open")
        return self._pool

    async def _migrate(self) -> None:
        shipped = migrations()
        async with self._require_pool().connection() as raw, raw.transaction():
            await raw.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            await raw.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ "
                "NOT NULL DEFAULT now())"
            )
            cur = await raw.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            row = await cur.fetchone()
            current = int(row[0]) if row else 0
            for version, name, sql in still_to_apply(current, shipped):
                log.info("applying migration %s", name)
                try:
                    async with raw.transaction():  # a savepoint: the error names the migration
                        await raw.execute(sql.encode())
                        await raw.execute(
                            "INSERT INTO schema_migrations(version, name) VALUES (%s, %s)",
                            (version, name),
                        )
                except psycopg.Error as exc:
                    raise MigrationError(f"migration {name} failed: {exc}") from exc

    async def schema_version(self) -> int:
        row = await self._fetch_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        return int(row[0]) if row else 0

    # ---- writes and reads ------------------------------------------------------------------

    async def _submit(self, op: Operation[T]) -> T:
        """Run a write operation in a transaction of its own; an exception rolls it back whole."""
        pool = self._require_pool()
        for attempt in range(1, WRITE_RETRIES + 1):
            try:
                async with pool.connection() as raw, raw.transaction():
                    result = await op(PgConn(raw))
            except (pg_errors.SerializationFailure, pg_errors.DeadlockDetected) as exc:
                if attempt == WRITE_RETRIES:
                    raise StoreError(f"database write failed: {type(exc).__name__}") from exc
                log.warning("write retried after %s (attempt %d)", type(exc).__name__, attempt)
                await asyncio.sleep(0.05 * attempt)
                continue
            except psycopg.OperationalError as exc:  # the server went away, or the pool is empty
                raise StoreError(f"database write failed: {type(exc).__name__}") from exc
            self.commits += 1
            return result
        raise AssertionError("unreachable")

    async def _fetch(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        async with self._require_pool().connection() as raw:
            return await PgConn(raw).fetchall(sql, params)

    async def _after_forget(self) -> None:
        """Nothing at once: the dead rows are pruned by `_scrub`, the leader's housekeeping."""

    async def _scrub(self, tables: Sequence[str]) -> int:
        """VACUUM `tables` after a /vergeet (on any worker), so the dead rows are pruned from
        their pages and their space reused; how many tables were vacuumed.

        PostgreSQL keeps a deleted row as a dead tuple until VACUUM. Whether a chat was deleted
        since the last scrub is read from the server's own counter (`pg_stat_user_tables`), so
        no table is needed; a new leader scrubs once at its first pass. docs/privacy.md says
        what VACUUM does not remove (WAL segments, backups; VACUUM FULL rewrites the files).
        """
        row = await self._fetch_one(
            "SELECT COALESCE(n_tup_del, 0) FROM pg_stat_user_tables WHERE relname = 'chats'"
        )
        deleted = int(row[0]) if row else 0
        if self._forgets_seen is not None and deleted == self._forgets_seen:
            return 0
        async with self._require_pool().connection() as raw:  # autocommit: VACUUM needs it
            for table in tables:
                await raw.execute(f"VACUUM {table}".encode())
        self._forgets_seen = deleted
        return len(tables)

    async def integrity_check(self) -> str:
        """'ok' when the server answers and the schema is at this release's version."""
        version = await self.schema_version()
        shipped = len(migrations())
        return "ok" if version == shipped else f"schema version {version}, expected {shipped}"
