"""The report PDF's page furniture and measured tables (fpdf2, A4 portrait, millimetres).

`ReportDocument` is an FPDF with our fonts, text shaping on (HarfBuzz joins Arabic, Persian and
Pashto and orders them right to left, in paragraphs and table cells alike), a running footer
with the page number, and a log of every table it drew (tests read it).

Column widths are measured, never guessed: each column is at least as wide as its header's
longest word and, for numbers, its widest value, so a header wraps only between words. The
remaining width goes to the columns that want it, in proportion to how much they want. When
even the minimums do not fit, the table's type gets smaller, step by step.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from bot.fonts import add_fonts, close_fonts

PAGE_MARGIN = 16.0  # mm, left, right and top
FOOT_MARGIN = 18.0  # mm kept free at the foot for the footer
CELL_PAD_X = 1.6  # mm of padding left and right in a table cell
CELL_PAD_Y = 1.0  # mm above and below
SAFETY = 0.4  # mm: a measured word never touches its cell's edge
TABLE_SIZES = (9.0, 8.5, 8.0, 7.5, 7.0, 6.5)  # points, tried in order until the columns fit
NUMBER_KINDS = {"int", "mean", "pct", "diff"}
TEXT_CAP = 0.45  # a body word longer than this share of the width may break (ids, links)
LINE = 1.35  # line height as a multiple of the type size

INK = (34, 34, 34)
MUTED = (95, 95, 95)
BRAND = (31, 78, 121)  # deep blue: headings, header cells, the cover band
BRAND_LIGHT = (222, 233, 244)
GOOD = (84, 39, 136)  # the palette's "ja" purple
ATTENTION = (179, 88, 6)  # the palette's "nee" orange
RULE = (200, 205, 212)
ZEBRA = (246, 248, 251)
PT_MM = 25.4 / 72
SHRINK_STEPS = 2  # a table may take type this many steps smaller to end on its page


@dataclass(frozen=True)
class DrawnTable:
    """What `fitted_table` drew: enough for a test to check that no header broke inside a word."""

    title: str
    header: tuple[str, ...]
    widths: tuple[float, ...]  # mm per column, padding included
    size: float  # type size in points
    header_word_widths: tuple[float, ...]  # the widest header word per column, bold, in mm
    page: int  # where the table starts

    def header_fits(self) -> bool:
        return all(
            word + 2 * CELL_PAD_X <= width + 1e-6
            for word, width in zip(self.header_word_widths, self.widths, strict=True)
        )


class ReportDocument(FPDF):
    """A4 portrait with our fonts, shaping, a footer line and page numbers."""

    def __init__(self, footer_text: str, page_label: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.page_label = page_label  # "pagina {page} van {pages}"
        self.family = add_fonts(self)
        self.set_text_shaping(True)
        self.set_margins(PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN)
        self.set_auto_page_break(auto=True, margin=FOOT_MARGIN)
        self.set_creator("Ouderstem")
        self.drawn: list[DrawnTable] = []

    def footer(self) -> None:
        if self.page_no() == 1:  # the cover carries its own design
            return
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        y = self.h - FOOT_MARGIN + 6
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.set_xy(self.l_margin, y + 1.5)
        self.font(7.5)
        self.set_text_color(*MUTED)
        number = self.page_label.format(page=self.page_no(), pages=self.alias_nb_pages_str)
        self.cell(self.epw * 0.75, 4, self.footer_text, align="L")
        self.cell(self.epw * 0.25, 4, number, align="R")
        self.set_text_color(*INK)

    @property
    def alias_nb_pages_str(self) -> str:
        return str(self.str_alias_nb_pages)

    def font(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)

    def width_of(self, text: str, size: float, bold: bool = False) -> float:
        self.font(size, bold)
        return float(self.get_string_width(text))

    def room(self) -> float:
        """Millimetres left above the footer on this page."""
        return float(self.h - self.b_margin - self.get_y())

    def at_top(self) -> bool:
        return bool(self.get_y() <= self.t_margin + 1)

    def close(self) -> None:
        close_fonts(self)


# ---- measured columns --------------------------------------------------------------------------


@dataclass
class ColumnPlan:
    widths: list[float]
    size: float
    header_words: list[float] = field(default_factory=list)


def _widest(pdf: ReportDocument, texts: Sequence[str], bold: bool) -> float:
    """The widest text at 1 pt (widths grow in proportion to the type size)."""
    return max((pdf.width_of(x, 1.0, bold) for x in set(texts) if x), default=0.0)


def _words(text: str) -> list[str]:
    return [w for line in text.split("\n") for w in line.split()]


@dataclass(frozen=True)
class _Column:
    """One column's measures at 1 pt: its header's widest word and line, its cells'."""

    head_word: float
    head_line: float
    body_word: float
    body_line: float
    number: bool


