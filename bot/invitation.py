"""The QR code of a round's link and the printable invitation: an A4 page as PDF and as PNG.

    qr_png(url) -> PNG bytes                       the link as a QR code (segno)
    invitation_pdf([Invitation, ...]) -> bytes     A4, one page per link (a class, a grade, ...)
    invitation_png(Invitation) -> bytes            the same page as an image (150 dpi)
    choose_languages(counts) -> [language]         the school's most common languages we can print

A page: the school, the group, "Your opinion counts!" and a short text in Dutch, the QR code with
the link under it, then the same short text in the school's most common languages (only those
with a translation in the catalogs, and only scripts the fonts can draw), each with the closing
date in that language's own format (`bot.i18n.format_date`).

One layout (in millimetres) drives both outputs through a small canvas interface, so the PDF
and the PNG look the same. Arabic, Persian and Pashto lines are shaped by HarfBuzz: fpdf2's text
shaping (package `uharfbuzz`) for the PDF, Pillow's raqm layout for the PNG; both also order the
line right to left (Unicode bidi). Where an engine is missing, arabic-reshaper and python-bidi do
it instead: right for Arabic and Persian, but Pashto letters without Unicode presentation forms
(ښ ځ ټ ډ ...) then stay unjoined. Fonts: DejaVu Sans (shipped with matplotlib: Latin, Cyrillic,
Arabic script with its OpenType shaping) and, when installed, Noto Sans Ethiopic for Tigrinya
(Debian package `fonts-noto-core`).
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import segno

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
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


# ---- fonts -----------------------------------------------------------------------------------


def _font_dirs() -> list[Path]:
    dirs = []
    try:
        import matplotlib

        dirs.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf")
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        pass
    dirs += [
        Path("/usr/share/fonts/truetype"),
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
    ]
    return dirs


@cache
def find_font(file_name: str) -> Path | None:
    """A TrueType font file by name, from matplotlib's fonts or the system's."""
    for folder in _font_dirs():
        if (folder / file_name).is_file():
            return folder / file_name
        if folder.is_dir():
            for found in sorted(folder.rglob(file_name)):
                return found
    return None


@dataclass(frozen=True)
class FontFace:
    key: str
    regular: Path
    bold: Path


@cache
def font_faces() -> tuple[FontFace, ...]:
    """The fonts we draw with, main one first; each later one fills glyphs the others lack."""
    faces = []
    for key, regular, bold in (
        ("dejavu", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
        ("ethiopic", "NotoSansEthiopic-Regular.ttf", "NotoSansEthiopic-Bold.ttf"),
    ):
        r, b = find_font(regular), find_font(bold)
        if r is not None:
            faces.append(FontFace(key, r, b or r))
    if not faces:
        raise RuntimeError("no DejaVu Sans font found (it ships with matplotlib)")
    return tuple(faces)


@cache
def _cmap(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def face_for(char: str) -> FontFace | None:
    """The first font that has a glyph for this character."""
    if char.isspace():
        return font_faces()[0]
    for face in font_faces():
        if ord(char) in _cmap(face.regular):
            return face
    return None


def printable(text: str) -> bool:
    """Every character can be drawn by one of our fonts."""
    return all(face_for(c) is not None for c in BIDI_CONTROLS.sub("", text))


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
        return [
            Block(
                SOURCE_LANGUAGE,
                staff_texts.say(staff_texts.INVITATION_TITLE_TEAM),
                staff_texts.say(
                    staff_texts.INVITATION_TEXT_TEAM,
                    date=format_date(SOURCE_LANGUAGE, invitation.closes),
                ),
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


def visual(text: str, language: str) -> str:
    """A line as drawn left to right without a shaping engine: reshaped and reordered (RTL)."""
    if language in RTL_LANGUAGES:
        import arabic_reshaper
        from bidi import get_display

        text = get_display(arabic_reshaper.reshape(text), base_dir="R")
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
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


# ---- PDF (fpdf2) -----------------------------------------------------------------------------


def harfbuzz_available() -> bool:
    """fpdf2 shapes text with HarfBuzz when the `uharfbuzz` package is installed."""
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        return False
    return True


class PdfCanvas:
    def __init__(self) -> None:
        from fpdf import FPDF

        self.pdf = FPDF(orientation="P", unit="mm", format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(0, 0, 0)
        self.pdf.set_title("Ouderstem")
        self.pdf.set_creator("Ouderstem")
        faces = font_faces()
        for face in faces:
            self.pdf.add_font(face.key, "", str(face.regular))
            self.pdf.add_font(face.key, "B", str(face.bold))
        self.main = faces[0].key
        self.pdf.set_fallback_fonts([face.key for face in faces[1:]])
        self.shaping = harfbuzz_available()

    def _prepare(self, text: str, language: str, size: float, bold: bool) -> str:
        """Set font and shaping for this line; the text as fpdf2 should get it."""
        self.pdf.set_font(self.main, "B" if bold else "", size)
        if self.shaping and language in RTL_LANGUAGES:
            self.pdf.set_text_shaping(
                use_shaping_engine=True, direction="rtl", script="arab", language=language
            )
            return text
        self.pdf.set_text_shaping(False)
        return visual(text, language)

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
        """fpdf2 keeps each font file open (fontTools, lazy): close them."""
        for font in self.pdf.fonts.values():
            closer = getattr(font, "close", None)
            if closer is not None:
                closer()


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


# ---- PNG (Pillow) ----------------------------------------------------------------------------


@dataclass
class PngCanvas:
    dpi: int = PNG_DPI
    _fonts: dict[tuple[str, bool, int, bool], Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from PIL import Image, ImageDraw, features

        self.scale = self.dpi / 25.4  # px per mm
        self.image_ = Image.new(
            "RGB", (round(PAGE_W * self.scale), round(PAGE_H * self.scale)), "white"
        )
        self.draw = ImageDraw.Draw(self.image_)
        self.shaping = bool(features.check("raqm"))  # HarfBuzz + FriBiDi through libraqm

    def _font(self, face: FontFace, bold: bool, size: float, shaped: bool) -> Any:
        from PIL import ImageFont

        px = round(size * PT * self.scale)
        key = (face.key, bold, px, shaped)
        if key not in self._fonts:
            engine = ImageFont.Layout.RAQM if shaped else ImageFont.Layout.BASIC
            path = face.bold if bold else face.regular
            self._fonts[key] = ImageFont.truetype(str(path), px, layout_engine=engine)
        return self._fonts[key]

    def _runs(self, text: str, language: str) -> list[tuple[FontFace, str, bool]]:
        """Pieces that one font draws, and whether raqm shapes the piece right to left.

        A right-to-left line is one piece for raqm (DejaVu has Latin and Arabic script); other
        lines switch font where a glyph is missing (Ethiopic beside Latin digits, ...).
        """
        if language in RTL_LANGUAGES and self.shaping:
            return [(font_faces()[0], text, True)]
        runs: list[tuple[FontFace, str, bool]] = []
        for char in visual(text, language):
            if char.isspace():
                face = runs[-1][0] if runs else font_faces()[0]
            else:
                face = face_for(char) or font_faces()[0]
            if runs and runs[-1][0] == face:
                runs[-1] = (face, runs[-1][1] + char, False)
            else:
                runs.append((face, char, False))
        return runs

    def width(self, text: str, language: str, size: float, bold: bool) -> float:
        total = 0.0
        for face, piece, rtl in self._runs(text, language):
            font = self._font(face, bold, size, rtl)
            total += font.getlength(
                piece, direction="rtl" if rtl else None, language=language if rtl else None
            )
        return total / self.scale

    def text(self, x: float, y: float, text: str, language: str, size: float, bold: bool) -> None:
        left = x * self.scale
        for face, piece, rtl in self._runs(text, language):
            font = self._font(face, bold, size, rtl)
            direction, lang = ("rtl", language) if rtl else (None, None)
            self.draw.text(
                (left, y * self.scale),
                piece,
                font=font,
                fill=(20, 20, 20),
                direction=direction,
                language=lang,
            )
            left += font.getlength(piece, direction=direction, language=lang)

    def image(self, png: bytes, x: float, y: float, w: float) -> None:
        from PIL import Image

        side = round(w * self.scale)
        qr = (
            Image.open(io.BytesIO(png))
            .convert("RGB")
            .resize((side, side), Image.Resampling.NEAREST)
        )
        self.image_.paste(qr, (round(x * self.scale), round(y * self.scale)))

    def rule(self, x1: float, x2: float, y: float) -> None:
        s = self.scale
        self.draw.line([(x1 * s, y * s), (x2 * s, y * s)], fill=(170, 170, 170), width=2)

    def png(self) -> bytes:
        out = io.BytesIO()
        self.image_.save(out, format="PNG", optimize=True, dpi=(self.dpi, self.dpi))
        return out.getvalue()


def invitation_png(invitation: Invitation, dpi: int = PNG_DPI) -> bytes:
    """The invitation page as an A4 image."""
    canvas = PngCanvas(dpi=dpi)
    lay_out(canvas, invitation)
    return canvas.png()
