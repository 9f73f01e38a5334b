"""Report data, fast: completed respondents written with executemany straight into the schema of
`bot/store/migrations/*.sql` (the schema is created by `SqliteStore.open()`), never through the
bot. Bench only: the rows are what the bot writes, but no engine or Telegram is involved.

The flow is the parents' barometer (21 scale statements and an open question) plus a choice,
a multiple-choice and a yes/no question: 25 questions, every closed type the reports aggregate.
"""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.flow_model import DONT_KNOW, SCALE_VALUES, Flow, QuestionType, flow_library, get_flow
from bot.store import SqliteStore

BENCH_FLOW_ID = "bench-ouders"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LANGUAGE_WEIGHTS = {"nl": 40, "tr": 18, "bg": 12, "ar": 10, "sk": 8, "pl": 6, "ro": 4, "so": 2}
SCALE_WEIGHTS = (4, 8, 20, 38, 24, 6)  # faces 1..5, then "don't know"
OPEN_ANSWERS = [
    "De juf is heel vriendelijk.",
    "Meer uitleg over huiswerk graag.",
    "Ik wil vaker horen hoe het gaat.",
    "Öğretmen çok nazik.",
    "أريد معلومات أكثر عن الواجبات.",
]
GROUPS_PER_SCHOOL = 12  # classes 1A .. 6B, each with its own link


def bench_flow() -> Flow:
    """The parents' barometer plus one choice, one multi and one yes/no question (25 in all)."""
    base = get_flow("barometer-ouders").model_dump(mode="json")
    theme = base["themes"][0]["id"]
    extra = [
        {
            "id": "kanaal",
            "type": "choice",
            "theme": theme,
            "text": "Hoe hoort u het liefst van de school?",
            "options": [
                {"id": "chat", "text": "Chat"},
                {"id": "brief", "text": "Brief"},
                {"id": "gesprek", "text": "Gesprek"},
            ],
        },
        {
            "id": "thuis",
            "type": "multi",
            "theme": theme,
            "text": "Wat doet u thuis samen met uw kind?",
            "options": [
                {"id": "lezen", "text": "Lezen"},
                {"id": "huiswerk", "text": "Huiswerk"},
                {"id": "spelen", "text": "Spelen"},
                {"id": "praten", "text": "Praten over school"},
            ],
        },
        {"id": "oudercafe", "type": "yesno", "theme": theme, "text": "Kent u het oudercafé?"},
    ]
    base["questions"] = base["questions"][:-1] + extra + base["questions"][-1:]
    base["id"] = BENCH_FLOW_ID
    return Flow.model_validate(base)


def library() -> dict[str, Flow]:
    """The shipped flows plus the bench flow, for `build_round_report(..., flows=...)`."""
    return {**flow_library(), BENCH_FLOW_ID: bench_flow()}


@dataclass
class City:
    path: Path
    school_ids: list[int]
    round_ids: list[int]  # one closed round per school
    respondents: int
    answers: int


async def create_schema(path: Path) -> None:
    async with SqliteStore(path):
        pass


def generate(path: Path, schools: int, per_school: int, seed: int = 7) -> City:
    """`schools` schools, each with one closed round of `per_school` completed respondents."""
    flow = bench_flow()
    rng = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")  # test data: durability is not what is measured
    conn.execute("BEGIN")
    at = T0.isoformat()
    closed = (T0 + timedelta(days=14)).isoformat()
    conn.executemany(
        "INSERT INTO schools(id, name, share_named, created_at) VALUES (?, ?, ?, ?)",
        [(s, f"School {s:03d}", int(s % 4 == 0), at) for s in range(1, schools + 1)],
    )
    conn.executemany(
        "INSERT INTO rounds(id, school_id, flow_id, flow_version, audience, start_token, status, "
        "expected, opens_at, closes_at, closed_at, created_at) "
        "VALUES (?, ?, ?, ?, 'parents', ?, 'closed', ?, ?, ?, ?, ?)",
        [
            (
                s,
                s,
                flow.id,
                flow.version,
                f"bench-token-{s:06d}",
                per_school + per_school // 5,
                at,
                closed,
                closed,
                at,
            )
            for s in range(1, schools + 1)
        ],
    )
    groups = [
        (s * 100 + g, s, f"{g // 2 + 1}{'AB'[g % 2]}", f"bench-group-{s:06d}-{g:02d}", 30)
        for s in range(1, schools + 1)
        for g in range(GROUPS_PER_SCHOOL)
    ]
    conn.executemany(
        "INSERT INTO round_groups(id, round_id, name, token, expected) VALUES (?, ?, ?, ?, ?)",
        groups,
    )

    languages = rng.choices(list(LANGUAGE_WEIGHTS), list(LANGUAGE_WEIGHTS.values()), k=4096)
    faces = rng.choices((*SCALE_VALUES, DONT_KNOW), SCALE_WEIGHTS, k=65536)
    closed_questions = [q for q in flow.questions if q.type != QuestionType.OPEN]
    open_question = next(q.id for q in flow.questions if q.type == QuestionType.OPEN)
    respondents: list[tuple[object, ...]] = []
    answers: list[tuple[object, ...]] = []
    n = f = 0
    for s in range(1, schools + 1):
        for i in range(per_school):
            rid = f"{s:05d}{i:07d}"
            done = (T0 + timedelta(minutes=i)).isoformat()
            language = languages[n % len(languages)]
            # one in ten came in without a class link
            group = s * 100 + i % GROUPS_PER_SCHOOL if i % 10 else None
            respondents.append((rid, s, group, language, "completed", done, done, done))
            cells = (language, group or 0)  # on the answer row, as the store writes it
            n += 1
            for q in closed_questions:
                f += 1
                if q.type == QuestionType.SCALE:
                    answers.append(
                        (rid, s, q.id, faces[f % len(faces)], None, None, None, done, *cells)
                    )
                elif q.type == QuestionType.MULTI:
                    picked = [o.id for k, o in enumerate(q.options) if (f >> k) % 3 == 0] or [
                        q.options[0].id
                    ]
                    answers.append(
                        (rid, s, q.id, None, json.dumps(picked), None, None, done, *cells)
                    )
                else:
                    options = q.allowed_values()
                    answers.append(
                        (rid, s, q.id, options[f % len(options)], None, None, None, done, *cells)
                    )
            if i % 3 == 0:
                text = OPEN_ANSWERS[i % len(OPEN_ANSWERS)]
                answers.append((rid, s, open_question, None, None, text, language, done, *cells))
        if len(answers) > 200_000 or s == schools:
            _flush(conn, respondents, answers)
            respondents, answers = [], []
    conn.execute("COMMIT")
    total = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    conn.close()
    return City(path, list(range(1, schools + 1)), list(range(1, schools + 1)), n, total)


def _flush(
    conn: sqlite3.Connection,
    respondents: list[tuple[object, ...]],
    answers: list[tuple[object, ...]],
) -> None:
    conn.executemany(
        "INSERT INTO respondents(id, round_id, group_id, language, status, started_at, updated_at, "
        "completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        respondents,
    )
    conn.executemany(
        "INSERT INTO answers(respondent_id, round_id, question_id, value, choices, text, "
        "text_language, answered_at, respondent_language, respondent_group) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        answers,
    )
