"""How big each scenario runs: the default, `--quick`, `--full`, and the smoke test's tiny size."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Sizes:
    # P1: answers through the whole stack
    p1_parents: int = 1_000  # parents answering at once (closed loop)
    p1_answers_each: int = 3  # questions each parent answers, one after the other, per round
    p1_rounds: int = 3  # alternating baseline / full-stack segments
    p1_rate: float = 150.0  # updates/s offered by the open-loop generator (issue 16's target)
    p1_high_rate: float = 200.0  # also offered (details): the rate of wave 1's target
    p1_seconds: float = 10.0  # how long the generator offers them
    p1_low_rate: float = 50.0  # also offered, to show the latency of an unhurried bot
    p1_warmup: int = 20  # parents answering twice before anything is timed
    p1_fsync_commits: int = 200  # to measure what the disk allows one connection
    # P3: reports
    p3_school_respondents: int = 300
    p3_large_school_respondents: int = 1_000
    p3_city_schools: int = 150
    p3_city_per_school: int = 300  # 150 x 300 = 45,000 respondents
    p3_repeats_school: int = 9  # timed repetitions (median reported)
    p3_repeats_city: int = 3
    # P4: broadcast through the outbox
    p4_messages: int = 1_500  # 50 s at 30 msg/s; --full sends 10,000 (333 s)
    p4_limit: float = 30.0  # messages/s the stub accepts overall
    # P5: memory
    p5_respondents: int = 10_000
    # P6: SQLite one process, PostgreSQL one worker, PostgreSQL two workers
    p6_parents: int = 400  # in total, split between the workers
    p6_answers_each: int = 5


DEFAULT = Sizes()
QUICK = replace(
    DEFAULT,
    p1_answers_each=2,
    p1_rounds=2,
    p1_seconds=4.0,
    p3_city_schools=30,
    p3_repeats_school=5,
    p3_repeats_city=2,
    p4_messages=300,
    p5_respondents=2_000,
    p6_parents=200,
    p6_answers_each=3,
)
FULL = replace(DEFAULT, p1_answers_each=5, p1_seconds=30.0, p4_messages=10_000)
TINY = Sizes(  # the smoke test: every scenario end to end in a few seconds, numbers meaningless
    p1_parents=10,
    p1_answers_each=2,
    p1_rounds=1,
    p1_rate=100.0,
    p1_seconds=0.2,
    p1_low_rate=50.0,
    p1_warmup=2,
    p1_fsync_commits=10,
    p3_school_respondents=30,
    p3_large_school_respondents=40,
    p3_city_schools=3,
    p3_city_per_school=20,
    p3_repeats_school=1,
    p3_repeats_city=1,
    p4_messages=20,
    p4_limit=200.0,
    p5_respondents=30,
    p6_parents=10,
    p6_answers_each=2,
)
