"""P6: city scale. Answers/s and CPU per answer for three set-ups, in one run:

    SQLite, one process          the embedded default (group commit, synchronous=FULL)
    PostgreSQL, one worker       the same bot on PostgreSQL (a throwaway server, fsync on)
    PostgreSQL, two workers      two processes on one database, half the parents each

Each set-up runs in child processes (`python -m bench.p6_workers --child DATABASE FIRST COUNT
ANSWERS START_AT`), each the full stack of P1 (real Application, engine, store, rendered replies
through the stub Bot API) with its parents seeded mid-survey and answering in a closed loop; the
children start at the same moment. The parents per set-up are the same in total. Measured: the
answers of all children over the wall time of the slowest, the children's CPU (user + system),
and for PostgreSQL the server's CPU over the same interval (every process of the throwaway
server, from /proc). CPU per answer = (children + server) / answers. The SQLite set-up is the
baseline of the ratios.

What two cores can and cannot show: the load generator is in each child (as in P1), so a child
is bot + load; two workers plus PostgreSQL on 2 cores compete for the same two cores, so the
two-worker figure shows that the coordination (chat turns, the elected sender) costs little and
that the work splits, not how far more cores scale. CPU per answer is what carries over to a
bigger machine; the projection in bench/README.md is made from it.

The server: `tests/postgresql_server.py` (Debian's initdb and pg_ctl, a Unix socket), started
here with fsync on, so a commit is as durable as SQLite's. Skipped without PostgreSQL.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import harness
from bench.harness import ErrorCounter, answer, closed_loop, seed_parents, start_real_bot
from bench.results import Result
from bench.sizes import Sizes

CHILD_START_DELAY_S = 4.0  # children seed and warm up, then start together at this moment
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# A city peak for the projection: Ghent, ~45,000 families; all 150 schools send the invitation
# the same afternoon and a third of the families answer within that hour (22 questions, plus
# the start and the language choice), at three times the hour's average in the busiest minutes.
CITY_FAMILIES = 45_000
PEAK_SHARE = 1 / 3
UPDATES_PER_FAMILY = 24
BURST = 3.0


async def _child(
    database: str, first: int, count: int, answers: int, start_at: float
) -> dict[str, Any]:
    # Update ids of this child apart from the other's: on one database a shared id is a duplicate.
    harness._update_ids = itertools.count(10_000_001 + first * 100)
    bot = await start_real_bot(database)
    errors = ErrorCounter()
    try:
        warm = await seed_parents(bot, 10, first_chat=first + count)
        await closed_loop(warm, 2, lambda p: answer(bot, p))
        parents = await seed_parents(bot, count, first_chat=first)
        await asyncio.sleep(max(0.0, start_at - time.time()))
        with errors:
            cpu = time.process_time()
            seconds, handled = await closed_loop(parents, answers, lambda p: answer(bot, p))
            cpu = time.process_time() - cpu
        result = {"answers": handled, "seconds": seconds, "cpu_s": cpu, "errors": errors.count}
        print(json.dumps(result), flush=True)
        # Stay connected until the parent has read the server's CPU: a backend's CPU leaves
        # /proc with it.
        await asyncio.to_thread(sys.stdin.readline)
    finally:
        await bot.close()
    return result


def _server_cpu(folder: Path) -> float:
    """CPU seconds (user + system) of every process of the PostgreSQL server in `folder`."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"postgres" not in cmdline:
                continue
            stat = Path(f"/proc/{pid}/stat").read_text()
            environ_ok = str(folder).encode() in cmdline or _child_of_server(pid, folder)
        except OSError:
            continue
        if environ_ok:
            fields = stat.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def _child_of_server(pid: str, folder: Path) -> bool:
    """A backend of our server: its parent is the postmaster started on `folder`."""
    try:
        ppid = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
        return str(folder).encode() in Path(f"/proc/{ppid}/cmdline").read_bytes()
    except OSError:
        return False


