"""P3 before and after a change to the report layer, interleaved in one process run.

`python -m bench.p3_before_after --before REV [--schema 9] [--school N --large N --city N]`
builds the P3 data once (`bench.datagen`, today's schema), copies each database to a "before"
twin at the schema of `--schema` (9: migration 009's `answers` as main had it before migration
010, without the respondent's cells on the answer row, their triggers and indexes, with 009's
covering `answers_round_counts`; 8: migration 008's `answers_round_question` instead), loads
`bot/reports/queries.py` as it was at git revision REV (its `answer_counts` and `open_answers`),
and then alternates: the report (or city overview) with the old queries on the old schema, and
with today's queries on today's schema, the same number of times, CPU time of the process (both
threads) and wall time for each. Prints one JSON object: medians and every run, and whether both
sides built the same report (its JSON, byte for byte). With `--python` the before side also
builds the figures with REV's `figures.py` (`load_answers`, `figures_of`) and
`build_breakdowns.py`: the report as REV built it, against this revision's, in one run; without
it both sides share this revision's Python and only the queries and the schema differ.

This measures what a lever moved on a machine shared with others: both sides see the same load.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import inspect
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench import datagen

ROOT = Path(__file__).resolve().parent.parent
INDEX_008 = "CREATE INDEX answers_round_question ON answers(round_id, question_id, value)"
INDEX_009 = (
    "CREATE INDEX answers_round_counts ON answers"
    "(round_id, question_id, value, skipped, respondent_id)"
)
UNDO_010 = (  # migration 010 taken back: no cells on the answer row
    "DROP TRIGGER IF EXISTS answers_cells_on_insert",
    "DROP TRIGGER IF EXISTS respondents_cells_on_update",
    "DROP INDEX IF EXISTS answers_round_cells",
    "DROP INDEX IF EXISTS answers_round_groups",
    "ALTER TABLE answers DROP COLUMN respondent_language",
    "ALTER TABLE answers DROP COLUMN respondent_group",
)


def old_module(rev: str, path: str, name: str, rewrites: dict[str, str] | None = None) -> Any:
    """The module at `path` as it was at `rev`, as a module `name` of its own (`rewrites`: text
    replaced in its source first, e.g. an import of another old module)."""
    source = subprocess.run(
        ["git", "show", f"{rev}:{path}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for old, new in (rewrites or {}).items():
        source = source.replace(old, new)
    folder = Path(tempfile.mkdtemp(prefix="p3-before-"))
    file = folder / f"{name}.py"
    file.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def old_queries(rev: str) -> Any:
    """`bot.reports.queries` as it was at `rev`, as a module of its own."""
    return old_module(rev, "bot/reports/queries.py", "queries_before")


def old_python(rev: str) -> tuple[Any, Any]:
    """`bot.reports.figures` and `bot.reports.build_breakdowns` as they were at `rev` (the
    figure building of a report: `load_answers`, `figures_of`, the breakdowns)."""
    figures = old_module(rev, "bot/reports/figures.py", "figures_before")
    breakdowns = old_module(
        rev,
        "bot/reports/build_breakdowns.py",
        "build_breakdowns_before",
        {"from bot.reports.figures import": "from figures_before import"},
    )
    return figures, breakdowns


def before_twin(path: Path, schema: int = 9) -> Path:
    """A copy of `path` with `answers` as migration `schema` (8 or 9) left it."""
    twin = path.with_name(path.stem + "-before.db")
    shutil.copyfile(path, twin)
    conn = sqlite3.connect(twin, isolation_level=None)
    for statement in UNDO_010:
        conn.execute(statement)
    conn.execute(INDEX_009 if schema == 9 else INDEX_008)
    conn.execute("VACUUM")
    conn.close()
    return twin


async def measure(
    label: str,
    sides: dict[str, Callable[[], Awaitable[Any]]],
    repeats: int,
) -> dict[str, Any]:
    walls: dict[str, list[float]] = {name: [] for name in sides}
    cpus: dict[str, list[float]] = {name: [] for name in sides}
    built = {name: (await run()).model_dump_json() for name, run in sides.items()}  # warm-up
    for _ in range(repeats):
        for name, run in sides.items():
            began, began_cpu = time.perf_counter(), time.process_time()
            await run()
            walls[name].append(time.perf_counter() - began)
            cpus[name].append(time.process_time() - began_cpu)
    found: dict[str, Any] = {"scenario": label, "same_output": len(set(built.values())) == 1}
    for name in sides:
        found[name] = {
            "wall_ms": round(statistics.median(walls[name]) * 1000, 1),
            "cpu_ms": round(statistics.median(cpus[name]) * 1000, 1),
            "cpu_runs_ms": [round(t * 1000, 1) for t in cpus[name]],
        }
    names = list(sides)
    found["cpu_after_over_before"] = round(found[names[1]]["cpu_ms"] / found[names[0]]["cpu_ms"], 2)
    return found


async def main(args: argparse.Namespace) -> dict[str, Any]:
    from bot.reports import ReportOptions, build_overview, build_round_report, figures
    from bot.store import SqliteStore

    before = old_queries(args.before)
    queries = figures.queries
    after = (queries.answer_counts, queries.open_answers)

    takes = inspect.signature(before.answer_counts).parameters  # older revisions took fewer

    async def old_counts(store: Any, rounds: Any, breakdowns: Any = (), **kw: Any) -> Any:
        kept = {k: v for k, v in kw.items() if k in takes}
        return await before.answer_counts(store, rounds, breakdowns, **kept)

    async def old_open(store: Any, round_id: int, *_: Any, **__: Any) -> Any:
        return await before.open_answers(store, round_id)  # every question, as REV read them

    build: Any = importlib.import_module("bot.reports.build")
    python_after = (build.load_answers, build.figures_of, build.breakdowns)
    python_before = python_after
    if args.python:
        old_figures, old_breakdowns = old_python(args.before)
        python_before = (old_figures.load_answers, old_figures.figures_of, old_breakdowns)

    def use(reads: tuple[Any, Any], python: tuple[Any, Any, Any] = python_after) -> None:
        queries.answer_counts, queries.open_answers = reads  # type: ignore[assignment]
        build.load_answers, build.figures_of, build.breakdowns = python

    workdir = Path(
        tempfile.mkdtemp(prefix="p3-ab-", dir="/tmp/bench" if os.path.isdir("/tmp/bench") else None)
    )
    library = datagen.library()
    results = []
    try:
        for label, schools, per, repeats in (
            ("P3 school report", 1, args.school, args.repeats),
            ("P3 large school report", 1, args.large, args.repeats),
            ("P3 city overview", args.city, 300, args.city_repeats),
        ):
            if not schools or not per:
                continue
            path = workdir / f"{label.replace(' ', '-')}.db"
            await datagen.create_schema(path)
            data = datagen.generate(path, schools, per)
            twin = before_twin(path, args.schema)
            async with SqliteStore(path) as new_store, SqliteStore(twin) as old_store:

                def side(
                    store: Any,
                    counts: Any,
                    python: Any = python_after,
                    schools: int = schools,
                    data: Any = data,
                ) -> Callable[[], Awaitable[Any]]:
                    async def run() -> Any:
                        use(counts, python)
                        if schools == 1:
                            return await build_round_report(
                                store, data.round_ids[0], ReportOptions(), flows=library
                            )
                        return await build_overview(
                            store,
                            data.school_ids,
                            ReportOptions(viewer="coordinator"),
                            named=False,
                            flow_id=datagen.BENCH_FLOW_ID,
                            flows=library,
                        )

                    return run

                found = await measure(
                    f"{label} ({data.respondents:,} parents)",
                    {
                        "before": side(old_store, (old_counts, old_open), python_before),
                        "after": side(new_store, after),
                    },
                    repeats,
                )
            use(after)
            results.append(found)
            print(json.dumps(found), file=sys.stderr)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "before": args.before,
        "schema": args.schema,
        "python_before": args.python,
        "load_average": os.getloadavg(),
        "results": results,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="git revision of the 'before' queries")
    parser.add_argument(
        "--schema", type=int, default=9, choices=(8, 9), help="the before side's migration"
    )
    parser.add_argument(
        "--python",
        action="store_true",
        help="the before side builds figures with REV's figures.py and build_breakdowns.py too",
    )
    parser.add_argument("--only-sql", dest="python", action="store_false", help=argparse.SUPPRESS)
    parser.add_argument("--school", type=int, default=300)
    parser.add_argument("--large", type=int, default=1000)
    parser.add_argument("--city", type=int, default=150, help="schools of 300 (0: skip)")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--city-repeats", type=int, default=3)
    arguments = parser.parse_args()
    load_before = os.getloadavg()
    outcome = asyncio.run(main(arguments))
    print(json.dumps({"load_average_before": load_before, **outcome}, indent=1))
