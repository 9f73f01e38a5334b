"""Adversarial group sizes: small cells stay hidden, in the model and in every output format.

The round: 40 parents. Languages: Dutch 30, Turkish 7, Bulgarian 3 (the language group of 3 in
a round of 40). Class groups of 20, 8, 5, 4 and 3. The small groups answer in ways no shown
figure can produce, so any leak is a string we can look for:
    Bulgarian parents on w1: 1, 1, 3   -> mean "1,7"
    Turkish parents on w1:  2 (x7)     -> mean "2,0"  (hidden as the complement)
    class of 3 on w2:       1, 1, 1    -> mean "1,0"
    class of 4 on w2:       2, 2, 3, 3 -> mean "2,5"
Everyone else answers 4 or 5.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from matplotlib.text import Text
from openpyxl import load_workbook

from bot.reports import (
    VIEWS,
    ReportOptions,
    build_round_report,
    detail_text,
    export,
    summary_text,
)
from bot.reports.charts import figures
from bot.reports.exports import pdf_blocks
from bot.reports.model import Figure, RoundReport
from bot.reports.tables import formatted, tables
from bot.store import SqliteStore
from tests.reports_fixtures import Builder, library, scale_answers

FLOWS = library()
FORBIDDEN_MEANS = ("1,7", "2,0", "1,0", "2,5")
FORBIDDEN_NAMES = ("Bulgaars", "bg")  # a language spoken by 3 respondents is never named
GROUPS = {"Klas Groot": 20, "Klas Middel": 8, "Klas Vijf": 5, "Klas Vier": 4, "Klas Drie": 3}


class Scenario:
    with_groups: bool
    report: RoundReport
    builder: Builder
    group_ids: dict[str, str]
    tokens: list[str]


async def _scenario(tmp_path: Path, with_groups: bool) -> Scenario:
    async with SqliteStore(tmp_path / "adversarial.db") as store:
        b = Builder(store)
        school = await b.school("Basisschool Het Anker")
        rnd, groups = await b.round(
            school,
            expected=45,
            groups={k: v + 2 for k, v in GROUPS.items()} if with_groups else None,
        )
        members = [name for name, size in GROUPS.items() for _ in range(size)]
        # Class of 3 and class of 4 are Dutch speakers; Turkish and Bulgarian in the big class.
        languages = ["tr"] * 7 + ["bg"] * 3 + ["nl"] * 30
        order = sorted(range(40), key=lambda i: members[i] != "Klas Groot")  # big class first
        for n, i in enumerate(order):
            group, language = members[i], languages[n]
            w1 = {"tr": "2", "bg": ["1", "1", "3"][n % 3]}.get(language, "5" if n % 2 else "4")
            w2 = {"Klas Drie": "1", "Klas Vier": ["2", "2", "3", "3"][n % 4]}.get(group, "5")
            kanaal = "app" if n % 5 else None  # optional: 32 answers
            await b.respond(
                rnd,
                scale_answers(w1, w2, "4", "5", "4", kanaal=kanaal, opmerking=f"Tekst {n:02d}"),
                language=language,
                group=groups[group] if with_groups else None,
            )
        rnd = await b.close(rnd)
        result = Scenario()
        result.with_groups = with_groups
        result.report = await build_round_report(store, rnd.id, flows=FLOWS)
        result.builder = b
        result.group_ids = {name: str(g.id) for name, g in groups.items()}
        result.tokens = [rnd.start_token, *(g.token for g in groups.values())]
        return result


@pytest.fixture(params=["classes", "languages only"])
async def scenario(request: pytest.FixtureRequest, tmp_path: Path) -> Scenario:
    """Both rounds: with class groups (the language breakdown is then withheld, rule 10) and
    without (the language breakdown is shown)."""
    return await _scenario(tmp_path, request.param == "classes")


@pytest.fixture
async def grouped(tmp_path: Path) -> Scenario:
    return await _scenario(tmp_path, True)


@pytest.fixture
async def languages_only(tmp_path: Path) -> Scenario:
    return await _scenario(tmp_path, False)


# ---- the model -----------------------------------------------------------------------------


def test_participation_cells_hide_small_groups_and_their_complements(grouped: Scenario) -> None:
    p = grouped.report.participation
    assert (p.started, p.completed, p.counted) == (40, 40, 40)
    langs = {c.key: c for c in p.by_language.cells}
    assert set(langs) == {"nl", "tr", "_other"}  # Bulgarian merged, never named
    assert langs["nl"].shown and langs["nl"].started == 30
    assert not langs["tr"].shown and langs["tr"].started is None  # 7, hidden as the complement
    assert not langs["_other"].shown
    assert p.by_language.hidden_together == 10  # total minus the rest: a pool, not a group of 3

    groups = {c.label: c for c in p.by_group.cells}
    assert [name for name, c in groups.items() if not c.shown] == ["Klas Vier", "Klas Drie"]
    assert groups["Klas Vijf"].started == 5
    assert groups["Klas Drie"].expected == 5  # set by the school: public
    assert p.by_group.hidden_together == 7


def attacker_remainders(total: Figure, cells: dict[str, Figure]) -> dict[str, int]:
    """What a reader computes: the total's counts minus every shown cell's counts."""
    left = dict(total.counts or {})
    for f in cells.values():
        if f.shown:
            for value, c in (f.counts or {}).items():
                left[value] -= c
    return left


@pytest.mark.parametrize("dimension", ["language", "group"])
def test_total_minus_shown_cells_never_isolates_a_small_group(
    grouped: Scenario, languages_only: Scenario, dimension: str
) -> None:
    report = (grouped if dimension == "group" else languages_only).report
    breakdown = report.breakdowns[dimension]
    assert breakdown.available
    minimum = report.thresholds.min_closed
    for row in breakdown.statements:
        total = report.statement(row.id).figure
        hidden = [k for k, f in row.figures.items() if not f.shown]
        shown_n = sum(f.n or 0 for f in row.figures.values() if f.shown)
        if not total.shown:
            assert not any(f.shown for f in row.figures.values())
            continue
        remainder = total.n - shown_n if total.n is not None else 0
        assert len(hidden) != 1, f"{row.id}: one hidden cell equals total minus the rest"
        assert remainder == 0 or remainder >= minimum, f"{row.id}: remainder {remainder}"
        assert all(c >= 0 for c in attacker_remainders(total, row.figures).values())


def test_language_beside_classes_is_withheld_when_an_intersection_is_small(
    grouped: Scenario,
) -> None:
    """Issue 11, item 2: the three Bulgarian parents all sit in Klas Groot, so "Klas Groot minus
    the Dutch parents" would be a small group: only the class breakdown is shown."""
    b = grouped.report.breakdowns["language"]
    assert not b.available and b.withheld == "joint" and b.statements == []
    assert grouped.report.breakdowns["group"].available
    text = detail_text(grouped.report, "languages")
    assert "per klas zou ze een kleine groep" in text


