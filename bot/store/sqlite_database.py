"""The SQLite database under every aggregate of `SqliteStore`: connections, pragmas, forward-only
migrations, the group-commit writer and `SQLITE`, the dialect. No domain SQL here: the
aggregates (`rounds`, `chats`, `staff`, `outbox`, `recordings`) are shared with PostgreSQL and
written against `bot.store.database`; `sqlite.py` composes them.

Durability: a write returns only after its transaction is committed with `synchronous=FULL`,
so the Telegram layer can send the next question knowing the answer survives a crash.

Group commit: every write is an *operation* queued to one writer task. The writer takes all
queued operations, runs each inside its own SAVEPOINT of one `BEGIN IMMEDIATE` transaction and
commits once, so a hundred parents answering at once share one fsync. One parent's writes stay
in order because the Telegram layer handles one parent's updates one at a time.

Reads use a second connection; in WAL mode they never wait for the writer.

The one place that reaches into aiosqlite's private parts (`_execute`, `_conn`) is
`SqliteDatabase._run_batch_in_one_trip`, in this module only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Generator, Iterable, Sequence
from pathlib import Path
from typing import Any, Self, TypeVar, cast

import aiosqlite

from bot.errors import MigrationError, StoreError
from bot.store.database import (
    Connection,
    Database,
    Dialect,
    Operation,
    read_migrations,
    still_to_apply,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5_000  # how long a write waits for another process's lock before failing
WRITE_RETRIES = 3  # a batch that meets a locked database is tried this often before failing
MAX_BATCH = 512  # operations sharing one commit


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration shipped, in order."""
    return read_migrations("migrations")


def _is_busy(exc: sqlite3.Error) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED (any extended code): another connection holds the lock."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return "locked" in str(exc) or "busy" in str(exc)
    return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class _Suspended(Exception):
    """An operation awaited something other than the connection: it cannot run in one trip."""


class _InlineCursor:
    """The part of aiosqlite's Cursor that operations use, answered on the spot."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _InlineResult:
    """`await conn.execute(...)` and `async with conn.execute(...) as cur`, never suspending."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = _InlineCursor(cursor)

    def __await__(self) -> Generator[Any, None, _InlineCursor]:
        return self._cursor
        yield  # makes this a generator that finishes without ever suspending

    async def __aenter__(self) -> _InlineCursor:
        return self._cursor

    async def __aexit__(self, *exc: object) -> None:
        await self._cursor.close()


class _InlineConnection:
    """What an operation sees when its batch runs in one trip: the writer's sqlite3 connection
    behind aiosqlite's surface (execute, executemany, in_transaction), in the writer's thread."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> _InlineResult:
        return _InlineResult(self._raw.execute(sql, tuple(parameters)))

    def executemany(self, sql: str, parameters: Any) -> _InlineResult:
        return _InlineResult(self._raw.executemany(sql, parameters))

    @property
    def in_transaction(self) -> bool:
        return self._raw.in_transaction


def _drive(op: Operation[Any], conn: _InlineConnection) -> Any:
    """Run an operation's coroutine to its end without an event loop (it never suspends)."""
    name = getattr(op, "__qualname__", repr(op))
    coro = op(conn)  # type: ignore[arg-type]
    try:
        coro.send(None)  # type: ignore[attr-defined]
    except StopIteration as done:
        return done.value
    except RuntimeError as exc:  # it reached for the event loop, which is not in this thread
        if "event loop" in str(exc):
            raise _Suspended(name) from exc
        raise
    coro.close()  # type: ignore[attr-defined]
    raise _Suspended(name)


Outcome = tuple[Any, BaseException | None] | None  # (result, error); None: skipped (cancelled)


