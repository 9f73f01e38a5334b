"""P3: reports for one school and for a city, against the raw SQL aggregate on the same data.

Data: `bench.datagen` (executemany straight into the schema). One school: 300 completed
parents x 25 questions, a closed round with 12 classes and 8 languages (so the language and
class breakdowns are built too). A city: 150 such schools (45,000 respondents, ~1.1 M answers).

Measured: `build_round_report(store, round_id, ReportOptions())` and
`build_overview(store, school_ids, ReportOptions(viewer="coordinator"), named=False)`, each the
median of several runs after one warm-up, on the store's read connection. Baseline: the raw
aggregate the figures rest on, `SELECT question_id, value, COUNT(*) ... GROUP BY`, on the same
connection and data (no privacy rules, no counted set, no model). Runs alternate report / raw
so that load from elsewhere on the machine hits both alike.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench import datagen
from bench.results import Result
from bench.sizes import Sizes

SCHOOL_TARGET_S = 0.050
CITY_TARGET_S = 5.0
RAW_SCHOOL = (
    "SELECT question_id, value, COUNT(*) FROM answers WHERE round_id = ? "
    "GROUP BY question_id, value"
)


def _raw_city(round_ids: list[int]) -> str:
    marks = ", ".join("?" for _ in round_ids)
    return (
        f"SELECT round_id, question_id, value, COUNT(*) FROM answers WHERE round_id IN ({marks}) "
        "GROUP BY round_id, question_id, value"
    )


async def _alternate(
    repeats: int, report: Callable[[], Awaitable[Any]], raw: Callable[[], Awaitable[Any]]
) -> tuple[list[float], list[float]]:
    await report()  # warm-up: flows parsed, catalogs loaded, pages cached
    await raw()
    report_times, raw_times = [], []
    for _ in range(repeats):
        began = time.perf_counter()
        await report()
        report_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        await raw()
        raw_times.append(time.perf_counter() - began)
    return report_times, raw_times


def _result(
    scenario: str,
    target_s: float,
    report_times: list[float],
    raw_times: list[float],
    **details: Any,
) -> Result:
    value, base = statistics.median(report_times), statistics.median(raw_times)
    result = Result(
        scenario=scenario,
        metric="ms",
        value=value * 1000,
        baseline=base * 1000,
        baseline_name="raw SQL aggregate",
        target=f"< {target_s * 1000:,.0f} ms and <= 2x raw",
        details={
            "report_ms": [round(t * 1000, 2) for t in report_times],
            "raw_ms": [round(t * 1000, 2) for t in raw_times],
            "absolute_target_met": value < target_s,
            **details,
        },
    )
    result.met = value < target_s and (result.ratio or 0) <= 2.0
    return result


async def run(sizes: Sizes, workdir: Path) -> list[Result]:
    try:
        from bot.reports import ReportOptions, build_overview, build_round_report
    except ImportError as exc:
        return [
            Result(
                scenario="P3 reports",
                metric="ms",
                value=None,
                skipped=f"reports not available ({exc})",
            )
        ]
    from bot.store import SqliteStore

    library = datagen.library()
    results = []

    school_db = workdir / "p3-school.db"
    await datagen.create_schema(school_db)
    began = time.perf_counter()
    school = datagen.generate(school_db, 1, sizes.p3_school_respondents)
    generated = time.perf_counter() - began
    async with SqliteStore(school_db) as store:
        round_id = school.round_ids[0]

        async def report() -> Any:
            return await build_round_report(store, round_id, ReportOptions(), flows=library)

        async def raw() -> Any:
            return await store.run_read(RAW_SCHOOL, (round_id,))

        built = await report()
        report_times, raw_times = await _alternate(sizes.p3_repeats_school, report, raw)
    results.append(
        _result(
            f"P3 school report ({school.respondents} x 25 questions)",
            SCHOOL_TARGET_S,
            report_times,
            raw_times,
            respondents=school.respondents,
            answers=school.answers,
            counted=built.participation.counted,
            generate_s=round(generated, 2),
        )
    )

    city_db = workdir / "p3-city.db"
    await datagen.create_schema(city_db)
    began = time.perf_counter()
    city = datagen.generate(city_db, sizes.p3_city_schools, sizes.p3_city_per_school)
    generated = time.perf_counter() - began
    async with SqliteStore(city_db) as store:
        options = ReportOptions(viewer="coordinator")
        raw_sql = _raw_city(city.round_ids)

        async def overview() -> Any:
            return await build_overview(
                store,
                city.school_ids,
                options,
                named=False,
                flow_id=datagen.BENCH_FLOW_ID,
                flows=library,
            )

        async def raw_city() -> Any:
            return await store.run_read(raw_sql, city.round_ids)

        built_overview = await overview()
        report_times, raw_times = await _alternate(sizes.p3_repeats_city, overview, raw_city)
    results.append(
        _result(
            f"P3 city overview ({len(city.school_ids)} schools, {city.respondents:,} parents)",
            CITY_TARGET_S,
            report_times,
            raw_times,
            schools=len(city.school_ids),
            respondents=city.respondents,
            answers=city.answers,
            counted=built_overview.total.counted,
            generate_s=round(generated, 2),
        )
    )
    return results