def test_language_breakdown_shows_only_dutch(languages_only: Scenario) -> None:
    b = languages_only.report.breakdowns["language"]
    assert [c.key for c in b.cells] == ["nl", "tr", "_other"]
    w1 = next(r for r in b.statements if r.id == "w1")
    assert w1.figures["nl"].shown and not w1.figures["tr"].shown and not w1.figures["_other"].shown


def test_group_breakdown_per_statement(grouped: Scenario) -> None:
    b = grouped.report.breakdowns["group"]
    ids = grouped.group_ids
    w2 = next(r for r in b.statements if r.id == "w2")
    assert not w2.figures[ids["Klas Drie"]].shown and not w2.figures[ids["Klas Vier"]].shown
    # five parents who all gave 5 would each be known: hidden (rule 9); twenty may be shown
    assert not w2.figures[ids["Klas Vijf"]].shown
    assert w2.figures[ids["Klas Groot"]].shown and w2.figures[ids["Klas Groot"]].mean == 5.0
    # the optional question: the cells answer less often, so more cells hide
    kanaal = next(r for r in b.statements if r.id == "kanaal")
    assert grouped.report.statement("kanaal").figure.n == 32
    shown = [k for k, f in kanaal.figures.items() if f.shown]
    hidden_n = 32 - sum(kanaal.figures[k].n or 0 for k in shown)
    assert hidden_n == 0 or hidden_n >= 5
    welkom = next(r for r in b.themes if r.id == "welkom")
    assert not welkom.figures[ids["Klas Drie"]].shown


def test_hidden_cells_carry_no_numbers_in_json(scenario: Scenario) -> None:
    data = json.loads(scenario.report.to_json())
    for breakdown in data["breakdowns"].values():
        for row in breakdown["statements"] + breakdown["themes"]:
            for f in row["figures"].values():
                if not f["shown"]:
                    assert {k: v for k, v in f.items() if k != "shown"} == dict.fromkeys(
                        ("n", "counts", "mean", "dontknow_share", "positive_share")
                    )


# ---- every output format -------------------------------------------------------------------


def assert_clean(text: str, scenario: Scenario, where: str) -> None:
    for mean in FORBIDDEN_MEANS:
        assert mean not in text, f"{where}: hidden mean {mean} appears"
    for name in FORBIDDEN_NAMES[:1]:
        assert name not in text, f"{where}: small language named"
    for rid in scenario.builder.respondent_ids:
        assert rid not in text, f"{where}: a respondent id appears"
    for chat in scenario.builder.chat_ids:
        assert str(chat) not in text, f"{where}: a chat id appears"
    for token in scenario.tokens:
        assert token not in text, f"{where}: a start token appears"