def _batch_in_one_trip(raw: sqlite3.Connection, ops: list[Operation[Any] | None]) -> list[Outcome]:
    """BEGIN IMMEDIATE, each operation in its SAVEPOINT, COMMIT: all in the writer's thread."""
    conn = _InlineConnection(raw)
    outcomes: list[Outcome] = []
    raw.execute("BEGIN IMMEDIATE")
    try:
        for op in ops:
            if op is None:
                outcomes.append(None)
                continue
            raw.execute("SAVEPOINT op")
            try:
                outcomes.append((_drive(op, conn), None))
            except sqlite3.OperationalError as exc:
                if _is_busy(exc):
                    raise  # locked or busy: the whole batch is tried again
                raw.execute("ROLLBACK TO op")  # e.g. bad SQL: this one alone
                outcomes.append((None, exc))
            except _Suspended:
                raise
            except Exception as exc:  # this operation alone fails; the others commit
                raw.execute("ROLLBACK TO op")
                outcomes.append((None, exc))
            raw.execute("RELEASE op")
        raw.execute("COMMIT")
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    return outcomes


SQLITE = Dialect(
    name="sqlite",
    returning_id=False,  # the cursor's lastrowid
    same="IS",
    greatest="MAX",
    moment_of="julianday({})",
    lock_of="",  # BEGIN IMMEDIATE: the writer holds the whole database
)


