"""Measured table columns: a theme or statement keeps its line before a number's header does."""

from __future__ import annotations

from bot.reports.pdf_layout import CELL_PAD_X, ReportDocument, plan_columns

HEADER = ["Thema", "Gemiddelde", "Eerder ja of ja", "Weet niet", "Uitspraken getoond"]
KINDS = ["text", "mean", "pct", "pct", "int"]
ROWS = [
    ["Informatie in twee richtingen", "3,4", "54%", "15%", "4"],
    ["Welkom en relatie", "3,4", "57%", "12%", "4"],
]


def test_the_theme_column_gets_its_line_before_number_headers_get_theirs() -> None:
    pdf = ReportDocument("voet", "pagina {page} van {pages}")
    try:
        width = 135.0  # too narrow for every header and every theme on one line
        plan = plan_columns(pdf, HEADER, ROWS, KINDS, width)
        theme = pdf.width_of(ROWS[0][0], plan.size)
        assert plan.widths[0] >= theme + 2 * CELL_PAD_X  # "Informatie in twee richtingen"
        assert abs(sum(plan.widths) - width) < 1e-6
        for head, column, word in zip(HEADER, plan.widths, plan.header_words, strict=True):
            assert word + 2 * CELL_PAD_X <= column + 1e-6, head  # headers break between words
        wide_headers = sum(pdf.width_of(h, plan.size, bold=True) for h in HEADER[1:])
        assert sum(plan.widths[1:]) < wide_headers + 4 * 2 * CELL_PAD_X  # some header wraps
    finally:
        pdf.close()
