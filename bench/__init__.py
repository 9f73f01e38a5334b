"""Ouderstem's benchmarks: performance targets as ratios against baselines measured in the same run.

Usage:
    python -m bench                 # every scenario, default sizes (about 6 minutes)
    python -m bench --quick         # smaller sizes (about 2 minutes)
    python -m bench --full          # P4 at its real size: 10,000 messages at 30/s (+5 minutes)
    python -m bench --only P1,P3    # some scenarios
    python -m bench --json out.json # also write every number, with details, as JSON

Scenarios (each a module with `async def run(sizes, workdir) -> list[Result]`):
    P1  bench.p1_answers    answers through the whole stack vs a bare PTB bot with one fsync'd
                            INSERT per update: throughput (1,000 parents at once) and p99
                            latency at 200 updates/s offered (open loop)
    P1NET bench.p1_network  the next question under a simulated 50 ms Bot API round trip, in
                            RTT units, vs a bare PTB bot making the three calls in a row
    P3  bench.p3_reports    a school's report and a city's overview vs the raw SQL aggregate
    P4  bench.p4_broadcast  a broadcast through the outbox against a stub enforcing 30 msg/s
    P5  bench.p5_memory     peak RSS with 10,000 respondents mid-survey
    P6  bench.p6_workers    city scale: answers/s and CPU per answer, SQLite one process vs
                            PostgreSQL one worker vs two workers, with a city-peak projection

Shared pieces: `bench.harness` (stub Bot API that times replies, the real and the bare bot,
seeding, open- and closed-loop load), `bench.datagen` (report data by executemany),
`bench.results` (the table), `bench.sizes` (default, quick, full, tiny). No timed assertion
lives in the tests: `tests/test_bench_smoke.py` only runs each scenario at a tiny size.
Results and what limits them: bench/README.md.
"""

from bench.results import Result
from bench.sizes import DEFAULT, FULL, QUICK, TINY, Sizes

SCENARIOS = {
    "P1": "bench.p1_answers",
    "P1NET": "bench.p1_network",
    "P3": "bench.p3_reports",
    "P4": "bench.p4_broadcast",
    "P5": "bench.p5_memory",
    "P6": "bench.p6_workers",
}

__all__ = ["DEFAULT", "FULL", "QUICK", "SCENARIOS", "TINY", "Result", "Sizes"]
