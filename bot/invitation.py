"""The QR code of a round's link and the printable invitation: an A4 page as PDF and as PNG.

    qr_png(url) -> PNG bytes                       the link as a QR code (segno)
    invitation_pdf([Invitation, ...]) -> bytes     A4, one page per link (a class, a grade, ...)
    invitation_png(Invitation) -> bytes            the same page as an image (150 dpi)
    choose_languages(counts) -> [language]         the school's most common languages we can print

A page: the school, the group, "Your opinion counts!" and a short text in Dutch, the QR code with
the link under it, then the same short text in the school's most common languages (only those
with a translation in the catalogs, and only scripts the fonts can draw), each with the closing
date in that language's own format (`bot.i18n.format_date`).

One layout (in millimetres), drawn once with fpdf2: the PNG is that PDF page rendered by PDFium
(`pypdfium2`), so both wrap every language the same way. Arabic, Persian and Pashto lines are
shaped and ordered right to left by HarfBuzz inside fpdf2 (`set_text_shaping`, package
`uharfbuzz`); Pashto letters without Unicode presentation forms (ښ ځ ټ ډ ...) join only that way.
Fonts: `bot.fonts` (DejaVu Sans, and Noto Sans Ethiopic for Tigrinya when installed).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from bot.fonts import (
    BIDI_CONTROLS,
    FontFace,
    add_fonts,
    close_fonts,
    face_for,
    find_font,
    font_faces,
    harfbuzz_available,
    printable,
)
from bot.i18n import LANGUAGES, RTL_LANGUAGES, SOURCE_LANGUAGE, format_date, gettext, t
from bot.staff import common_languages
from bot.texts import school as school_texts
from bot.texts import staff as staff_texts

log = logging.getLogger(__name__)

MAX_LANGUAGES = 4  # besides Dutch: what fits on one A4 page, readable
PAGE_W, PAGE_H = 210.0, 297.0  # A4 in mm
MARGIN = 16.0
QR_MM = 66.0
PNG_DPI = 150
PT = 25.4 / 72  # one typographic point in mm


# ---- what goes on the page -------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    """One page: a link of a round (the whole school, or one group)."""

    school: str
    url: str
    closes: date
    audience: str = "parents"  # parents | pupils | team
    group: str | None = None
    languages: tuple[str, ...] = ()  # besides Dutch, in order
    flow_id: str | None = None  # the team's dialogue has its own words (INVITATIONS_TEAM)


@dataclass(frozen=True)
class Block:
    language: str
    title: str
    body: str

    @property
    def rtl(self) -> bool:
        return self.language in RTL_LANGUAGES


def _texts(audience: str) -> tuple[str, str]:
    if audience == "pupils":
        return school_texts.INVITATION_TITLE_PUPILS, school_texts.INVITATION_TEXT_PUPILS
    return school_texts.INVITATION_TITLE, school_texts.INVITATION_TEXT


def translated(language: str, audience: str = "parents") -> bool:
    """The invitation's words exist in this language (not just the Dutch fallback)."""
    if language == SOURCE_LANGUAGE:
        return True
    return all(gettext(language, text) != text for text in _texts(audience))


def blocks(invitation: Invitation) -> list[Block]:
    """The invitation's text: Dutch first, then each other language that can be printed."""
    if invitation.audience == "team":
        title, body = staff_texts.INVITATIONS_TEAM.get(
            invitation.flow_id or "",
            (staff_texts.INVITATION_TITLE_TEAM, staff_texts.INVITATION_TEXT_TEAM),
        )
        return [
            Block(
                SOURCE_LANGUAGE,
                staff_texts.say(title),
                staff_texts.say(body, date=format_date(SOURCE_LANGUAGE, invitation.closes)),
            )
        ]
    title, body = _texts(invitation.audience)
    found = []
    for language in (SOURCE_LANGUAGE, *invitation.languages):
        if language != SOURCE_LANGUAGE and not translated(language, invitation.audience):
            continue
        block = Block(
            language,
            t(language, title),
            t(
                language,
                body,
                school=invitation.school,
                date=format_date(language, invitation.closes),
            ),
        )
        if printable(block.title + block.body):
            found.append(block)
        else:
            log.warning("no font can draw the invitation in %s; left out", language)
    return found


