"""Report figures against hand-computed numbers from answers stored through the real engine."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.errors import NotFound, UnknownFlow
from bot.reports import ReportOptions, build_round_report
from bot.reports.model import RoundReport
from bot.store import SqliteStore
from tests.reports_fixtures import Builder, library, scale_answers

FLOWS = library()

# Ten complete parents (hand-computed figures in the tests below) ...
W1 = ["5", "5", "4", "4", "4", "3", "2", "1", "dontknow", "5"]
W2 = ["4"] * 10
I1 = ["3"] * 10
I2 = ["2"] * 5 + ["3"] * 5
S1 = ["1", "2", "3", "4", "5", "1", "2", "3", "4", "5"]
KANAAL = ["app"] * 6 + ["brief"] * 4
THUIS = [("lezen", "spelen")] * 5 + [("huiswerk",)] * 3 + [("lezen",)] * 2
TOLK = ["yes"] * 3 + ["no"] * 7


@pytest.fixture
async def store(tmp_path: Path):
    async with SqliteStore(tmp_path / "reports.db") as s:
        yield s


async def ten_parents(b: Builder, rnd, groups=None, languages=None) -> None:
    for i in range(10):
        answers = scale_answers(
            W1[i],
            W2[i],
            I1[i],
            I2[i],
            S1[i],
            kanaal=KANAAL[i],
            thuis=THUIS[i],
            tolk=TOLK[i],
            opmerking=f"Opmerking nummer {i}"
            if i < 4
            else ({"voice": f"VOICE{i}"} if i == 4 else None),
        )
        await b.respond(
            rnd,
            answers,
            language=(languages or ["nl"] * 10)[i],
            group=(groups or [None] * 10)[i],
        )


async def school_with_round(store: SqliteStore, **round_kwargs):
    b = Builder(store)
    school = await b.school("Basisschool De Linde")
    rnd, groups = await b.round(school, **round_kwargs)
    return b, school, rnd, groups


async def test_statement_figures_match_hand_computed(store: SqliteStore) -> None:
    b, _, rnd, _ = await school_with_round(store, expected=20)
    await ten_parents(b, rnd)
    # two parents stop after the first statement: started, not completed
    await b.respond(rnd, {"w1": "1"})
    await b.respond(rnd, {"w1": "1"})
    rnd = await b.close(rnd)
    report = await build_round_report(store, rnd.id, flows=FLOWS)

    p = report.participation
    assert (p.expected, p.started, p.completed, p.final, p.counted) == (20, 12, 10, 12, 10)
    assert p.started_rate == 0.6 and p.completed_rate == 0.5

    w1 = report.statement("w1").figure
    assert w1.shown and w1.n == 10
    assert w1.counts == {"1": 1, "2": 1, "3": 1, "4": 3, "5": 3, "dontknow": 1}
    assert w1.mean == pytest.approx(33 / 9, abs=1e-3)
    assert w1.positive_share == pytest.approx(6 / 9, abs=1e-4)
    assert w1.dontknow_share == pytest.approx(0.1)
    assert report.statement("i2").figure.mean == 2.5
    assert report.statement("s1").figure.mean == 3.0

    kanaal = report.statement("kanaal").figure
    assert kanaal.counts == {"brief": 4, "app": 6, "gesprek": 0} and kanaal.n == 10
    assert kanaal.mean is None
    thuis = report.statement("thuis").figure
    assert thuis.n == 10 and thuis.counts == {"lezen": 7, "huiswerk": 3, "spelen": 5}
    assert report.statement("tolk").figure.counts == {"yes": 3, "no": 7}


async def test_themes_pool_their_statements_and_sort_strength_first(store: SqliteStore) -> None:
    b, _, rnd, _ = await school_with_round(store)
    await ten_parents(b, rnd)
    report = await build_round_report(store, (await b.close(rnd)).id, flows=FLOWS)

    welkom = report.theme("welkom")
    assert welkom.figure.n == 20
    assert welkom.figure.counts == {"1": 1, "2": 1, "3": 1, "4": 13, "5": 3, "dontknow": 1}
    assert welkom.figure.mean == pytest.approx(73 / 19, abs=1e-3)
    assert welkom.statements == ["w2", "w1"]  # 4.0 before 3.67
    assert report.theme("info").figure.mean == 2.75
    assert report.theme("info").statements == ["i1", "i2"]
    assert report.highlights.strengths[0] == "w2"
    assert report.highlights.concerns[0] == "i2"
    assert [tip.theme_id for tip in report.tips] == ["info", "samen", "welkom"]
    assert report.tips[0].tip == FLOWS["test-ouders"].theme("info").tip
    assert report.tips[0].reflections  # our own wording from the five stars


async def test_frameworks_read_the_same_answers(store: SqliteStore) -> None:
    b, _, rnd, _ = await school_with_round(store)
    await ten_parents(b, rnd)
    report = await build_round_report(store, (await b.close(rnd)).id, flows=FLOWS)
    stars = {s.key: s for s in report.frameworks.stars}
    assert stars["1"].themes == ["welkom"]
    assert stars["1"].figure.mean == pytest.approx(73 / 19, abs=1e-3)
    assert stars["4"].themes == ["welkom", "info"]
    assert stars["4"].figure.mean == pytest.approx(128 / 39, abs=1e-3)
    assert stars["3"].themes == [] and not stars["3"].figure.shown
    goals = {g.key: g for g in report.frameworks.goals}
    assert goals["1"].figure.mean == pytest.approx(103 / 29, abs=1e-3)
    assert goals["6"].figure.mean == 3.0
    matrix = {m.key: m for m in report.frameworks.matrix}
    assert len(matrix) == 11
    assert matrix["ouder-kind:meeleven"].figure.mean == 2.75
    assert matrix["ouder-school:meehelpen"].themes == ["samen"]


async def test_parents_beside_team_and_pupils(store: SqliteStore) -> None:
    b, school, rnd, _ = await school_with_round(store)
    await ten_parents(b, rnd)
    team, _ = await b.round(school, "test-team")
    for w2 in ["4", "4", "4", "5", "5"]:
        await b.respond(team, {"w1": "5", "w2": w2, "i1": "3", "i2": "3", "s1": "2", "t1": "4"})
    older_team, _ = await b.round(school, "test-team")  # the latest team round is compared
    for i in range(5):  # never unanimous: five equal answers would be hidden (rule 9)
        high = "5" if i else "4"
        await b.respond(
            older_team, {"w1": high, "w2": high, "i1": "3", "i2": "3", "s1": "2", "t1": "4"}
        )
    pupils, _ = await b.round(school, "test-leerlingen")
    for w1 in ["2", "2", "2", "2", "3", "2"]:
        await b.respond(pupils, {"w1": w1, "i1": "4"})
    report = await build_round_report(store, (await b.close(rnd)).id, flows=FLOWS)

    c = report.comparison
    assert c is not None
    assert [(s.audience, s.round_id) for s in c.sides] == [
        ("parents", rnd.id),
        ("team", older_team.id),
        ("pupils", pupils.id),
    ]
    assert c.sides[2].counted == 5  # six pupils, counted in a block of five
    w1 = next(r for r in c.statements if r.id == "w1")
    assert w1.figures["team"].mean == 4.8
    assert w1.gaps["team"] == pytest.approx(4.8 - 33 / 9, abs=1e-3)
    assert w1.gaps["pupils"] == pytest.approx(2.2 - 33 / 9, abs=1e-3)
    w2 = next(r for r in c.statements if r.id == "w2")
    assert not w2.figures["pupils"].shown and w2.gaps["pupils"] is None  # pupils not asked
    welkom = next(r for r in c.themes if r.id == "welkom")
    assert welkom.figures["team"].mean == 4.8
    assert welkom.gaps["team"] == pytest.approx(4.8 - 73 / 19, abs=1e-3)


async def test_team_round_report_compares_with_parents(store: SqliteStore) -> None:
    b, school, rnd, _ = await school_with_round(store)
    await ten_parents(b, rnd)
    team, _ = await b.round(school, "test-team")
    for w1 in ["4", "4", "4", "4", "3"]:
        await b.respond(team, {"w1": w1, "w2": "4", "i1": "4", "i2": "4", "s1": "4", "t1": "2"})
    report = await build_round_report(store, team.id, flows=FLOWS)
    assert report.comparison is not None
    assert report.comparison.sides[0].round_id == rnd.id
    w1 = next(r for r in report.comparison.statements if r.id == "w1")
    assert w1.figures["team"].mean == 3.8 and w1.figures["parents"].mean == pytest.approx(
        33 / 9, abs=1e-3
    )


async def test_small_team_shows_no_team_figures(store: SqliteStore) -> None:
    b, school, rnd, _ = await school_with_round(store)
    await ten_parents(b, rnd)
    team, _ = await b.round(school, "test-team")
    for _ in range(4):
        await b.respond(team, {"w1": "1", "w2": "1", "i1": "1", "i2": "1", "s1": "1", "t1": "1"})
    report = await build_round_report(store, (await b.close(rnd)).id, flows=FLOWS)
    assert report.comparison is not None
    assert report.comparison.sides[1].counted == 0
    assert all(not r.figures["team"].shown for r in report.comparison.statements)
    assert all(g is None for r in report.comparison.themes for g in r.gaps.values())


async def test_trend_against_the_previous_round_of_the_same_flow(store: SqliteStore) -> None:
    b = Builder(store)
    school = await b.school("Basisschool De Linde")
    other = await b.school("Andere school")
    before, _ = await b.round(school)
    for v in ["2", "3", "3", "3", "4"]:  # mean 3.0, never unanimous (rule 9)
        await b.respond(before, scale_answers(v, v, v, v, v))
    await b.close(before)
    elsewhere, _ = await b.round(other)  # another school's round is never "previous"
    for _ in range(5):
        await b.respond(elsewhere, scale_answers("1", "1", "1", "1", "1"))
    rnd, _ = await b.round(school)
    await ten_parents(b, rnd)
    report = await build_round_report(store, (await b.close(rnd)).id, flows=FLOWS)

    tr = report.trend
    assert tr is not None and tr.previous_round_id == before.id
    assert tr.previous_started == 5
    w1 = next(r for r in tr.statements if r.id == "w1")
    assert (w1.before, w1.change) == (3.0, pytest.approx(33 / 9 - 3, abs=1e-3))
    info = next(r for r in tr.themes if r.id == "info")
    assert (info.before, info.now, info.change) == (3.0, 2.75, -0.25)
    first = await build_round_report(store, before.id, flows=FLOWS)
    assert first.trend is None


async def test_trend_leaves_out_a_previous_round_too_small(store: SqliteStore) -> None:
    b, school, _, _ = await school_with_round(store)
    small, _ = await b.round(school)
    for _ in range(4):
        await b.respond(small, scale_answers("1", "1", "1", "1", "1"))
    await b.close(small)
    rnd, _ = await b.round(school)
    await ten_parents(b, rnd)
    report = await build_round_report(store, (await b.close(rnd)).id, flows=FLOWS)
    assert report.trend is not None and report.trend.previous_round_id == small.id
    assert all(r.before is None and r.change is None for r in report.trend.statements)


async def test_open_answers_wait_for_ten_and_never_link_to_time(store: SqliteStore) -> None:
    b, _, rnd, _ = await school_with_round(store)
    for i in range(9):
        await b.respond(rnd, scale_answers("4", "4", "4", "4", "4", opmerking=f"tekst {9 - i}"))
    report = await build_round_report(store, rnd.id, flows=FLOWS)
    assert report.participation.counted == 5
    (q,) = report.open_answers
    assert not q.shown and q.texts == [] and q.text_count is None

    await b.respond(rnd, scale_answers("4", "4", "4", "4", "4", opmerking="tekst 0"))
    report = await build_round_report(store, rnd.id, flows=FLOWS)
    (q,) = report.open_answers
    assert q.shown and q.text_count == 10
    assert [o.text for o in q.texts] == sorted(o.text for o in q.texts)  # not in answer order
    stricter = await build_round_report(store, rnd.id, ReportOptions(min_open=15), flows=FLOWS)
    assert not stricter.open_answers[0].shown


async def test_open_answer_languages_named_only_for_large_groups(store: SqliteStore) -> None:
    b, _, rnd, _ = await school_with_round(store)
    for i in range(8):
        await b.respond(rnd, scale_answers("4", "4", "4", "4", "4", opmerking=f"nl {i}"))
    await b.respond(
        rnd, scale_answers("4", "4", "4", "4", "4", opmerking="Okul çok iyi"), language="tr"
    )
    await b.respond(
        rnd, scale_answers("4", "4", "4", "4", "4", opmerking="Училището"), language="bg"
    )
    report = await build_round_report(store, rnd.id, flows=FLOWS)
    texts = {o.text: o for o in report.open_answers[0].texts}
    assert texts["nl 0"].language == "nl" and texts["nl 0"].language_label == "Nederlands"
    # issue 11, item 5: a text in its own script would name the language the report merged
    assert "Okul çok iyi" not in texts and "Училището" not in texts
    assert report.open_answers[0].text_count == 8
    assert "Okul" not in report.to_json() and "Училището" not in report.to_json()


async def test_voice_ids_only_for_a_brugfiguur_who_asks(store: SqliteStore) -> None:
    b, _, rnd, _ = await school_with_round(store)
    await ten_parents(b, rnd)
    rnd = await b.close(rnd)
    for options in (
        ReportOptions(),
        ReportOptions(include_voice=True),
        ReportOptions(viewer="brugfiguur"),
    ):
        report = await build_round_report(store, rnd.id, options, flows=FLOWS)
        (q,) = report.open_answers
        assert q.voice_count == 1 and q.voice_file_ids is None
        assert "VOICE4" not in report.to_json()
    report = await build_round_report(
        store, rnd.id, ReportOptions(viewer="brugfiguur", include_voice=True), flows=FLOWS
    )
    assert report.open_answers[0].voice_file_ids == ["VOICE4"]
    assert report.open_answers[0].text_count == 4


async def test_open_round_counts_in_blocks_so_one_parent_cannot_be_subtracted(
    store: SqliteStore,
) -> None:
    b, _, rnd, _ = await school_with_round(store)
    for i in range(12):
        await b.respond(rnd, scale_answers("4", "4", "4", "4", "4" if i % 2 else "2"))
    await b.respond(rnd, {"w1": "1"})  # still busy: never counted while the round is open
    before = await build_round_report(store, rnd.id, flows=FLOWS)
    assert before.participation.counted == 10

    await b.respond(rnd, scale_answers("1", "1", "1", "1", "1"))  # one more parent
    after = await build_round_report(store, rnd.id, flows=FLOWS)
    assert after.participation.started == before.participation.started + 1
    assert [s.figure for s in after.statements] == [s.figure for s in before.statements]
    assert [th.figure for th in after.themes] == [th.figure for th in before.themes]

    for _ in range(2):
        await b.respond(rnd, scale_answers("1", "1", "1", "1", "1"))
    grown = await build_round_report(store, rnd.id, flows=FLOWS)
    assert grown.participation.counted == 15
    assert grown.statement("w1").figure.n == before.statement("w1").figure.n + 5


async def test_breakdowns_wait_until_the_round_is_closed(store: SqliteStore) -> None:
    b, _, rnd, groups = await school_with_round(store, groups={"1A": 10, "1B": 10})
    await ten_parents(b, rnd, groups=[groups["1A"]] * 5 + [groups["1B"]] * 5)
    report = await build_round_report(store, rnd.id, flows=FLOWS)
    assert not report.breakdowns["group"].available
    assert report.breakdowns["group"].statements == []
    closed = await build_round_report(store, (await b.close(rnd)).id, flows=FLOWS)
    breakdown = closed.breakdowns["group"]
    assert breakdown.available
    assert [c.label for c in breakdown.cells] == ["1A", "1B"]
    s1 = next(r for r in breakdown.statements if r.id == "s1")
    first = s1.figures[str(groups["1A"].id)]
    assert first.counts == {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1, "dontknow": 0}
    assert first.mean == 3.0
    # w1 in 1B holds four faces and a "don't know": its mean is hidden, so its faces are hidden
    # with it (rule 9), and 1A goes too, or 1B would be the total minus 1A (rule 4)
    w1 = next(r for r in breakdown.statements if r.id == "w1")
    assert not any(f.shown for f in w1.figures.values())


async def test_turn_by_turn_storage_gives_the_same_report(tmp_path: Path) -> None:
    reports: list[RoundReport] = []
    for per_step in (False, True):
        async with SqliteStore(tmp_path / f"steps-{per_step}.db") as store:
            b = Builder(store)
            school = await b.school("School")
            rnd, _ = await b.round(school)
            for i in range(5):
                await b.respond(
                    rnd,
                    scale_answers(W1[i], W2[i], I1[i], I2[i], S1[i], thuis=THUIS[i]),
                    per_step=per_step,
                )
            reports.append(await build_round_report(store, rnd.id, flows=FLOWS))
    assert reports[0].statements == reports[1].statements


async def test_concurrent_parents_are_all_counted(store: SqliteStore) -> None:
    b, _, rnd, _ = await school_with_round(store)
    await asyncio.gather(
        *(b.respond(rnd, scale_answers("5", "5", "5", "5", "5")) for _ in range(20))
    )
    report = await build_round_report(store, rnd.id, flows=FLOWS)
    assert report.statement("w1").figure.counts["5"] == 20  # type: ignore[index]


async def test_unknown_round_and_flow(store: SqliteStore) -> None:
    with pytest.raises(NotFound):
        await build_round_report(store, 999, flows=FLOWS)
    _b, _, rnd, _ = await school_with_round(store)
    with pytest.raises(UnknownFlow):
        await build_round_report(store, rnd.id, flows={})
