"""Every output of a report: chat texts within Telegram's limit, valid files, stable JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.limits import MAX_MESSAGE_CHARS
from bot.reports import (
    FORMATS,
    REPORT_FORMAT,
    VIEWS,
    ReportOptions,
    RoundReport,
    build_round_report,
    detail_text,
    export,
    summary_text,
)
from bot.reports.charts import charts
from bot.reports.tables import tables
from bot.store import SqliteStore
from tests.reports_fixtures import Builder, library, scale_answers

FLOWS = library()
README = Path(__file__).resolve().parent.parent / "bot" / "reports" / "README.md"


@pytest.fixture
async def report(tmp_path: Path) -> RoundReport:
    """A closed round of 30 parents, a team round and an earlier round: every view has data."""
    async with SqliteStore(tmp_path / "outputs.db") as store:
        b = Builder(store)
        school = await b.school("Basisschool Zonnebloem")
        earlier, _ = await b.round(school, expected=30)
        for _ in range(10):
            await b.respond(earlier, scale_answers("3", "3", "3", "3", "3"))
        await b.close(earlier)
        team, _ = await b.round(school, "test-team")
        for _ in range(5):
            await b.respond(
                team, {"w1": "5", "w2": "4", "i1": "4", "i2": "5", "s1": "3", "t1": "2"}
            )
        rnd, groups = await b.round(school, expected=32, groups={"3A": 16, "3B": 16})
        for i in range(30):
            faces = [str(1 + (i + k) % 5) for k in range(5)]
            await b.respond(
                rnd,
                scale_answers(
                    *faces,
                    opmerking=("Een lange opmerking over de school. " * 40) if i % 2 else None,
                ),
                language="nl" if i < 22 else "tr",
                group=groups["3A" if i % 3 else "3B"],
            )
        rnd = await b.close(rnd)
        return await build_round_report(store, rnd.id, flows=FLOWS)


def test_summary_and_views_fit_one_message(report: RoundReport) -> None:
    summary = summary_text(report)
    assert len(summary) <= MAX_MESSAGE_CHARS
    assert "Basisschool Zonnebloem" in summary and "30 van de 32 verwachte gezinnen" in summary
    for view in VIEWS:
        text = detail_text(report, view)
        assert 0 < len(text) <= MAX_MESSAGE_CHARS, view
    assert "ingekort" in detail_text(report, "open")  # 15 long answers do not fit one message
    assert "team" in detail_text(report, "team")
    with pytest.raises(ValueError):
        detail_text(report, "ranking")


def test_summary_frames_tips_as_reflection(report: RoundReport) -> None:
    summary = summary_text(report)
    assert "Om samen over na te denken" in summary
    for verdict in ("slecht", "onvoldoende", "score", "rang"):
        assert verdict not in summary.lower()


def test_json_is_stable_and_versioned(report: RoundReport) -> None:
    data = json.loads(export(report, "json"))
    assert data["report_format"] == REPORT_FORMAT == 1
    assert list(data) == [
        "report_format",
        "language",
        "viewer",
        "thresholds",
        "round",
        "participation",
        "statements",
        "themes",
        "highlights",
        "comparison",
        "breakdowns",
        "trend",
        "frameworks",
        "open_answers",
        "tips",
    ]
    assert export(report, "json") == export(report, "json")
    assert RoundReport.model_validate(data) == report  # round-trips
    documented = README.read_text(encoding="utf-8")
    for key in data:
        assert f"`{key}`" in documented, f"{key} is not documented in bot/reports/README.md"


def test_csv_opens_in_excel(report: RoundReport) -> None:
    data = export(report, "csv")
    assert data[:3] == b"\xef\xbb\xbf"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    for table in tables(report):  # each view: its title, then its header
        at = rows.index([table.title])
        assert rows[at + 1] == table.header
    assert any("," in cell for r in rows for cell in r[1:] if cell[:1].isdigit())  # 3,4


def test_xlsx_has_one_sheet_per_view(report: RoundReport) -> None:
    book = load_workbook(io.BytesIO(export(report, "xlsx")))
    assert book.sheetnames == [t.sheet for t in tables(report)]
    assert {
        "Samenvatting",
        "Deelname",
        "Thema's",
        "Uitspraken",
        "Ouders en team",
        "Per taal",
        "Per groep",
        "Kaders",
        "Trend",
        "Open antwoorden",
        "Tips",
    } <= set(book.sheetnames)
    themes = book["Thema's"]
    assert themes["A3"].value == "Thema" and themes.freeze_panes == "A4"
    assert isinstance(themes["B4"].value, int | float) and themes["B4"].number_format == "0.0"


def test_pdf_and_pngs(report: RoundReport) -> None:
    pdf = export(report, "pdf")
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    images = charts(report)
    assert [name for name, _ in images] == [
        "deelname.png",
        "themas.png",
        "uitspraken.png",
        "ouders-team.png",
        "trend.png",
    ]
    for _, png in images:
        with Image.open(io.BytesIO(png)) as img:
            assert img.format == "PNG" and img.width >= 1200  # sharp on a phone


def test_unknown_format(report: RoundReport) -> None:
    assert set(FORMATS) == {"csv", "xlsx", "pdf", "json"}
    with pytest.raises(ValueError):
        export(report, "docx")


async def test_an_empty_round_renders_everywhere(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "empty.db") as store:
        b = Builder(store)
        school = await b.school("Lege school")
        rnd, _ = await b.round(school, expected=25)
        for _ in range(3):
            await b.respond(rnd, scale_answers("2", "2", "2", "2", "2"))
        report = await build_round_report(store, rnd.id, ReportOptions(), flows=FLOWS)
    assert report.participation.counted == 0
    assert all(not s.figure.shown for s in report.statements)
    assert report.tips == [] and report.highlights.strengths == []
    assert "vanaf 5 ingevulde lijsten" in summary_text(report)
    for view in VIEWS:
        detail_text(report, view)
    for fmt in FORMATS:
        assert export(report, fmt)
    assert [name for name, _ in charts(report)] == ["deelname.png"]


async def test_an_open_questions_only_round(tmp_path: Path) -> None:
    from bot.flow_model import Flow

    dialogue = Flow.model_validate(
        {
            "id": "test-dialoog",
            "version": 1,
            "audience": "parents",
            "title": "Dialoog",
            "intro": "Intro.",
            "closing": "Dank.",
            "themes": [{"id": "partnerschap", "title": "Partnerschap"}],
            "questions": [
                {"id": "goed", "type": "open", "theme": "partnerschap", "text": "Wat gaat goed?"},
                {"id": "beter", "type": "open", "text": "Wat kan beter?", "optional": True},
            ],
        }
    )
    flows = {**FLOWS, dialogue.id: dialogue}
    async with SqliteStore(tmp_path / "dialoog.db") as store:
        b = Builder(store, flows=flows)
        school = await b.school("School")
        rnd, _ = await b.round(school, "test-dialoog")
        for i in range(10):
            await b.respond(
                rnd, {"goed": f"Het contact {i}", "beter": None if i % 2 else "Brieven"}
            )
        report = await build_round_report(store, rnd.id, flows=flows)
    assert report.statements == [] and report.themes == [] and report.tips == []
    goed, beter = report.open_answers
    assert goed.text_count == 10 and beter.text_count == 5
    for view in VIEWS:
        assert detail_text(report, view)
    assert "Brieven" in detail_text(report, "open")
    for fmt in FORMATS:
        assert export(report, fmt)
    assert summary_text(report)