class SqliteDatabase(Database):
    """The shared database of every SQLite aggregate. Open it once per process; close it on
    shutdown. Aggregates write through `_submit` (the writer) and read through `_fetch`."""

    dialect = SQLITE

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._write: aiosqlite.Connection | None = None
        self._read: aiosqlite.Connection | None = None
        self._queue: asyncio.Queue[tuple[Operation[Any], asyncio.Future[Any]]] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self.commits = 0  # transactions committed, for benchmarks and tests of group commit
        self.one_trip = True  # run each write batch in one trip to the writer's thread

    # ---- lifecycle ------------------------------------------------------------------------

    async def open(self) -> None:
        try:
            self._write = await self._connect()
            await self._migrate(self._write)
            self._read = await self._connect()
        except BaseException:
            await self.close()  # else a connection thread keeps the process alive after the error
            raise
        self._queue = asyncio.Queue()
        self._writer = asyncio.create_task(self._write_loop(), name="ouderstem-store-writer")

    async def close(self) -> None:
        if self._writer is not None:
            await self._queue.join()
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
            self._writer = None
        for conn in (self._read, self._write):
            if conn is not None:
                await conn.close()
        self._read = self._write = None

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=FULL")
            await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA foreign_keys=ON")
            # Deleted rows are overwritten with zeros, not left in free space (/vergeet).
            await conn.execute("PRAGMA secure_delete=ON")
        except BaseException:
            await conn.close()  # not yet ours to close in close(): its thread would keep running
            raise
        return conn

    async def _migrate(self, conn: aiosqlite.Connection) -> None:
        async with conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        current = row[0] if row else 0
        shipped = migrations()
        for version, name, sql in still_to_apply(current, shipped):
            log.info("applying migration %s", name)
            try:
                await conn.executescript(
                    f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version={version};\nCOMMIT;"
                )
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise MigrationError(f"migration {name} failed: {exc}") from exc

    async def schema_version(self) -> int:
        rows = await self._fetch("PRAGMA user_version")
        return int(rows[0][0])

    # ---- the writer (group commit) ---------------------------------------------------------

    async def _submit(self, op: Operation[T]) -> T:
        if self._writer is None:
            raise StoreError("the store is not open")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((op, future))
        return await future

    async def _write_loop(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty() and len(batch) < MAX_BATCH:
                batch.append(self._queue.get_nowait())
            try:
                await self._run_batch(batch)
            except Exception as exc:  # the batch failed whole: every caller hears it
                log.error("write batch of %d failed: %s", len(batch), type(exc).__name__)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(StoreError(f"database write failed: {exc}"))
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _run_batch(self, batch: list[tuple[Operation[Any], asyncio.Future[Any]]]) -> None:
        if self.one_trip:
            try:
                await self._run_batch_in_one_trip(batch)
                return
            except _Suspended as exc:  # rolled back whole: run it statement by statement
                log.warning("write operation %s awaits more than the connection", exc)
        conn = self._write
        assert conn is not None
        for attempt in range(1, WRITE_RETRIES + 1):
            outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
            try:
                await conn.execute("BEGIN IMMEDIATE")
                for op, future in batch:
                    if future.cancelled():
                        continue
                    await conn.execute("SAVEPOINT op")
                    try:
                        result = await op(cast(Connection, conn))  # aiosqlite's surface
                    except sqlite3.OperationalError as exc:
                        if _is_busy(exc):
                            raise  # locked or busy: the whole batch is tried again
                        await conn.execute("ROLLBACK TO op")  # e.g. bad SQL: this one alone
                        outcomes.append((future, None, exc))
                    except Exception as exc:  # this operation alone fails; the others commit
                        await conn.execute("ROLLBACK TO op")
                        outcomes.append((future, None, exc))
                    else:
                        outcomes.append((future, result, None))
                    await conn.execute("RELEASE op")
                await conn.commit()
            except sqlite3.OperationalError as exc:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                if attempt == WRITE_RETRIES:
                    raise
                log.warning("database busy (%s), retrying batch (attempt %d)", exc, attempt)
                await asyncio.sleep(0.05 * attempt)
                continue
            self.commits += 1
            for future, result, error in outcomes:
                if future.done():
                    continue
                if error is not None:
                    future.set_exception(error)
                else:
                    future.set_result(result)
            return

    async def _run_batch_in_one_trip(
        self, batch: list[tuple[Operation[Any], asyncio.Future[Any]]]
    ) -> None:
        """The batch in one trip to the writer connection's thread, not one trip per statement.

        Run statement by statement, every `await conn.execute` waits for a turn of the event
        loop; with a thousand parents answering, the loop is busy and a batch of 100 answers took
        ~450 ms. In one trip the same batch takes ~100 ms, and answers/s rise ~18% (bench P1).
        Operations are written as coroutines against aiosqlite; here they run against
        `_InlineConnection`, whose methods never suspend, so each is driven to its end in the
        thread. One that awaits anything else raises `_Suspended` and the batch runs the old way.
        Uses aiosqlite's private `_execute` and `_conn` (checked with aiosqlite 0.22).
        """
        conn = self._write
        assert conn is not None
        ops = [None if future.cancelled() else op for op, future in batch]
        for attempt in range(1, WRITE_RETRIES + 1):
            try:
                outcomes = await conn._execute(_batch_in_one_trip, conn._conn, ops)
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or attempt == WRITE_RETRIES:
                    raise
                log.warning("database busy (%s), retrying batch (attempt %d)", exc, attempt)
                await asyncio.sleep(0.05 * attempt)
                continue
            self.commits += 1
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if outcome is None or future.done():
                    continue
                result, error = outcome
                if error is not None:
                    future.set_exception(error)
                else:
                    future.set_result(result)
            return

    async def _fetch(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        if self._read is None:
            raise StoreError("the store is not open")
        # One trip to the connection's thread (execute, fetch and close there), not three: on
        # the answer path this is +20% answers/s (bench P1, 1,000 parents at once).
        return list(await self._read.execute_fetchall(sql, tuple(params)))

    async def _after_forget(self) -> None:
        await self.checkpoint_truncate()  # the deleted pages leave the WAL too

    async def _scrub(self, tables: Sequence[str]) -> int:
        """Nothing to do: secure_delete overwrote the rows and the WAL was truncated at the
        forget itself (docs/privacy.md)."""
        return 0

    async def checkpoint_truncate(self) -> bool:
        """Copy the WAL into the database and truncate it to nothing (after /vergeet: the WAL
        would otherwise keep the deleted rows' old pages). True when the WAL was emptied.

        Runs on a connection of its own in a worker thread, so reads never wait behind it.
        """

        def run() -> bool:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                conn.execute("PRAGMA secure_delete=ON")
                busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                return not busy
            finally:
                conn.close()

        done = await asyncio.to_thread(run)
        if not done:
            log.warning("the WAL could not be truncated yet: readers or a writer were busy")
        return done

    async def integrity_check(self) -> str:
        row = await self._fetch_one("PRAGMA integrity_check")
        return str(row[0]) if row else "no answer"