def test_chat_texts(scenario: Scenario) -> None:
    texts = [summary_text(scenario.report)] + [detail_text(scenario.report, v) for v in VIEWS]
    for view, text in zip(("summary", *VIEWS), texts, strict=True):
        assert_clean(text, scenario, f"chat {view}")
        assert len(text) <= 4096
    groups = detail_text(scenario.report, "groups")
    if not scenario.with_groups:
        return
    assert "• Klas Drie: –" in groups and "• Klas Vier: –" in groups
    assert "niet apart getoond, samen: 7" in groups


def test_json(scenario: Scenario) -> None:
    raw = export(scenario.report, "json").decode("utf-8")
    assert_clean(raw, scenario, "json")
    assert '"bg"' not in raw
    for mean in (1.667, 2.0, 1.0, 2.5):  # the hidden means as JSON numbers
        assert f'"mean": {mean}' not in raw


def test_csv(scenario: Scenario) -> None:
    data = export(scenario.report, "csv")
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the accents right
    text = data.decode("utf-8-sig")
    assert_clean(text, scenario, "csv")
    assert (
        "Klas Drie;5;–;–;–" in text or not scenario.with_groups
    )  # expected is public, the counts are not


def test_xlsx(scenario: Scenario) -> None:
    book = load_workbook(io.BytesIO(export(scenario.report, "xlsx")))
    assert len(book.sheetnames) >= 8
    strings = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                if isinstance(cell.value, float) and cell.number_format == "0.0":
                    strings.append(formatted("nl", cell.value, "mean"))
                else:
                    strings.append(str(cell.value))
    assert_clean("\n".join(strings), scenario, "xlsx")


def test_pdf(scenario: Scenario) -> None:
    data = export(scenario.report, "pdf")
    assert data.startswith(b"%PDF")
    texts = []
    for block in pdf_blocks(scenario.report):
        texts.append(block.text)
        texts += [f"{badge} {text}" for badge, text in block.items]  # tiles, ranked lines
        if block.table is not None:
            texts += block.table.header
            texts += [
                formatted("nl", v, k)
                for row in block.table.rows
                for v, k in zip(row, block.table.kinds, strict=False)
            ]
    assert_clean("\n".join(texts), scenario, "pdf blocks")
    if shutil.which("pdftotext"):  # the rendered file itself, when poppler is installed
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
        ).stdout.decode("utf-8")
        assert_clean(text, scenario, "pdf")
        assert "Klas Drie" in text or not scenario.with_groups


def test_charts(scenario: Scenario) -> None:
    drawn = figures(scenario.report)
    assert {name for name, _ in drawn} >= {"deelname.png", "themas.png", "uitspraken.png"}
    for name, fig in drawn:
        words = [t.get_text() for t in fig.findobj(Text)]
        words += [label.get_text() for ax in fig.axes for label in ax.get_yticklabels()]
        assert_clean("\n".join(words), scenario, name)
    participation = dict(drawn)["deelname.png"]
    numbers = {t.get_text() for t in participation.findobj(Text)}
    assert "3" not in numbers and "4" not in numbers  # the class of 3 and of 4, the Bulgarians
    assert "10" in numbers  # the pool of the hidden languages
    assert "7" in numbers or not scenario.with_groups  # the pool of the hidden classes


def test_tables_mark_hidden_cells_the_same_way(grouped: Scenario) -> None:
    by_sheet = {tb.sheet: tb for tb in tables(grouped.report)}
    rows = by_sheet["Deelname"].rows
    drie = next(r for r in rows if r[1] == "Klas Drie")
    assert drie[3:] == ["–", "–", "–"]


async def test_stricter_minimum_hides_more(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "strict.db") as store:
        b = Builder(store)
        school = await b.school("School")
        rnd, groups = await b.round(school, groups={"A": 10, "B": 10})
        for i in range(14):
            await b.respond(
                rnd, scale_answers("4", "4", "4", "4", "4"), group=groups["A" if i < 8 else "B"]
            )
        rnd = await b.close(rnd)
        normal = await build_round_report(store, rnd.id, flows=FLOWS)
        strict = await build_round_report(store, rnd.id, ReportOptions(min_closed=8), flows=FLOWS)
    assert [c.shown for c in normal.participation.by_group.cells] == [True, True]
    assert [c.shown for c in strict.participation.by_group.cells] == [False, False]
    assert strict.thresholds.min_closed == 8
    assert normal.statement("w1").figure.n == 10  # blocks of the floor (5), not of 8
    assert strict.statement("w1").figure.n == 10
