"""The report layer's one-pass aggregate read (`queries.answer_counts`, issue 16) on every store."""

from __future__ import annotations

from typing import Any

from bot.reports import queries
from bot.reports.figures import load_answers
from bot.reports.privacy import RELEASE_STEP
from bot.store import Store, Turn
from tests.reports_fixtures import library, scale_answers
from tests.test_store_postgresql import PortableBuilder

FLOWS = library()


async def test_one_pass_counts_the_released_blocks_by_cell(store: Store) -> None:
    b = PortableBuilder(store)
    school = await b.school("Basisschool De Linde")
    rnd, groups = await b.round(school, expected=20, groups={"1A": 6, "1B": 7})
    languages = ["nl", "tr", "nl", "tr", "nl", "nl", "tr", "nl", "tr", "nl", "nl", "tr"]
    for i, language in enumerate(languages):
        answers = scale_answers(
            str(1 + i % 5),
            "4",
            "dontknow",
            "3",
            "2",
            thuis=[("lezen",), ("lezen", "spelen")][i % 2],
        )
        await b.respond(rnd, answers, language=language, group=[groups["1A"], groups["1B"]][i % 2])
    await b.respond(rnd, {"w1": "2"}, language="nl")  # started, never finished
    rnd = await b.close(rnd)
    flow = FLOWS[rnd.flow_id]

    found = await load_answers(store, {rnd.id: flow}, [rnd.id])

    # 13 final respondents, released in whole blocks of 5: 10 counted
    assert sum(found.counted(rnd.id).values()) == 10
    assert sum(found.counted(rnd.id, "language").values()) == 10
    assert found.counted(rnd.id, "group") == {str(groups["1A"].id): 5, str(groups["1B"].id): 5}
    assert sum(found.cross(rnd.id).values()) == 10
    whole = found.whole(rnd.id)
    assert whole["w2"].counts == {"4": 10} and whole["w2"].n == 10
    assert whole["thuis"].n == 10  # respondents who answered, not options chosen
    assert whole["thuis"].counts == {"lezen": 10, "spelen": 5}
    for dimension in ("language", "group"):
        cells = found.raw(rnd.id, dimension)
        assert sum(c["w1"].n for c in cells.values()) == 10
        assert sum(c["thuis"].counts.get("spelen", 0) for c in cells.values()) == 5
    # the counted set itself, read alone (privacy rule 2 in SQL)
    rows = await store.run_read(
        f"WITH {queries._counted_cte([rnd.id])} "
        "SELECT language, CAST(group_key AS TEXT), COUNT(*) FROM counted GROUP BY language, group_key",
        [rnd.id, *queries._block_params(RELEASE_STEP)],
    )
    assert {(r[0], r[1]): r[2] for r in rows} == found.cross(rnd.id)


async def test_without_breakdowns_the_counts_leave_out_everyone_outside_the_counted_set(
    store: Store,
) -> None:
    """An overview's path (no breakdowns: the index's counts minus those outside the counted
    set) gives the same figures as the joined path, on two rounds at once."""
    b = PortableBuilder(store)
    school = await b.school("Basisschool De Linde")
    other = await b.school("Basisschool Het Anker")
    rounds = []
    for place, (s, finished) in enumerate(((school, 13), (other, 7))):
        rnd, _ = await b.round(s, expected=20)
        for i in range(finished):
            await b.respond(
                rnd,
                scale_answers(
                    str(1 + i % 5),
                    "4",
                    "3",
                    "dontknow",
                    "2",
                    thuis=[("lezen",), ("lezen", "spelen")][i % 2],
                ),
                language=["nl", "tr"][i % 2],
            )
        await b.respond(rnd, {"w1": "2", "w2": "1"}, language="nl")  # started, never finished
        rounds.append(await b.close(rnd) if place == 0 else rnd)
    flows = {r.id: FLOWS[r.flow_id] for r in rounds}

    joined = await load_answers(store, flows, [r.id for r in rounds])
    alone = await load_answers(store, flows)

    closed, still_open = rounds
    # closed: 14 final (the unfinished one too), 10 counted; open: 7 completed, 5 counted
    assert sum(alone.counted(closed.id).values()) == 10
    assert sum(alone.counted(still_open.id).values()) == 5
    for rnd in rounds:
        whole, reference = alone.whole(rnd.id), joined.whole(rnd.id)
        assert {q: (r.counts, r.n) for q, r in whole.items()} == {
            q: (r.counts, r.n) for q, r in reference.items()
        }
    assert alone.whole(closed.id)["w2"].counts == {"4": 10}
    assert alone.whole(still_open.id)["w2"].counts == {"4": 5}
    assert alone.whole(still_open.id)["thuis"].n == 5


async def test_the_answer_rows_cells_follow_their_respondent(store: Store) -> None:
    """Migration 010: the respondent's language and class on the answer row, which the report
    groups by, stay those of the respondent whoever writes: the store's turns (a parent who
    switches language mid-survey takes their earlier answers along), and a plain INSERT that
    leaves them out (the triggers fill them in)."""
    b = PortableBuilder(store)
    school = await b.school("Basisschool De Linde")
    rnd, groups = await b.round(school, expected=20, groups={"1A": 6})
    for i in range(5):
        group = groups["1A"] if i % 2 else None
        await b.respond(rnd, scale_answers("4", "3", "2", "5", "1"), language="nl", group=group)
    await b.respond(rnd, {"w1": "2"}, language="ar", group=groups["1A"])  # still answering
    switched, late = b.respondent_ids[0], b.respondent_ids[-1]
    state = await store.session(switched)
    assert state is not None
    await store.record_turn(Turn(None, switched, state, "completed", rnd.id, "tr", b.tick()))

    async def plain_insert(conn: Any) -> None:
        await conn.execute(
            "INSERT INTO answers(respondent_id, round_id, question_id, value, answered_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (late, rnd.id, "w2", "3", b.tick().isoformat()),
        )

    await store.run_write(plain_insert)
    rows = await store.run_read(
        "SELECT a.respondent_id, a.respondent_language, a.respondent_group, r.language, "
        "COALESCE(r.group_id, 0) FROM answers a JOIN respondents r ON r.id = a.respondent_id "
        "WHERE a.round_id = ?",
        [rnd.id],
    )
    cells = {(r[0], r[1], int(r[2])) for r in rows}
    assert {(r[0], r[3], int(r[4])) for r in rows} == cells
    assert (switched, "tr", 0) in cells and (late, "ar", groups["1A"].id) in cells
    assert len({r[0] for r in rows}) == 6 and sum(r[0] == late for r in rows) == 2
    found = await load_answers(store, {rnd.id: FLOWS[rnd.flow_id]}, [rnd.id])
    by_language = found.raw(rnd.id, "language")
    assert by_language[(rnd.id, "tr")]["w1"].n == 1  # the switched parent's earlier answer
    assert by_language[(rnd.id, "nl")]["w1"].n == 4
