"""A PDF font without a glyph for a language: the report still prints, and the log says which
language lacks how many characters, never the text (logs hold no answer texts, no chat ids)."""

from __future__ import annotations

import logging

import pytest

from bot.reports import RoundReport
from bot.reports.model import OpenText
from bot.reports.pdf import missing_glyphs, render_pdf
from tests.test_reports_pdf import report  # noqa: F401  (the module's seeded round)

YI = "ꆈꌠꉙ ꀋꉆ"  # Nuosu (Yi): in none of our fonts (DejaVu Sans, Noto Sans Ethiopic)


def _with_answer(report: RoundReport, text: str, language: str) -> RoundReport:  # noqa: F811
    questions = [q for q in report.open_answers if q.shown]
    assert questions, "the seeded round shows its open answers"
    first = questions[0]
    extra = OpenText(text=text, language=language, language_label="Nuosu")
    changed = first.model_copy(update={"texts": [*first.texts, extra]})
    answers = [changed if q is first else q for q in report.open_answers]
    return report.model_copy(update={"open_answers": answers})


def test_a_language_our_fonts_cannot_draw_is_logged_by_name_and_count_only(
    report: RoundReport,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    changed = _with_answer(report, YI, "ii")
    assert missing_glyphs(changed) == {"ii": len(set(YI) - {" "})}
    with caplog.at_level(logging.WARNING):
        rendered = render_pdf(changed)
    assert rendered.data.startswith(b"%PDF")
    ours = [r for r in caplog.records if r.name == "bot.reports.pdf"]
    assert len(ours) == 1
    message = ours[0].getMessage()
    assert "language ii" in message and f"{len(set(YI) - {' '})} character" in message
    for record in caplog.records:  # not ours, not fpdf2's: no character of the answer
        assert not set(record.getMessage()) & (set(YI) - {" "}), record.getMessage()


def test_a_report_our_fonts_draw_whole_logs_nothing(
    report: RoundReport,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert missing_glyphs(report) == {}  # Dutch, Turkish and Pashto: DejaVu draws them all
    with caplog.at_level(logging.WARNING):
        render_pdf(report)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
