"""Schools side by side (brugfiguur) and the centre's total (coordinator)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.reports import ReportOptions, build_overview, build_round_report, overview_text
from bot.store import SqliteStore
from tests.reports_fixtures import Builder, library, scale_answers

FLOWS = library()


async def centre(store: SqliteStore, small_answers_kanaal: int = 3) -> dict[str, object]:
    """Zuid (agreed to be named, 20 parents, all 4), Noord (10 parents, all 2, 3 answer the
    optional question), Oost (5 parents, one 4 and four 5, `small_answers_kanaal` answer it, one
    of them "app"), West (3 parents: nothing counted) and Leeg (no round). Oost is never
    unanimous: five equal answers would be hidden, in its report and in any total (rule 9)."""
    b = Builder(store)
    schools = {
        "Zuid": await b.school("Zuid", share_named=True, centre="Stad"),
        "Noord": await b.school("Noord", centre="Stad"),
        "Oost": await b.school("Oost", centre="Stad"),
        "West": await b.school("West", centre="Stad"),
        "Leeg": await b.school("Leeg", centre="Stad"),
    }
    plan = {
        "Zuid": (20, "4", 20),
        "Noord": (10, "2", 3),
        "Oost": (5, "5", small_answers_kanaal),
        "West": (3, "1", 3),
    }
    rounds = {}
    for name, (size, face, kanaal) in plan.items():
        old, _ = await b.round(schools[name], expected=size + 5)  # an older round is ignored
        for _ in range(5):
            await b.respond(old, scale_answers("1", "1", "1", "1", "1"))
        rnd, _ = await b.round(schools[name], expected=size + 5)
        for i in range(size):
            odd = name == "Oost" and i == 0  # Oost's one parent who answers otherwise
            f = "4" if odd else face
            extra = {"tolk": "yes", "thuis": ("spelen",)} if odd else {}
            channel = "app" if odd else "brief"
            await b.respond(
                rnd, scale_answers(f, f, f, f, f, kanaal=channel if i < kanaal else None, **extra)
            )
        rounds[name] = rnd
    return {"schools": schools, "rounds": rounds}


@pytest.fixture
async def store(tmp_path: Path):
    async with SqliteStore(tmp_path / "centre.db") as s:
        yield s


async def test_coordinator_sees_the_total_and_only_schools_that_agreed(store: SqliteStore) -> None:
    data = await centre(store)
    ids = [s.id for s in data["schools"].values()]  # type: ignore[attr-defined]
    overview = await build_overview(
        store,
        ids,
        ReportOptions(viewer="coordinator"),
        named=False,
        flow_id="test-ouders",
        flows=FLOWS,
    )
    total = overview.total
    assert (total.schools, total.schools_with_round) == (5, 4)
    assert (total.started, total.counted) == (38, 35)  # West's 3 are never counted
    assert total.schools_in_figures == 3
    w1 = next(r for r in total.statements if r.id == "w1").figures["total"]
    assert w1.n == 35 and w1.mean == pytest.approx((20 * 4 + 10 * 2 + 4 + 4 * 5) / 35, abs=1e-3)
    assert [s.name for s in overview.schools] == ["Zuid"]
    text = overview_text(overview)
    for hidden in ("Noord", "Oost", "West", "Leeg"):
        assert hidden not in text and hidden not in overview.to_json()


async def test_small_schools_enter_a_total_only_as_a_safe_pool(store: SqliteStore) -> None:
    data = await centre(store, small_answers_kanaal=3)
    ids = [s.id for s in data["schools"].values()]  # type: ignore[attr-defined]
    overview = await build_overview(store, ids, named=False, flow_id="test-ouders", flows=FLOWS)
    kanaal = next(r for r in overview.total.statements if r.id == "kanaal").figures["total"]
    assert kanaal.n == 26  # Noord 3 + Oost 3 = 6 >= 5 from two schools: pooled with Zuid's 20


async def test_a_single_small_school_stays_out_of_the_total(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "single.db") as store:
        data = await centre(store, small_answers_kanaal=5)
        ids = [s.id for s in data["schools"].values()]  # type: ignore[attr-defined]
        overview = await build_overview(store, ids, named=False, flow_id="test-ouders", flows=FLOWS)
        kanaal = next(r for r in overview.total.statements if r.id == "kanaal").figures["total"]
        assert kanaal.n == 25  # Noord's 3 would be the total minus Zuid and Oost: left out
        assert kanaal.counts == {"brief": 24, "app": 1, "gesprek": 0}
        noord = data["rounds"]["Noord"]  # type: ignore[index]
        own = await build_round_report(store, noord.id, flows=FLOWS)
        assert not own.statement("kanaal").figure.shown


async def test_brugfiguur_sees_own_schools_by_name_alphabetically(store: SqliteStore) -> None:
    data = await centre(store)
    schools = data["schools"]
    mine = [schools[n].id for n in ("Zuid", "Noord", "West")]  # type: ignore[index]
    overview = await build_overview(
        store,
        mine,
        ReportOptions(viewer="brugfiguur"),
        named=True,
        flow_id="test-ouders",
        flows=FLOWS,
    )
    assert [s.name for s in overview.schools] == ["Noord", "West", "Zuid"]  # never by score
    by_name = {s.name: s for s in overview.schools}
    assert by_name["Zuid"].themes["welkom"].mean == 4.0
    assert by_name["Noord"].themes["welkom"].mean == 2.0
    assert not by_name["West"].themes["welkom"].shown and by_name["West"].started == 3
    assert by_name["West"].counted == 0
    assert "Oost" not in overview.to_json()
    text = overview_text(overview)
    assert text.index("Noord") < text.index("West") < text.index("Zuid")
    assert len(text) <= 4096


async def test_named_schools_are_not_listed_when_the_rest_is_one_school(
    store: SqliteStore,
) -> None:
    b = Builder(store)
    named = await b.school("Zuid", share_named=True)
    other = await b.school("Noord")
    for school in (named, other):
        rnd, _ = await b.round(school)
        for _ in range(10):
            await b.respond(rnd, scale_answers("4", "4", "4", "4", "4"))
    overview = await build_overview(
        store, [named.id, other.id], named=False, flow_id="test-ouders", flows=FLOWS
    )
    assert overview.schools == []  # total minus Zuid would be Noord
    assert overview.total.counted == 20
    both = await build_overview(
        store, [named.id, other.id], named=True, flow_id="test-ouders", flows=FLOWS
    )
    assert [s.name for s in both.schools] == ["Noord", "Zuid"]


async def test_the_rest_counts_schools_that_contribute_not_schools_that_started(
    store: SqliteStore,
) -> None:
    """Issue 11, item 6: West started (3 parents) but contributes nothing; the total minus Zuid
    would be Noord alone, so no school is listed."""
    data = await centre(store)
    schools = data["schools"]
    ids = [schools[n].id for n in ("Zuid", "Noord", "West", "Leeg")]  # type: ignore[index]
    overview = await build_overview(
        store,
        ids,
        ReportOptions(viewer="coordinator"),
        named=False,
        flow_id="test-ouders",
        flows=FLOWS,
    )
    assert overview.total.schools_in_figures == 2 and overview.total.started == 33
    assert overview.schools == []
    assert "Zuid" not in overview_text(overview)


async def test_named_by_set_each_school_decided_by_its_own_grant(store: SqliteStore) -> None:
    """`named` is the set `bot.staff.named_schools` gives: exactly those schools are listed."""
    data = await centre(store)
    schools = data["schools"]
    ids = [s.id for s in schools.values()]  # type: ignore[attr-defined]
    named = {schools["Noord"].id}  # type: ignore[index]
    overview = await build_overview(
        store,
        ids,
        ReportOptions(viewer="coordinator"),
        named=named,
        flow_id="test-ouders",
        flows=FLOWS,
    )
    assert [s.name for s in overview.schools] == ["Noord"]
    assert not overview.named
    for hidden in ("Zuid", "Oost", "West", "Leeg"):
        assert hidden not in overview.to_json()


async def test_a_unanimous_small_school_never_enters_a_total_alone(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "unanimous.db") as store:
        b = Builder(store)
        big = await b.school("Groot", share_named=True)
        small = await b.school("Klein")
        rnd, _ = await b.round(big)
        for i in range(20):
            await b.respond(rnd, scale_answers(*(["4" if i % 2 else "3"] * 5)))
        other, _ = await b.round(small)
        for _ in range(5):
            await b.respond(other, scale_answers("1", "1", "1", "1", "1"))
        overview = await build_overview(
            store, [big.id, small.id], named=True, flow_id="test-ouders", flows=FLOWS
        )
    w1 = next(r for r in overview.total.statements if r.id == "w1").figures["total"]
    assert w1.n == 20  # Klein's five equal answers stay out: total minus Groot would show them
