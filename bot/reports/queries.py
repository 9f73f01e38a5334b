"""Every SQL statement of the reports: aggregates computed in the database, never answer by answer.

The SQL is portable between SQLite and PostgreSQL (`bot/store/postgres_database.py` turns the `?`
into psycopg's placeholders; migration 001 for PostgreSQL gives it SQLite's `json_each` over a
JSON list): no bare literal in GROUP BY (and a
block grouped by its name: PostgreSQL sees two `?` as two expressions), every subquery in FROM named, no sum of a boolean.

Reads go through `store.run_read` (the store's read connection, which in WAL mode never waits
for the writer). Queries take a list of round ids so a centre's overview is one query per kind,
not one per school. Closed answers are read in round order from the covering indexes
`answers_round_cells` and `answers_round_groups` (migration 010: round, question, value, and the
respondent's language and class group, which the store and triggers keep on the answer row) and
grouped in SQL (GROUP BY
round, question, value, and the cell; `json_each` for multiple choice). Python only sees one row
per (round, cell, question, value).

The counted set (privacy rule 2) is the `counted` CTE: final respondents (completed, or all once
the round is closed; never those who asked to stop) whose fixed place in the completion order
(`respondents.place`, migration 004) lies in a block of `step` places that are all present.

A report builds the counted set once (issue 16): `answer_counts` returns, in one query, the
counted respondents per (round, language, class) and the answers per question and value for the
whole round and, for the rounds whose breakdowns are built, per language and per class. No
answer is joined to its respondent for a value: each kind is the index's counts minus those of
the respondents outside the counted set (`outside`, usually few), whose answers are read by
primary key. Multiple choice (`choices` is not in the index) joins the few multiple-choice
answers to the counted set. Open answers and voice answers of a round are one more query
(`open_answers`), by primary key for the report's open questions.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.reports.privacy import RELEASE_STEP
from bot.store.protocols import AggregateReads

Dimension = Literal["language", "group"] | None


ReadStore = AggregateReads  # the one store protocol these queries need


def _marks(ids: Sequence[object]) -> str:
    return ", ".join("?" for _ in ids)


def _counted_cte(round_ids: Sequence[int]) -> str:
    """Privacy rule 2 in SQL (`privacy.released_places`): whole blocks of fixed places only.

    A final respondent is counted when its block of `step` places holds `step` final
    respondents (`present`, a window over the block: one sort of the final respondents, where
    a join of each to its block's count was a nested loop, quadratic in a school's size).

    Parameters: the round ids, then `_block_params(step)`.
    """
    return f"""
    final AS (
        SELECT r.id, r.round_id, r.language, r.group_id, r.place
        FROM respondents r JOIN rounds o ON o.id = r.round_id
        WHERE r.round_id IN ({_marks(round_ids)})
          AND r.status != 'stopped' AND r.place IS NOT NULL
          AND (r.completed_at IS NOT NULL OR o.status = 'closed')
    ),
    counted AS MATERIALIZED (
        SELECT id, round_id, language, group_key FROM (
            SELECT f.id, f.round_id, f.language, COALESCE(f.group_id, 0) AS group_key,
                   COUNT(*) OVER (PARTITION BY f.round_id, (f.place - 1) / ?) AS present
            FROM final f
        ) AS w WHERE present = ?
    )"""


def _block_params(step: int) -> list[int]:
    return [step, step]


# ---- rounds and schools ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SchoolRow:
    id: int
    name: str
    centre_id: int | None
    share_named: bool


async def schools(store: ReadStore, school_ids: Sequence[int]) -> list[SchoolRow]:
    if not school_ids:
        return []
    rows = await store.run_read(
        f"SELECT id, name, centre_id, share_named FROM schools WHERE id IN ({_marks(school_ids)}) "
        "ORDER BY name, id",
        list(school_ids),
    )
    return [SchoolRow(r[0], r[1], r[2], bool(r[3])) for r in rows]


async def latest_rounds(
    store: ReadStore, school_ids: Sequence[int], flow_id: str
) -> dict[int, int]:
    """{school id: id of its latest round of `flow_id`} (by opening time, then id)."""
    if not school_ids:
        return {}
    rows = await store.run_read(
        f"""SELECT school_id, id FROM (
                SELECT school_id, id, ROW_NUMBER() OVER (
                    PARTITION BY school_id ORDER BY opens_at DESC, id DESC) AS place
                FROM rounds WHERE flow_id = ? AND school_id IN ({_marks(school_ids)})
            ) AS latest WHERE place = 1""",
        [flow_id, *school_ids],
    )
    return {r[0]: r[1] for r in rows}


async def expected(store: ReadStore, round_ids: Sequence[int]) -> dict[int, int | None]:
    """{round id: the number of families (or staff) the school hoped to reach}."""
    if not round_ids:
        return {}
    rows = await store.run_read(
        f"SELECT id, expected FROM rounds WHERE id IN ({_marks(round_ids)})", list(round_ids)
    )
    return {r[0]: r[1] for r in rows}


# ---- participation ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParticipationRow:
    round_id: int
    language: str
    group_key: int  # 0 for respondents who came in without a class link
    started: int
    completed: int
    final: int


async def participation(store: ReadStore, round_ids: Sequence[int]) -> list[ParticipationRow]:
    """Respondents per round, language and class group (never those who asked to stop)."""
    if not round_ids:
        return []
    rows = await store.run_read(
        f"""SELECT r.round_id, r.language, COALESCE(r.group_id, 0), COUNT(*),
                   SUM(CASE WHEN r.completed_at IS NOT NULL THEN 1 ELSE 0 END),
                   SUM(CASE WHEN r.completed_at IS NOT NULL OR o.status = 'closed' THEN 1 ELSE 0 END)
            FROM respondents r JOIN rounds o ON o.id = r.round_id
            WHERE r.round_id IN ({_marks(round_ids)}) AND r.status != 'stopped'
            GROUP BY r.round_id, r.language, COALESCE(r.group_id, 0)""",
        list(round_ids),
    )
    return [ParticipationRow(r[0], r[1], r[2], r[3], r[4] or 0, r[5] or 0) for r in rows]


async def left_since_close(store: ReadStore, round_id: int) -> int:
    """Respondents who held a place when the round closed and hold none now (forgotten)."""
    rows = await store.run_read(
        """SELECT o.places_at_close - (SELECT COUNT(*) FROM respondents r
                                        WHERE r.round_id = o.id AND r.place IS NOT NULL
                                          AND r.status != 'stopped')
           FROM rounds o WHERE o.id = ?""",
        [round_id],
    )
    return int(rows[0][0] or 0) if rows else 0


# ---- everything the figures rest on, in one pass -------------------------------------------

COUNTED = "counted"  # AnswerRow.kind of the counted respondents per (language, class)
PART_VALUE, PART_OPTION, PART_ANSWERED = 0, 1, 2  # a value; a multiple-choice option; answered


# One row of `answer_counts`: (kind, round id, cell, group, question id, value, part, count).
# kind COUNTED: `cell` is the language, `group` the class group key, `count` the respondents.
# kind "" (whole round), "language" or "group": `cell` is the cell ('' for the whole round) and
# `part` says whether `count` answers gave `value`, chose option `value` (multiple choice), or
# answered the multiple-choice question at all (`value` None). Plain tuples: a report reads
# thousands of them and folds them at once (`figures.load_answers`).
AnswerRow = tuple[str, int, str, str, str | None, str | None, int, int]


def _rolled_up(kind: str, cell: str, key: str, where: str) -> str:
    """The multiple-choice roll-ups of one kind from the finest cells (`mo`, `mn`): options
    chosen, respondents who answered a multiple-choice question."""
    return f"""
            SELECT '{kind}', round_id, {cell}, '', question_id, value, {PART_OPTION},
                   CAST(SUM(n) AS INTEGER)
            FROM mo{where} GROUP BY round_id, {key}question_id, value
            UNION ALL
            SELECT '{kind}', round_id, {cell}, '', question_id, CAST(NULL AS TEXT),
                   {PART_ANSWERED}, CAST(SUM(n) AS INTEGER)
            FROM mn{where} GROUP BY round_id, {key}question_id"""


def _values(kind: str, rounds: str, column: str | None = None) -> str:
    """Answers per value of the counted respondents, for the rounds `rounds` (their marks), per
    `column` of the answer row (`respondent_language` or `respondent_group`, migration 010) or
    for the whole round (None): the rounds' answers grouped straight from a covering index in
    its order (`answers_round_cells`; per class `answers_round_groups`, so no kind sorts every
    answer of the round), minus those of the few respondents outside the counted
    set (`outside`: not final, or not in a released block), read by primary key (CROSS JOIN:
    SQLite reads `outside` first, never the round's answers a second time).

    Parameters: the round ids twice."""
    inner = f", {column} AS cell" if column else ""
    by = f", {column}" if column else ""
    cell = "cell, " if column else ""
    shown = ("CAST(cell AS TEXT)" if column == "respondent_group" else "cell") if column else "''"
    answered = "a.skipped = 0 AND a.value IS NOT NULL"
    return f"""
            SELECT '{kind}', round_id, {shown}, '', question_id, value, {PART_VALUE},
                   CAST(SUM(n) AS INTEGER)
            FROM (
                SELECT a.round_id{inner}, a.question_id, a.value, COUNT(*) AS n
                FROM answers a
                WHERE a.round_id IN ({rounds}) AND {answered}
                GROUP BY a.round_id, a.question_id, a.value{by}
                UNION ALL
                SELECT a.round_id{inner}, a.question_id, a.value, -COUNT(*) AS n
                FROM outside o CROSS JOIN answers a
                WHERE a.respondent_id = o.id AND o.round_id IN ({rounds}) AND {answered}
                GROUP BY a.round_id, a.question_id, a.value{by}
            ) AS parts
            GROUP BY round_id, {cell}question_id, value HAVING SUM(n) > 0"""


async def answer_counts(
    store: ReadStore,
    round_ids: Sequence[int],
    breakdown_rounds: Sequence[int] = (),
    step: int = RELEASE_STEP,
    multi_questions: Collection[str] = (),
) -> list[AnswerRow]:
    """The counted respondents and their closed answers, by cell, in one query.

    `counted` is built once, and `outside` (the rounds' other respondents) from it. The values
    of the whole rounds, and per language and per class for `breakdown_rounds`, are each read
    from the covering index `answers_round_cells` (migration 010: the respondent's language and
    class are on the answer row, so no answer is joined to its respondent and no table row is
    read; per class from `answers_round_groups`), minus the answers of `outside` (`_values`).
    Multiple-choice answers (`choices`, not in the index: read from the table for the rows whose
    value is empty or whose question is one of `multi_questions`, joined to the counted set)
    are grouped at the finest cell (`mo`: options chosen, `mn`: respondents who answered) and
    summed per kind.
    """
    if not round_ids:
        return []
    by_cell = [r for r in breakdown_rounds if r in set(round_ids)]
    rounds = _marks(round_ids)
    breakdowns = ""
    if by_cell:
        cells = _marks(by_cell)
        where = f" WHERE round_id IN ({cells})"
        breakdowns = (
            " UNION ALL"
            + _values("language", cells, "respondent_language")
            + " UNION ALL"
            + _rolled_up("language", "language", "language, ", where)
            + " UNION ALL"
            + _values("group", cells, "respondent_group")
            + " UNION ALL"
            + _rolled_up("group", "CAST(group_key AS TEXT)", "group_key, ", where)
        )
    multi = sorted(set(multi_questions))
    multi_where = f" OR a.question_id IN ({_marks(multi)})" if multi else ""
    # Multiple choice: each answer joined to its counted respondent (CROSS JOIN: SQLite reads
    # `answers` first and looks the respondent up in `counted`; PostgreSQL plans it as any
    # inner join), at the finest cell only when breakdowns are built.
    cell = "c.language, c.group_key" if by_cell else "'' AS language, 0 AS group_key"
    rows = await store.run_read(
        f"""WITH {_counted_cte(round_ids)},
            outside AS MATERIALIZED (
                SELECT id, round_id FROM respondents WHERE round_id IN ({rounds})
                EXCEPT SELECT id, round_id FROM counted
            ),
            ma AS MATERIALIZED (
                SELECT a.round_id, {cell}, a.question_id, a.choices
                FROM answers a CROSS JOIN counted c
                WHERE c.id = a.respondent_id AND a.round_id IN ({rounds})
                  AND a.skipped = 0 AND (a.value IS NULL{multi_where})
                  AND a.choices IS NOT NULL
            ),
            mo AS MATERIALIZED (
                SELECT ma.round_id, ma.language, ma.group_key, ma.question_id, j.value,
                       COUNT(*) AS n
                FROM ma, json_each(ma.choices) j
                GROUP BY ma.round_id, ma.language, ma.group_key, ma.question_id, j.value
            ),
            mn AS MATERIALIZED (
                SELECT round_id, language, group_key, question_id, COUNT(*) AS n
                FROM ma GROUP BY round_id, language, group_key, question_id
            )
            SELECT '{COUNTED}', round_id, language, CAST(group_key AS TEXT),
                   CAST(NULL AS TEXT), CAST(NULL AS TEXT), 0, COUNT(*)
            FROM counted GROUP BY round_id, language, group_key
            UNION ALL{_values("", rounds)}
            UNION ALL{_rolled_up("", "''", "", "")}{breakdowns}""",
        [
            *round_ids,
            *_block_params(step),
            *round_ids,
            *round_ids,
            *multi,
            *round_ids,
            *round_ids,
            *(by_cell * 8),
        ],
    )
    return [tuple(r) for r in rows]


async def open_answers(
    store: ReadStore,
    round_id: int,
    step: int = RELEASE_STEP,
    question_ids: Sequence[str] | None = None,
) -> list[tuple[str, str | None, str | None, str | None]]:
    """(question, text, language, voice file id) of counted respondents' open and voice answers,
    sorted by question, language and text, so nothing links them to a respondent.

    `question_ids`: only these questions (a report's open questions), each answer read by its
    primary key (respondent, question) instead of every answer of every counted respondent."""
    only = ""
    if question_ids is not None:
        if not question_ids:
            return []
        only = f" AND a.question_id IN ({_marks(question_ids)})"
    rows = await store.run_read(
        f"""WITH {_counted_cte([round_id])}
            SELECT a.question_id, CASE WHEN a.text != '' THEN a.text END, a.text_language,
                   a.voice_file_id
            FROM counted c JOIN answers a ON a.respondent_id = c.id
            WHERE ((a.text IS NOT NULL AND a.text != '') OR a.voice_file_id IS NOT NULL){only}
            ORDER BY a.question_id, a.text_language, a.text, a.voice_file_id""",
        [round_id, *_block_params(step), *(question_ids or ())],
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]
