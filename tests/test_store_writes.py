"""The SQLite store's write path: pragmas, group commit, duplicate updates, failures and locks.

What every store implementation must do is in tests/store_contract/; this file keeps what is
SQLite's own (pragmas, the writer's batches and commits, locks, the rows as stored).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot import engine
from bot.errors import StoreError
from bot.flow_model import get_flow
from bot.store import DuplicateUpdate, SqliteStore, Turn
from bot.store import sqlite_database as store_module
from bot.store.records import RoundLink

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
FLOW = get_flow("barometer-ouders")


async def joined(
    store: SqliteStore, chat_id: int = 424_001, respondent_id: str = "resp-a"
) -> RoundLink:
    """A school, an open round and one parent who joined it (first state committed)."""
    school = await store.add_school("De Regenboog", AT)
    opened = await store.open_round(
        school_id=school.id,
        flow_id=FLOW.id,
        flow_version=FLOW.version,
        audience="parents",
        token=f"token-{respondent_id}-0123456789",
        at=AT,
    )
    link = RoundLink(opened, None)
    state, _ = engine.start(FLOW)
    first = Turn(
        update_id=None,
        respondent_id=respondent_id,
        state=state,
        status="waiting",
        round_id=opened.id,
        language="nl",
        at=AT,
    )
    await store.join_round(
        chat_id=chat_id, respondent_id=respondent_id, link=link, language="nl", first=first
    )
    return link


def answer_turn(
    store_state: engine.SessionState,
    link: RoundLink,
    value: str,
    update_id: int | None,
    respondent_id: str = "resp-a",
) -> Turn:
    state, events = engine.resume(
        FLOW, store_state, engine.Choose(question_id=store_state.current or "", value=value)
    )
    return Turn(
        update_id=update_id,
        respondent_id=respondent_id,
        state=state,
        status=state.status.value,
        round_id=link.round.id,
        language="nl",
        at=AT,
        upserts=[e.answer for e in events if isinstance(e, engine.AnswerRecorded)],
    )


async def test_pragmas_wal_full_sync_and_foreign_keys(store: SqliteStore) -> None:
    assert (await store.run_read("PRAGMA journal_mode"))[0][0] == "wal"
    assert (await store.run_read("PRAGMA synchronous"))[0][0] == 2  # FULL
    assert (await store.run_read("PRAGMA foreign_keys"))[0][0] == 1
    assert (await store.run_read("PRAGMA busy_timeout"))[0][0] == store_module.BUSY_TIMEOUT_MS

    async def on_the_writer(conn: aiosqlite.Connection) -> tuple[Any, ...]:
        values = []
        for pragma in ("journal_mode", "synchronous", "foreign_keys"):
            async with conn.execute(f"PRAGMA {pragma}") as cur:
                values.append((await cur.fetchone())[0])  # type: ignore[index]
        return tuple(values)

    assert await store.run_write(on_the_writer) == ("wal", 2, 1)
    with pytest.raises(Exception, match="FOREIGN KEY"):  # enforced: no answer without a respondent

        async def orphan(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "INSERT INTO answers(respondent_id, round_id, question_id, answered_at) VALUES ('nobody', 999, 'q', 'x')"
            )

        await store.run_write(orphan)


async def test_concurrent_writes_share_commits(store: SqliteStore) -> None:
    before = store.commits
    schools = await asyncio.gather(*(store.add_school(f"School {i}", AT) for i in range(200)))
    used = store.commits - before
    assert len({s.id for s in schools}) == 200
    assert used < 20, f"200 concurrent writes took {used} commits"
    rows = await store.run_read("SELECT COUNT(*) FROM schools")
    assert rows[0][0] == 200
    # one write alone is one commit
    await store.add_school("Alleen", AT)
    assert store.commits == before + used + 1


async def test_a_failing_operation_does_not_spoil_its_batch(store: SqliteStore) -> None:
    await store.add_school("Eerste", AT)

    async def insert(name: str) -> int:
        async def op(conn: aiosqlite.Connection) -> int:
            cur = await conn.execute(
                "INSERT INTO schools(name, created_at) VALUES (?, ?)", (name, AT.isoformat())
            )
            return int(cur.lastrowid or 0)

        return await store.run_write(op)

    async def violates(conn: aiosqlite.Connection) -> None:  # IntegrityError: NOT NULL
        await conn.execute("INSERT INTO schools(name, created_at) VALUES ('half', 'x')")
        await conn.execute("INSERT INTO schools(name, created_at) VALUES (NULL, 'x')")

    async def bad_sql(conn: aiosqlite.Connection) -> None:  # OperationalError, but not a lock
        await conn.execute("INSERT INTO schools(name, created_at) VALUES ('half too', 'x')")
        await conn.execute("INSERT INTO no_such_table VALUES (1)")

    before = store.commits
    results = await asyncio.gather(
        insert("A"),
        store.run_write(violates),
        insert("B"),
        store.run_write(bad_sql),
        insert("C"),
        return_exceptions=True,
    )
    assert isinstance(results[1], Exception) and "NOT NULL" in str(results[1])
    assert isinstance(results[3], Exception) and "no_such_table" in str(results[3])
    assert all(isinstance(r, int) for r in (results[0], results[2], results[4])), results
    assert store.commits == before + 1, "the five operations shared one commit"
    names = [r[0] for r in await store.run_read("SELECT name FROM schools ORDER BY id")]
    assert names == ["Eerste", "A", "B", "C"], "the failed operations left nothing half-written"


async def test_a_duplicate_update_id_is_a_no_op(store: SqliteStore) -> None:
    link = await joined(store)
    state = await store.session("resp-a")
    assert state is not None
    await store.record_turn(answer_turn(state, link, "4", update_id=5001))
    again = answer_turn(state, link, "1", update_id=5001)  # redelivered, and different this time
    with pytest.raises(DuplicateUpdate):
        await store.record_turn(again)
    assert [(a.question_id, a.value) for a in await store.answers_of("resp-a")] == [
        ("welkom_1", "4")
    ]
    stored = await store.session("resp-a")
    assert stored is not None and stored.current == "welkom_2"
    with pytest.raises(DuplicateUpdate):
        await store.save_chat(424_001, AT, update_id=5001, language="tr")
    chat = await store.chat(424_001)
    assert chat is not None and chat.language is None
    with pytest.raises(DuplicateUpdate):
        await store.set_status("resp-a", "paused", AT, update_id=5001)
    respondent = await store.respondent("resp-a")
    assert respondent is not None and respondent.status == "waiting"
    assert (await store.run_read("SELECT COUNT(*) FROM processed_updates WHERE update_id = 5001"))[
        0
    ][0] == 1


async def test_a_turn_is_written_whole(store: SqliteStore) -> None:
    """Answers, removals, session and respondent status change together."""
    link = await joined(store)
    state = await store.session("resp-a")
    assert state is not None
    turn = answer_turn(state, link, "2", update_id=77)
    await store.record_turn(turn)
    rows = await store.run_read(
        "SELECT question_id, value, round_id, answered_at FROM answers WHERE respondent_id = 'resp-a'"
    )
    assert rows == [("welkom_1", "2", link.round.id, AT.isoformat())]
    done = Turn(
        update_id=78,
        respondent_id="resp-a",
        state=turn.state,
        status="completed",
        round_id=link.round.id,
        language="tr",
        at=AT,
        removals=["welkom_1"],
        completed=True,
    )
    await store.record_turn(done)
    assert await store.answers_of("resp-a") == []
    respondent = await store.respondent("resp-a")
    assert respondent is not None
    assert (respondent.status, respondent.language, respondent.completed_at) == (
        "completed",
        "tr",
        AT,
    )


LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
conn.close()
"""


async def test_a_database_locked_by_another_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 150)
    path = tmp_path / "locked.db"
    async with SqliteStore(path) as store:
        await store.add_school("Voor het slot", AT)
        with subprocess.Popen(
            [sys.executable, "-c", LOCKER, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        ) as locker:
            assert locker.stdin is not None and locker.stdout is not None
            try:
                assert locker.stdout.readline().strip() == "locked"
                with pytest.raises(StoreError, match="database write failed: database is locked"):
                    await store.add_school("Tijdens het slot", AT)
                names = [r[0] for r in await store.run_read("SELECT name FROM schools")]
                assert names == ["Voor het slot"], "nothing half-written"
            finally:
                locker.stdin.write("\n")
                locker.stdin.flush()
                locker.wait(timeout=10)
        retried = await store.add_school("Tijdens het slot", AT)  # the same write, after release
        names = [r[0] for r in await store.run_read("SELECT name FROM schools ORDER BY id")]
        assert names == ["Voor het slot", "Tijdens het slot"]
        assert retried.name == "Tijdens het slot"
        assert await store.integrity_check() == "ok"