def choose_languages(counts: Mapping[str, int], audience: str = "parents") -> tuple[str, ...]:
    """The school's most common languages (by earlier respondents, else the city's), printable."""
    ranked = common_languages(counts, LANGUAGES, len(LANGUAGES))
    usable = [lang for lang in ranked if translated(lang, audience)]
    return tuple(usable[:MAX_LANGUAGES])


def plain(text: str) -> str:
    """A line as handed to the PDF: without bidi controls (fpdf2 orders the line itself)."""
    return BIDI_CONTROLS.sub("", text)


# ---- the layout, on any canvas ---------------------------------------------------------------


class Canvas(Protocol):
    """Where the layout draws; units are millimetres, font sizes points. Text comes in logical
    order with its language: the canvas shapes and orders it (right to left for RTL)."""

    def width(self, text: str, language: str, size: float, bold: bool) -> float: ...
    def text(
        self, x: float, y: float, text: str, language: str, size: float, bold: bool
    ) -> None: ...
    def image(self, png: bytes, x: float, y: float, w: float) -> None: ...
    def rule(self, x1: float, x2: float, y: float) -> None: ...


def wrap(
    canvas: Canvas, text: str, language: str, size: float, bold: bool, width: float
) -> list[str]:
    """Logical lines that each fit `width` once drawn."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            trial = f"{current} {word}".strip()
            if current and canvas.width(trial, language, size, bold) > width:
                lines.append(current)
                current = word
            else:
                current = trial
        lines.append(current)
    return lines


@dataclass
class Cursor:
    canvas: Canvas
    y: float = MARGIN

    def lines(
        self,
        text: str,
        language: str,
        size: float,
        *,
        bold: bool = False,
        x: float = MARGIN,
        width: float = PAGE_W - 2 * MARGIN,
        align: str = "C",
        leading: float = 1.3,
    ) -> None:
        for line in wrap(self.canvas, text, language, size, bold, width):
            w = self.canvas.width(line, language, size, bold)
            left = {"L": x, "R": x + width - w}.get(align, x + (width - w) / 2)
            self.canvas.text(left, self.y, line, language, size, bold)
            self.y += size * PT * leading


def lay_out(canvas: Canvas, invitation: Invitation) -> None:
    """Draw one invitation page."""
    found = blocks(invitation)
    dutch, others = found[0], found[1:]
    cursor = Cursor(canvas)
    cursor.lines(invitation.school, SOURCE_LANGUAGE, 20, bold=True)
    if invitation.group:
        cursor.y += 1
        cursor.lines(
            staff_texts.say(staff_texts.INVITATION_GROUP, group=invitation.group),
            SOURCE_LANGUAGE,
            14,
        )
    cursor.y += 5
    cursor.lines(dutch.title, SOURCE_LANGUAGE, 26, bold=True)
    cursor.y += 2
    cursor.lines(dutch.body, SOURCE_LANGUAGE, 13, x=MARGIN + 8, width=PAGE_W - 2 * MARGIN - 16)
    cursor.y += 4
    canvas.image(qr_png(invitation.url, scale=12), (PAGE_W - QR_MM) / 2, cursor.y, QR_MM)
    cursor.y += QR_MM + 1
    cursor.lines(invitation.url, SOURCE_LANGUAGE, 9)
    if not others:
        return
    cursor.y += 4
    canvas.rule(MARGIN, PAGE_W - MARGIN, cursor.y)
    cursor.y += 5
    column = (PAGE_W - 2 * MARGIN - 8) / 2
    for row_start in range(0, len(others), 2):
        top, bottom = cursor.y, cursor.y
        for index, block in enumerate(others[row_start : row_start + 2]):
            cursor.y = top
            x = MARGIN + index * (column + 8)
            align = "R" if block.rtl else "L"
            cursor.lines(block.title, block.language, 12, bold=True, x=x, width=column, align=align)
            cursor.y += 1
            cursor.lines(block.body, block.language, 9.5, x=x, width=column, align=align)
            bottom = max(bottom, cursor.y)
        cursor.y = bottom + 5


# ---- the QR code -----------------------------------------------------------------------------


def qr_png(url: str, scale: int = 10) -> bytes:
    """The link as a QR code PNG (error correction M, the standard quiet zone)."""
    out = io.BytesIO()
    import segno  # only when a QR code is drawn: not loaded by a bot that only polls (bench P5)

    segno.make(url, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


# ---- PDF (fpdf2), and the PNG rendered from it -----------------------------------------------


class PdfCanvas:
    def __init__(self) -> None:
        from fpdf import FPDF

        self.pdf = FPDF(orientation="P", unit="mm", format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(0, 0, 0)
        self.pdf.set_title("Ouderstem")
        self.pdf.set_creator("Ouderstem")
        self.main = add_fonts(self.pdf)
        self.shaping = harfbuzz_available()

    def _prepare(self, text: str, language: str, size: float, bold: bool) -> str:
        """Set font and shaping for this line; the text as fpdf2 should get it."""
        self.pdf.set_font(self.main, "B" if bold else "", size)
        if not self.shaping:  # no HarfBuzz: letters drawn one by one, unjoined
            self.pdf.set_text_shaping(False)
        elif language in RTL_LANGUAGES:
            self.pdf.set_text_shaping(
                use_shaping_engine=True, direction="rtl", script="arab", language=language
            )
        else:
            self.pdf.set_text_shaping(use_shaping_engine=True)
        return plain(text)

    def width(self, text: str, language: str, size: float, bold: bool) -> float:
        return float(self.pdf.get_string_width(self._prepare(text, language, size, bold)))

    def text(self, x: float, y: float, text: str, language: str, size: float, bold: bool) -> None:
        from fpdf.enums import XPos, YPos

        width = self.width(text, language, size, bold)
        line = self._prepare(text, language, size, bold)
        self.pdf.set_xy(x, y)
        self.pdf.cell(width + 1, size * PT * 1.2, line, new_x=XPos.RIGHT, new_y=YPos.TOP)

    def image(self, png: bytes, x: float, y: float, w: float) -> None:
        self.pdf.image(io.BytesIO(png), x=x, y=y, w=w, h=w)

    def rule(self, x1: float, x2: float, y: float) -> None:
        self.pdf.set_draw_color(170, 170, 170)
        self.pdf.line(x1, y, x2, y)

    def close(self) -> None:
        close_fonts(self.pdf)


def invitation_pdf(invitations: Sequence[Invitation]) -> bytes:
    """One A4 page per invitation, in one PDF."""
    canvas = PdfCanvas()
    try:
        for invitation in invitations:
            canvas.pdf.add_page()
            lay_out(canvas, invitation)
        return bytes(canvas.pdf.output())
    finally:
        canvas.close()


def pdf_page_png(pdf: bytes, page: int = 0, dpi: int = PNG_DPI) -> bytes:
    """One page of a PDF as a PNG image, rendered by PDFium (pypdfium2)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        bitmap = document[page].render(scale=dpi / 72)
        image = bitmap.to_pil().convert("RGB")
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True, dpi=(dpi, dpi))
    return out.getvalue()


def invitation_png(invitation: Invitation, dpi: int = PNG_DPI) -> bytes:
    """The invitation page as an A4 image: the PDF's own page, rendered (one layout)."""
    return pdf_page_png(invitation_pdf([invitation]), 0, dpi)


__all__ = [
    "MARGIN",
    "PAGE_H",
    "PAGE_W",
    "Block",
    "Canvas",
    "FontFace",
    "Invitation",
    "PdfCanvas",
    "blocks",
    "choose_languages",
    "face_for",
    "find_font",
    "font_faces",
    "invitation_pdf",
    "invitation_png",
    "lay_out",
    "pdf_page_png",
    "plain",
    "printable",
    "qr_png",
]
