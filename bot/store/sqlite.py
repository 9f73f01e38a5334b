"""The SQLite store: WAL, synchronous=FULL, forward-only migrations and group commit.

Durability: a write returns only after its transaction is committed with `synchronous=FULL`,
so the Telegram layer can send the next question knowing the answer survives a crash.

Group commit: every write is an *operation* queued to one writer task. The writer takes all
queued operations, runs each inside its own SAVEPOINT of one `BEGIN IMMEDIATE` transaction and
commits once, so a hundred parents answering at once share one fsync. One parent's writes stay
in order because the Telegram layer handles one parent's updates one at a time.

Reads use a second connection; in WAL mode they never wait for the writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Generator, Iterable
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.engine import Answer, SessionState
from bot.errors import MigrationError, StoreError
from bot.store.base import DuplicateUpdate, Turn
from bot.store.records import Chat, Respondent, Round, RoundGroup, RoundLink, School

log = logging.getLogger(__name__)

T = TypeVar("T")
Operation = Callable[[aiosqlite.Connection], Awaitable[T]]

BUSY_TIMEOUT_MS = 5_000  # how long a write waits for another process's lock before failing
WRITE_RETRIES = 3  # a batch that meets a locked database is tried this often before failing
MAX_BATCH = 512  # operations sharing one commit


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration shipped, in order."""
    found = []
    folder = resources.files("bot.store") / "migrations"
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    if [v for v, _, _ in found] != list(range(1, len(found) + 1)):
        raise MigrationError("migrations must be numbered 001, 002, ... without gaps")
    return found


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


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


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
        closes_at=_dt(r[10]),
        closed_at=_dt(r[11]),
        created_at=datetime.fromisoformat(r[12]),
    )


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
        _dt(r[7]),
    )


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