def _setup(database: str, workers: int, sizes: Sizes, server: Path | None) -> dict[str, Any]:
    """Run `workers` children on `database`, the parents split between them; the figures."""
    each = sizes.p6_parents // workers
    start_at = time.time() + CHILD_START_DELAY_S + workers
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.p6_workers",
                "--child",
                database,
                str(w * 1_000_000),
                str(each),
                str(sizes.p6_answers_each),
                str(start_at),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(workers)
    ]
    time.sleep(max(0.0, start_at - time.time()))
    server_before = _server_cpu(server) if server else 0.0
    lines = [c.stdout.readline() if c.stdout else "" for c in children]  # each has finished
    server_cpu = (_server_cpu(server) - server_before) if server else 0.0
    for child in children:
        child.communicate("bye\n", timeout=120)
    if any(c.returncode for c in children) or not all(lines):
        raise RuntimeError(f"a child failed: {[c.returncode for c in children]}")
    found = [json.loads(line) for line in lines]
    answers = sum(f["answers"] for f in found)
    seconds = max(f["seconds"] for f in found)
    cpu = sum(f["cpu_s"] for f in found)
    return {
        "answers": answers,
        "seconds": round(seconds, 2),
        "answers_per_s": round(answers / seconds, 1),
        "bot_cpu_ms_per_answer": round(cpu / answers * 1000, 2),
        "db_cpu_ms_per_answer": round(server_cpu / answers * 1000, 2),
        "cpu_ms_per_answer": round((cpu + server_cpu) / answers * 1000, 2),
        "errors": sum(f["errors"] for f in found),
        "workers": workers,
    }


def projection(cpu_ms_per_answer: float) -> dict[str, float]:
    """Cores a city peak needs at this CPU per answer (bot and database together)."""
    per_hour = CITY_FAMILIES * PEAK_SHARE * UPDATES_PER_FAMILY
    peak = per_hour / 3600 * BURST
    return {
        "peak_updates_per_s": round(peak, 1),
        "cores_needed": round(peak * cpu_ms_per_answer / 1000, 2),
    }


async def run(sizes: Sizes, workdir: Path) -> list[Result]:
    from tests.postgresql_server import find_bindir, running_server

    sqlite = await asyncio.to_thread(_setup, str(workdir / "p6.db"), 1, sizes, None)
    sqlite.update(projection(sqlite["cpu_ms_per_answer"]))
    parents = f"{sizes.p6_parents:,} parents"
    if find_bindir() is None:
        return [
            Result(
                f"P6 PostgreSQL, one worker ({parents})",
                "answers/s",
                None,
                skipped="PostgreSQL not installed",
                details={"sqlite": sqlite},
            )
        ]
    found: dict[int, dict[str, Any]] = {}
    with running_server(fsync=True) as server:
        for workers in (1, 2):
            figures = await asyncio.to_thread(
                _setup, server.create(), workers, sizes, server.folder
            )
            found[workers] = {**figures, **projection(figures["cpu_ms_per_answer"])}
    one, two = found[1], found[2]
    return [
        Result(
            scenario=f"P6 PostgreSQL, one worker ({parents})",
            metric="answers/s",
            value=one["answers_per_s"],
            baseline=sqlite["answers_per_s"],
            baseline_name="SQLite, one process",
            target=">= 0.5x SQLite",
            met=one["answers_per_s"] >= 0.5 * sqlite["answers_per_s"] and one["errors"] == 0,
            details={"sqlite": sqlite, "postgresql_one_worker": one},
        ),
        Result(
            scenario=f"P6 PostgreSQL, two workers ({parents})",
            metric="answers/s",
            value=two["answers_per_s"],
            baseline=one["answers_per_s"],
            baseline_name="PostgreSQL, one worker",
            target=">= 1.0x one worker (2 cores, shared with PostgreSQL)",
            met=two["answers_per_s"] >= one["answers_per_s"] and two["errors"] == 0,
            details={"postgresql_two_workers": two},
        ),
        Result(
            scenario="P6 CPU per answer, two workers + PostgreSQL",
            metric="ms",
            value=two["cpu_ms_per_answer"],
            baseline=sqlite["cpu_ms_per_answer"],
            baseline_name="SQLite, one process",
            target="<= 2x SQLite",
            met=two["cpu_ms_per_answer"] <= 2 * sqlite["cpu_ms_per_answer"],
            details={
                "sqlite_cores_for_city_peak": sqlite["cores_needed"],
                "postgresql_cores_for_city_peak": two["cores_needed"],
                "city_peak_updates_per_s": two["peak_updates_per_s"],
            },
        ),
    ]


if __name__ == "__main__":
    if len(sys.argv) != 7 or sys.argv[1] != "--child":
        sys.exit("usage: python -m bench.p6_workers --child DATABASE FIRST COUNT ANSWERS START_AT")
    database, first, count, answers, start_at = sys.argv[2:]
    asyncio.run(_child(database, int(first), int(count), int(answers), float(start_at)))
