"""Reports aggregate in SQL: fast for a school of hundreds and a city of tens of thousands, and
Python only ever sees aggregate rows, never the answers one by one."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from bot.reports import ReportOptions, build_overview, build_round_report
from bot.store import SqliteStore
from tests.reports_fixtures import T0, Builder, library, scale_answers

FLOWS = library()
SCALE = ["1", "2", "3", "4", "5", "dontknow"]


class CountingStore:
    """The store, counting the rows its aggregate reads hand to Python."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store
        self.rows = 0

    async def run_read(self, sql: str, params: Any = ()) -> list[Any]:
        rows = await self._store.run_read(sql, params)
        self.rows += len(rows)
        return rows

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


async def test_one_school_with_hundreds_of_parents(tmp_path: Path) -> None:
    rng = random.Random(5)
    async with SqliteStore(tmp_path / "school.db") as store:
        b = Builder(store)
        school = await b.school("Grote school")
        rnd, groups = await b.round(
            school, expected=450, groups={f"{y}{c}": 25 for y in range(1, 7) for c in "AB"}
        )
        names = list(groups)
        for start in range(0, 400, 100):  # group commit: a hundred parents at once
            await asyncio.gather(
                *(
                    b.respond(
                        rnd,
                        scale_answers(
                            *(rng.choice(SCALE) for _ in range(5)),
                            thuis=tuple(rng.sample(["lezen", "huiswerk", "spelen"], 2)),
                            opmerking=f"Opmerking {i}" if i % 7 == 0 else None,
                        ),
                        language=rng.choice(["nl", "nl", "nl", "tr", "bg", "ar"]),
                        group=groups[names[i % len(names)]],
                    )
                    for i in range(start, start + 100)
                )
            )
        rnd = await b.close(rnd)
        counting = CountingStore(store)
        began = time.perf_counter()
        report = await build_round_report(counting, rnd.id, flows=FLOWS)
        elapsed = time.perf_counter() - began
    assert report.participation.counted == 400
    assert report.statement("w1").figure.n == 400
    assert elapsed < 2.0, f"one school's report took {elapsed:.2f}s"
    answers = 400 * 8
    assert counting.rows < answers / 2, f"{counting.rows} rows read for {answers} answers"


async def bulk_city(store: SqliteStore, schools: int, per_school: int) -> list[int]:
    """Tens of thousands of completed parents, written in one transaction (test data only)."""
    rng = random.Random(11)
    flow = FLOWS["test-ouders"]
    b = Builder(store, flows=FLOWS)
    school_ids = []
    for s in range(schools):
        school = await b.school(f"School {s:03d}", share_named=s % 4 == 0, centre="Stad")
        await b.round(school, expected=per_school + 10)
        school_ids.append(school.id)
    rounds = {r.school_id: r.id for r in await store.rounds()}
    questions = [q.id for q in flow.questions if q.type == "scale"]

    async def op(conn: aiosqlite.Connection) -> None:
        respondents, answers = [], []
        for school_id in school_ids:
            for i in range(per_school):
                rid = f"{school_id:04d}{i:06d}"
                at = (T0 + timedelta(seconds=i)).isoformat()
                respondents.append(
                    (
                        rid,
                        rounds[school_id],
                        rng.choice(["nl", "nl", "tr", "fr"]),
                        "completed",
                        at,
                        at,
                        at,
                    )
                )
                answers += [
                    (rid, rounds[school_id], q, rng.choice(SCALE), None, at) for q in questions
                ]
                answers.append((rid, rounds[school_id], "thuis", None, '["lezen", "spelen"]', at))
        await conn.executemany(
            "INSERT INTO respondents(id, round_id, group_id, language, status, started_at, "
            "updated_at, completed_at) VALUES (?, ?, NULL, ?, ?, ?, ?, ?)",
            respondents,
        )
        await conn.executemany(
            "INSERT INTO answers(respondent_id, round_id, question_id, value, choices, "
            "answered_at) VALUES (?, ?, ?, ?, ?, ?)",
            answers,
        )

    await store.run_write(op)
    return school_ids


async def test_a_city_of_tens_of_thousands(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "city.db") as store:
        school_ids = await bulk_city(store, schools=100, per_school=200)
        counting = CountingStore(store)
        began = time.perf_counter()
        overview = await build_overview(
            counting,
            school_ids,
            ReportOptions(viewer="coordinator"),
            named=False,
            flow_id="test-ouders",
            flows=FLOWS,
        )
        elapsed = time.perf_counter() - began
    assert overview.total.counted == 20_000
    assert (
        next(r for r in overview.total.statements if r.id == "thuis").figures["total"].n == 20_000
    )
    assert len(overview.schools) == 25  # only the schools that agreed to be named
    assert elapsed < 10.0, f"the city's overview took {elapsed:.2f}s"
    assert counting.rows < 20_000, f"{counting.rows} rows read for 120,000 answers"


async def test_answers_are_reached_through_the_index(tmp_path: Path) -> None:
    from bot.reports import queries

    async with SqliteStore(tmp_path / "plan.db") as store:
        plan_rows = await store.run_read(
            "EXPLAIN QUERY PLAN WITH "
            + queries._counted_cte([1]).strip()
            + " SELECT a.question_id, a.value, COUNT(*) FROM counted c "
            "JOIN answers a ON a.respondent_id = c.id GROUP BY a.question_id, a.value",
            [1, *queries._block_params(5)],
        )
    plan = " | ".join(str(r[-1]) for r in plan_rows)
    assert "SCAN a" not in plan and "SCAN answers" not in plan, plan