class SqliteStore:
    """`bot.store.base.Store` on SQLite. Open it once per process; close it on shutdown."""

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

    async def __aenter__(self) -> SqliteStore:
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
        except BaseException:
            await conn.close()  # not yet ours to close in close(): its thread would keep running
            raise
        return conn

    async def _migrate(self, conn: aiosqlite.Connection) -> None:
        async with conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        current = row[0] if row else 0
        shipped = migrations()
        if current > len(shipped):
            raise MigrationError(
                f"the database is at version {current}, newer than this Ouderstem "
                f"({len(shipped)}): upgrade Ouderstem"
            )
        for version, name, sql in shipped[current:]:
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
                        result = await op(conn)
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

    async def _fetch_one(self, sql: str, params: Iterable[Any] = ()) -> Any | None:
        rows = await self._fetch(sql, params)
        return rows[0] if rows else None

    @staticmethod
    async def _claim_update(
        conn: aiosqlite.Connection, update_id: int | None, at: datetime
    ) -> None:
        """Record the update id in this transaction; a second delivery fails here."""
        if update_id is None:
            return
        cur = await conn.execute(
            "INSERT OR IGNORE INTO processed_updates(update_id, processed_at) VALUES (?, ?)",
            (update_id, at.isoformat()),
        )
        if cur.rowcount == 0:
            raise DuplicateUpdate(f"update {update_id} was handled before")

    # ---- schools and rounds ----------------------------------------------------------------

    async def add_school(self, name: str, at: datetime) -> School:
        async def op(conn: aiosqlite.Connection) -> int:
            cur = await conn.execute(
                "INSERT INTO schools(name, created_at) VALUES (?, ?)", (name, at.isoformat())
            )
            return int(cur.lastrowid or 0)

        return School(await self._submit(op), name, at)

    async def school(self, school_id: int) -> School | None:
        row = await self._fetch_one(
            "SELECT id, name, created_at FROM schools WHERE id = ?", (school_id,)
        )
        return School(row[0], row[1], datetime.fromisoformat(row[2])) if row else None

    async def schools(self) -> list[School]:
        rows = await self._fetch("SELECT id, name, created_at FROM schools ORDER BY id")
        return [School(r[0], r[1], datetime.fromisoformat(r[2])) for r in rows]

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
        async def op(conn: aiosqlite.Connection) -> int:
            cur = await conn.execute(
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
                    _iso(closes_at),
                    at.isoformat(),
                ),
            )
            return int(cur.lastrowid or 0)

        round_id = await self._submit(op)
        created = await self.round(round_id)
        assert created is not None
        return created

    async def add_round_group(
        self, round_id: int, name: str, token: str, expected: int | None
    ) -> RoundGroup:
        async def op(conn: aiosqlite.Connection) -> int:
            cur = await conn.execute(
                "INSERT INTO round_groups(round_id, name, token, expected) VALUES (?, ?, ?, ?)",
                (round_id, name, token, expected),
            )
            return int(cur.lastrowid or 0)

        return RoundGroup(await self._submit(op), round_id, name, token, expected)

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
        async def op(conn: aiosqlite.Connection) -> bool:
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

        async def op(conn: aiosqlite.Connection) -> None:
            await self._claim_update(conn, update_id, at)
            await conn.execute(
                "INSERT OR IGNORE INTO chats(chat_id, created_at, updated_at) VALUES (?, ?, ?)",
                (chat_id, at.isoformat(), at.isoformat()),
            )
            if changes:
                sets = ", ".join(f"{name} = ?" for name in changes)
                await conn.execute(
                    f"UPDATE chats SET {sets}, updated_at = ? WHERE chat_id = ?",
                    (*changes.values(), at.isoformat(), chat_id),
                )

        await self._submit(op)
        chat = await self.chat(chat_id)
        assert chat is not None
        return chat

    async def mark_processed(self, update_id: int, at: datetime) -> None:
        async def op(conn: aiosqlite.Connection) -> None:
            await self._claim_update(conn, update_id, at)

        await self._submit(op)

    async def is_processed(self, update_id: int) -> bool:
        row = await self._fetch_one(
            "SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)
        )
        return row is not None

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

        async def op(conn: aiosqlite.Connection) -> None:
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
                "INSERT OR IGNORE INTO chats(chat_id, created_at, updated_at) VALUES (?, ?, ?)",
                (chat_id, at.isoformat(), at.isoformat()),
            )
            await conn.execute(
                "UPDATE chats SET active_respondent = ?, pending_token = NULL, updated_at = ? "
                "WHERE chat_id = ?",
                (respondent_id, at.isoformat(), chat_id),
            )
            await self._apply_turn(conn, first)

        await self._submit(op)

    async def session(self, respondent_id: str) -> SessionState | None:
        row = await self._fetch_one(
            "SELECT state FROM sessions WHERE respondent_id = ?", (respondent_id,)
        )
        return SessionState.from_json(row[0]) if row else None

    async def record_turn(self, turn: Turn) -> None:
        async def op(conn: aiosqlite.Connection) -> None:
            await self._claim_update(conn, turn.update_id, turn.at)
            await self._apply_turn(conn, turn)

        await self._submit(op)

    @staticmethod
    async def _apply_turn(conn: aiosqlite.Connection, turn: Turn) -> None:
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
                "text_language, voice_file_id, voice_seconds, skipped, truncated, answered_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(respondent_id, question_id) DO UPDATE SET value = excluded.value, "
                "choices = excluded.choices, text = excluded.text, "
                "text_language = excluded.text_language, voice_file_id = excluded.voice_file_id, "
                "voice_seconds = excluded.voice_seconds, skipped = excluded.skipped, "
                "truncated = excluded.truncated, answered_at = excluded.answered_at",
                [
                    (turn.respondent_id, *_answer_row(turn.round_id, turn.language, turn.at, a))
                    for a in turn.upserts
                ],
            )
        for question_id in turn.removals:
            await conn.execute(
                "DELETE FROM answers WHERE respondent_id = ? AND question_id = ?",
                (turn.respondent_id, question_id),
            )

    async def set_status(
        self, respondent_id: str, status: str, at: datetime, update_id: int | None = None
    ) -> None:
        async def op(conn: aiosqlite.Connection) -> None:
            await self._claim_update(conn, update_id, at)
            await conn.execute(
                "UPDATE respondents SET status = ?, updated_at = ? WHERE id = ?",
                (status, at.isoformat(), respondent_id),
            )

        await self._submit(op)

    async def forget_chat(self, chat_id: int, update_id: int | None, at: datetime) -> int:
        """Delete every row that belongs to this chat: respondents, answers, sessions, chat."""

        async def op(conn: aiosqlite.Connection) -> int:
            await self._claim_update(conn, update_id, at)
            cur = await conn.execute(
                "DELETE FROM respondents WHERE id IN "
                "(SELECT respondent_id FROM contacts WHERE chat_id = ?)",
                (chat_id,),
            )
            removed = cur.rowcount
            await conn.execute("DELETE FROM contacts WHERE chat_id = ?", (chat_id,))
            for statement in FORGET_CHAT_EXTRA:
                await conn.execute(statement, (chat_id,))
            await conn.execute("DELETE FROM chats WHERE chat_id = ?", (chat_id,))
            return removed

        return await self._submit(op)

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

    async def count_respondents(self, round_id: int) -> dict[str, int]:
        rows = await self._fetch(
            "SELECT status, COUNT(*) FROM respondents WHERE round_id = ? GROUP BY status",
            (round_id,),
        )
        return {r[0]: r[1] for r in rows}

    async def run_read(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """A read for the report layer's aggregate queries (kept in bot/reports/queries.py)."""
        return await self._fetch(sql, params)

    async def run_write(self, op: Operation[T]) -> T:
        """Submit a write operation of another store module (staff, outbox) to the writer."""
        return await self._submit(op)

    async def integrity_check(self) -> str:
        row = await self._fetch_one("PRAGMA integrity_check")
        return str(row[0]) if row else "no answer"


# Later migrations add tables that hold a chat id (staff, outbox); /vergeet clears them too.
FORGET_CHAT_EXTRA: list[str] = [
    "DELETE FROM outbox WHERE chat_id = ?",
    "DELETE FROM staff_dialogues WHERE chat_id = ?",
    "DELETE FROM staff_members WHERE chat_id = ?",  # with its roles; invites and batches keep no link
]
