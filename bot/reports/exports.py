"""Files of a report: XLSX (one sheet per view), CSV, PDF (charts, tables, tips) and JSON.

All three table formats render the same `tables.tables(report)`, built from the model only, so the
privacy rules hold in every file as they do in chat: a hidden figure is the mark "–", never a
number. CSV is UTF-8 with a BOM and semicolons, as Excel in Belgium and the Netherlands expects,
with decimal commas. Files carry no respondent ids, chat ids or names of parents.

Formula injection (OWASP "CSV injection"): a parent's open answer is text a team member opens in
Excel. Every text cell that starts with `= + - @`, a tab or a carriage return is neutralised: in
CSV it gets a leading apostrophe (`neutralised`); in XLSX every text cell is stored as a string
(`data_type` "s", never a formula) and such cells carry Excel's quote prefix as well. Numbers the
report itself formats ("-0,3", "+0,8") are left as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import matplotlib
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bot.i18n import N_, t
from bot.reports import labels
from bot.reports.charts import charts
from bot.reports.model import RoundReport
from bot.reports.tables import (
    CHOICES,
    FRAMEWORKS,
    GROUPS,
    LANGUAGES,
    OPEN,
    SIDES,
    STATEMENTS,
    THEMES,
    TIPS,
    TREND,
    Table,
    formatted,
    tables,
)
from bot.reports.text import report_title, summary_sections

FORMATS = ("csv", "xlsx", "pdf", "json")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as a formula
OUR_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?%?")  # a signed number the report formatted


def dangerous(text: str) -> bool:
    """Could a spreadsheet read this text cell as a formula?"""
    return text.startswith(FORMULA_STARTS) and not OUR_NUMBER.fullmatch(text)


def neutralised(text: str) -> str:
    """A text cell that no spreadsheet evaluates: a leading apostrophe where it could."""
    return "'" + text if dangerous(text) else text


def export(report: RoundReport, fmt: str) -> bytes:
    """The report as a file: "csv", "xlsx", "pdf" or "json"."""
    writers: dict[str, Callable[[RoundReport], bytes]] = {
        "csv": to_csv,
        "xlsx": to_xlsx,
        "pdf": to_pdf,
        "json": lambda r: r.to_json().encode("utf-8"),
    }
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return writers[fmt](report)


# ---- CSV -------------------------------------------------------------------------------------


def to_csv(report: RoundReport) -> bytes:
    """All tables one below the other, a blank line between: one file for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for table in tables(report):
        writer.writerow([neutralised(table.title)])
        writer.writerow([neutralised(h) for h in table.header])
        for row in table.rows:
            writer.writerow(
                [
                    neutralised(formatted(report.language, v, k))
                    for v, k in zip(row, table.kinds, strict=False)
                ]
            )
        if table.note:
            writer.writerow([neutralised(table.note)])
        writer.writerow([])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# ---- XLSX ------------------------------------------------------------------------------------

NUMBER_FORMATS = {"mean": "0.0", "pct": "0%", "diff": "+0.0;-0.0;0.0", "int": "0"}
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")


def to_xlsx(report: RoundReport) -> bytes:
    """One sheet per view, header frozen, numbers as numbers, ready to print for a meeting."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for table in tables(report):
        sheet = book.create_sheet(_sheet_name(table.sheet, book.sheetnames))
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([])
        sheet.append(table.header)
        for cell in sheet[3]:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table.rows:
            sheet.append(list(row))
            for cell, kind in zip(sheet[sheet.max_row], table.kinds, strict=False):
                if isinstance(cell.value, int | float) and kind in NUMBER_FORMATS:
                    cell.number_format = NUMBER_FORMATS[kind]
                if cell.value == labels.HIDDEN:
                    cell.alignment = Alignment(horizontal="right")
                if kind == "text":
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        if table.note:
            sheet.append([])
            sheet.append([table.note])
            sheet.cell(sheet.max_row, 1).font = Font(italic=True, color="555555")
        sheet.freeze_panes = "A4"
        for i, (head, kind) in enumerate(zip(table.header, table.kinds, strict=False), start=1):
            longest = max(
                [len(str(head))] + [len(str(r[i - 1] or "")) for r in table.rows if len(r) >= i]
            )
            limit = 60 if kind == "text" else 16
            sheet.column_dimensions[get_column_letter(i)].width = min(max(longest + 2, 9), limit)
        _text_cells(sheet)
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text_cells(sheet: Any) -> None:
    """Every text cell a string, never a formula; quote-prefixed where it looks like one."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                if dangerous(cell.value):
                    cell.quotePrefix = True


def _sheet_name(name: str, taken: Sequence[str]) -> str:
    clean = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31] or "Blad"
    candidate, n = clean, 2
    while candidate in taken:
        candidate = f"{clean[:28]} {n}"
        n += 1
    return candidate


# ---- PDF -------------------------------------------------------------------------------------

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"  # DejaVu ships with matplotlib
MIN_CHART_SCALE = 0.8  # a chart is shrunk at most this far to fit a page, else it moves on
HEADING_SIZES = {"h1": 18, "h2": 14, "h3": 11}
PDF_TITLE = N_("Ouderstem: rapport van de ronde")
PDF_INTRO = N_(
    "Een beeld van het moment, om als team over te praten: geen score en geen rangschikking. Cijfers verschijnen pas vanaf {minimum} antwoorden."
)


@dataclass
class Block:
    """One piece of the PDF, in order: a page break, a heading, a paragraph, a chart, a table."""

    kind: Literal["page", "gap", "h1", "h2", "h3", "p", "image", "table"]
    text: str = ""
    image: bytes = b""
    table: Table | None = None