def _measure(pdf: ReportDocument, head: str, cells: Sequence[str], kind: str) -> _Column:
    lines = [line for c in cells for line in c.split("\n")]
    return _Column(
        head_word=_widest(pdf, _words(head), True),
        head_line=_widest(pdf, head.split("\n"), True),
        body_word=_widest(pdf, [w for c in cells for w in _words(c)], False),
        body_line=_widest(pdf, lines, False),
        number=kind in NUMBER_KINDS or kind == "short",
    )


def plan_columns(
    pdf: ReportDocument,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    kinds: Sequence[str],
    width: float,
    smaller: int = 0,
) -> ColumnPlan:
    """Column widths (mm) and type size so every header word fits whole in its column."""
    pad = 2 * CELL_PAD_X + SAFETY
    columns = [
        _measure(pdf, head, [r[i] for r in rows if i < len(r)], kind)
        for i, (head, kind) in enumerate(zip(header, kinds, strict=True))
    ]
    plan = ColumnPlan([], TABLE_SIZES[-1])
    for size in TABLE_SIZES[smaller:]:
        minimum, wanted = [], []
        for c in columns:
            if c.number:  # numbers and short codes never wrap
                least = max(c.head_word, c.body_line) * size
                most = max(c.head_line, c.body_line) * size
            else:
                least = max(c.head_word * size, min(c.body_word * size, TEXT_CAP * width))
                most = max(c.head_line, c.body_line) * size
            minimum.append(least + pad)
            wanted.append(max(most, least) + pad)
        words = [c.head_word * size for c in columns]
        plan = ColumnPlan(_share(minimum, wanted, kinds, width), size, words)
        if sum(minimum) <= width + 1e-6:
            return plan
    return plan  # the smallest type; the test on `DrawnTable.header_fits` reports it


def _share(
    minimum: list[float], wanted: list[float], kinds: Sequence[str], width: float
) -> list[float]:
    """Minimums first; then the text columns get what they want (a theme or statement on one
    line reads better than a number's header on one line), then the number columns; what is
    still left widens the text columns."""
    total_min = sum(minimum)
    if total_min >= width:
        return [w * width / total_min for w in minimum]
    widths = list(minimum)
    spare = width - total_min
    numbers = [i for i, k in enumerate(kinds) if k in NUMBER_KINDS or k == "short"]
    texts = [i for i in range(len(widths)) if i not in numbers]
    for group in (texts, numbers):
        want = {i: max(wanted[i] - widths[i], 0.0) for i in group}
        total = sum(want.values())
        if total <= 0 or spare <= 0:
            continue
        give = min(spare, total)
        for i in group:
            widths[i] += give * want[i] / total
        spare -= give
    receivers = texts or list(range(len(widths)))
    base = sum(widths[i] for i in receivers)
    for i in receivers:
        widths[i] += spare * widths[i] / base
    return widths


def fitted_table(
    pdf: ReportDocument,
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    kinds: Sequence[str],
    *,
    bold_rows: Sequence[bool] = (),
    smaller: int = 0,
) -> DrawnTable:
    """A table across the text width: measured columns, the header repeated on a new page."""
    width = pdf.epw
    plan = plan_columns(pdf, header, rows, kinds, width, smaller)
    pdf.font(plan.size)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.15)
    pdf.set_text_color(*INK)
    pdf.set_fill_color(*ZEBRA)
    headings = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=BRAND)
    align = tuple("RIGHT" if k in NUMBER_KINDS else "LEFT" for k in kinds)
    drawn = DrawnTable(
        title,
        tuple(header),
        tuple(plan.widths),
        plan.size,
        tuple(plan.header_words),
        pdf.page_no(),
    )
    with pdf.table(
        width=width,
        col_widths=tuple(plan.widths),
        headings_style=headings,
        line_height=plan.size * PT_MM * LINE,
        text_align=align,
        v_align="TOP",
        padding=(CELL_PAD_Y, CELL_PAD_X),
        borders_layout="HORIZONTAL_LINES",
        cell_fill_color=ZEBRA,
        cell_fill_mode="ROWS",
        align="LEFT",
    ) as grid:
        head = grid.row()
        for text in header:
            head.cell(text)
        for i, row in enumerate(rows):
            strong = i < len(bold_rows) and bold_rows[i]
            style = FontFace(emphasis="BOLD") if strong else None
            line = grid.row(style=style)
            for value, kind in zip(row, kinds, strict=False):
                rtl = kind not in NUMBER_KINDS and right_to_left(value)
                line.cell(value, align="RIGHT" if rtl else None)
    pdf.drawn.append(drawn)
    pdf.ln(2.5)
    return drawn


def right_to_left(text: str) -> bool:
    """Does the text's first strong character run right to left (Arabic, Persian, Pashto)?"""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def dry_run_height(pdf: ReportDocument, draw: Any) -> float | None:
    """How far down `draw(pdf)` would reach on this page, or None when it would not fit there
    (fpdf2's offset rendering: drawn, measured, then rewound)."""
    start = pdf.get_y()
    with pdf.offset_rendering() as trial:
        draw(trial)
        end = pdf.get_y()
    return None if trial.page_break_triggered else end - start
