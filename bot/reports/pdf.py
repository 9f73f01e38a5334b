"""The printed report: an A4 PDF for a team meeting, from the report model only.

    pdf_blocks(report) -> [Block]   what the PDF shows, as data      (pdf_blocks.py)
    render(pdf, blocks, language)   the blocks laid out on pages     (pdf_draw.py)
    ReportDocument, fitted_table    fonts, footer, measured tables   (pdf_layout.py)
    to_pdf(report) -> bytes         all of it, here; render_pdf also gives what tests check

Split by concern, each under 600 lines: what to show changes with the report (a new view is a
block), how to place it changes with the design, the furniture with fpdf2.

A text a font cannot draw (a script none of `bot.fonts` covers) prints as empty boxes: the
renderer logs a warning naming the language and how many characters lack a glyph, never the
text itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.fonts import BIDI_CONTROLS, face_for
from bot.i18n import t
from bot.reports.model import RoundReport
from bot.reports.pdf_blocks import FOOTER, PAGE_LABEL, PDF_TITLE, Block, pdf_blocks
from bot.reports.pdf_draw import render, without_emoji
from bot.reports.pdf_layout import PT_MM, DrawnTable, ReportDocument

log = logging.getLogger(__name__)
FPDF_LOG = "fpdf.output"  # fpdf2 logs the missing characters themselves there: we name counts


def _not_a_glyph_list(record: logging.LogRecord) -> bool:
    """Drop fpdf2's "missing the following glyphs" (it quotes characters of the texts)."""
    return "missing the following glyphs" not in record.msg


@dataclass(frozen=True)
class RenderedPdf:
    """The PDF and what tests check in it: the tables drawn, the glyphs of the main font."""

    data: bytes
    tables: list[DrawnTable]
    glyph_names: frozenset[str]  # "uni069A.init": a Pashto letter in its joined form


def to_pdf(report: RoundReport) -> bytes:
    """The report as an A4 PDF (cover, meeting page, one page per view, page numbers)."""
    return render_pdf(report).data


def render_pdf(report: RoundReport) -> RenderedPdf:
    lang, r = report.language, report.round
    warn_missing_glyphs(report)
    pdf = ReportDocument(
        t(lang, FOOTER, school=r.school_name, round=r.id),
        t(lang, PAGE_LABEL, page="{page}", pages="{pages}"),
    )
    try:
        pdf.set_title(f"{t(lang, PDF_TITLE)}: {r.school_name}, {r.id}")
        pdf.add_page()
        render(pdf, pdf_blocks(report), lang)
        logging.getLogger(FPDF_LOG).addFilter(_not_a_glyph_list)
        try:
            data = bytes(pdf.output())
        finally:
            logging.getLogger(FPDF_LOG).removeFilter(_not_a_glyph_list)
        subset = getattr(pdf.fonts[pdf.family], "subset", None)
        glyphs = frozenset(
            str(getattr(g, "glyph_name", "")) for g, _ in (subset.items() if subset else ())
        )
        return RenderedPdf(data, list(pdf.drawn), glyphs)
    finally:
        pdf.close()


def missing_glyphs(report: RoundReport) -> dict[str, int]:
    """Per language, how many different characters of its texts no font of ours can draw:
    the open answers in their language, the rest (titles, statements) in the report's."""
    texts: list[tuple[str, str]] = [
        (report.language, report.round.school_name),
        (report.language, report.round.flow_title),
        *((report.language, s.text) for s in report.statements),
        *((report.language, th.title) for th in report.themes),
    ]
    for question in report.open_answers:
        texts += [(o.language or report.language, o.text) for o in question.texts]
        texts += [(report.language, o.language_label) for o in question.texts]
    lacking: dict[str, set[str]] = {}
    for language, text in texts:
        for char in set(BIDI_CONTROLS.sub("", without_emoji(text))):
            if char.isprintable() and face_for(char) is None:
                lacking.setdefault(language, set()).add(char)
    return {language: len(chars) for language, chars in sorted(lacking.items())}


def warn_missing_glyphs(report: RoundReport) -> None:
    """A warning per language whose texts the PDF cannot fully draw (no text, no chat id)."""
    for language, count in missing_glyphs(report).items():
        log.warning(
            "report PDF of round %s: no font has a glyph for %d character(s) of language %s",
            report.round.id,
            count,
            language,
        )


__all__ = [
    "PT_MM",
    "Block",
    "RenderedPdf",
    "missing_glyphs",
    "pdf_blocks",
    "render",
    "render_pdf",
    "to_pdf",
]