def pdf_blocks(report: RoundReport) -> list[Block]:
    """What the PDF shows, as data (tests read it; `to_pdf` lays it out)."""
    lang = report.language
    images = dict(charts(report))
    by_sheet = {tb.sheet: tb for tb in tables(report, compact=True)}
    blocks = [
        Block("h1", t(lang, PDF_TITLE)),
        Block("p", report_title(report)),
        Block("p", t(lang, PDF_INTRO, minimum=report.thresholds.min_closed)),
    ]
    for _, heading, lines in summary_sections(report):
        blocks += [Block("h3", heading), Block("p", "\n".join(lines))]
    blocks += [
        Block("page"),
        Block("image", image=images["deelname.png"]),
    ]
    sections = [
        ("themas.png", THEMES),
        ("uitspraken.png", STATEMENTS),
        (None, CHOICES),
        ("ouders-team.png", SIDES),
        (None, LANGUAGES),
        (None, GROUPS),
        (None, FRAMEWORKS),
        ("trend.png", TREND),
        (None, OPEN),
        (None, TIPS),
    ]
    for image, sheet in sections:
        table = by_sheet.get(t(lang, sheet))
        if table is None and (image is None or image not in images):
            continue
        blocks += [Block("gap"), Block("h2", t(lang, sheet))]
        if image in images:
            blocks.append(Block("image", image=images[image or ""]))
        if table is not None:
            blocks.append(Block("table", table=table))
            if table.note:
                blocks.append(Block("p", table.note))
    return blocks


def to_pdf(report: RoundReport) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    lang = report.language
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(15, 15, 15)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(t(lang, PDF_TITLE))
    pdf.set_creator("Ouderstem")
    pdf.add_page()
    width = pdf.epw
    blocks = pdf_blocks(report)
    for i, block in enumerate(blocks):
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if block.kind in HEADING_SIZES and following is not None and following.kind == "image":
            _keep_with_image(pdf, following.image, width)  # no heading alone above a moved chart
        if block.kind == "page":
            if pdf.get_y() > pdf.t_margin + 1:
                pdf.add_page()
        elif block.kind == "gap":
            if pdf.get_y() > pdf.h - pdf.b_margin - 50:  # no heading alone at the foot of a page
                pdf.add_page()
            else:
                pdf.ln(6)
        elif block.kind in HEADING_SIZES:
            size = HEADING_SIZES[block.kind]
            pdf.set_font("DejaVu", "B", size)
            pdf.multi_cell(width, size * 0.5, _visual(block.text), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
        elif block.kind == "p":
            pdf.set_font("DejaVu", "", 10)
            pdf.multi_cell(
                width, 5.2, _visual(_no_emoji(block.text)), new_x="LMARGIN", new_y="NEXT"
            )
            pdf.ln(3)
        elif block.kind == "image":
            _image(pdf, block.image, width)
        elif block.kind == "table" and block.table is not None:
            _pdf_table(pdf, block.table, lang, FontFace)
    return bytes(pdf.output())


def _chart_height(png: bytes, width: float) -> float:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as img:
        return width * img.height / img.width


def _keep_with_image(pdf: object, png: bytes, width: float) -> None:
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    available = pdf.h - pdf.b_margin - pdf.get_y() - 12  # room for the heading itself
    if _chart_height(png, width) * MIN_CHART_SCALE > available and pdf.get_y() > pdf.t_margin + 1:
        pdf.add_page()


def _image(pdf: object, png: bytes, width: float) -> None:
    """A chart at full width, or scaled down to fit the rest of the page."""
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    ratio = _chart_height(png, 1.0)
    available = pdf.h - pdf.b_margin - pdf.get_y()
    w = width
    if w * ratio > available:
        at_top = pdf.get_y() <= pdf.t_margin + 20  # a heading at most above it
        if available / ratio < MIN_CHART_SCALE * width and not at_top:  # too small: a fresh page
            pdf.add_page()
            available = pdf.h - pdf.b_margin - pdf.get_y()
        w = min(width, available / ratio)
    x = pdf.l_margin + (width - w) / 2
    pdf.image(io.BytesIO(png), x=x, w=w)
    pdf.ln(3)


def _pdf_table(pdf: object, table: Table, language: str, font_face: type) -> None:
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    pdf.set_font("DejaVu", "", 8 if len(table.header) > 6 else 9)
    weights = [3.5 if k == "text" else 1.2 for k in table.kinds]
    headings = font_face(emphasis="BOLD", fill_color=(221, 230, 240))
    with pdf.table(
        col_widths=weights,
        headings_style=headings,
        line_height=4.6,
        text_align=tuple("LEFT" if k in ("text", "short") else "RIGHT" for k in table.kinds),
    ) as grid:
        head = grid.row()
        for text in table.header:
            head.cell(_visual(text))
        for row in table.rows:
            line = grid.row()
            for value, kind in zip(row, table.kinds, strict=False):
                line.cell(_visual(formatted(language, value, kind)))
    pdf.ln(3)


def _no_emoji(text: str) -> str:
    """DejaVu has no colour emoji: drop them from chat text reused in the PDF."""
    return "".join(
        ch for ch in text if ord(ch) < 0x1F000 and not 0x2600 <= ord(ch) <= 0x27BF
    ).replace("\ufe0f", "")


def _visual(text: str) -> str:
    """Right-to-left text (Arabic, Farsi, Pashto) shaped and ordered for a PDF without shaping."""
    if not any("\u0590" <= ch <= "\u08ff" or "\ufb1d" <= ch <= "\ufeff" for ch in text):
        return text
    import arabic_reshaper
    from bidi.algorithm import get_display

    return str(get_display(arabic_reshaper.reshape(text)))
