"""The printed report's blocks (`bot.reports.pdf_blocks`) laid out on A4 pages with fpdf2.

A view starts a new page unless it fits whole under the previous one or that page is still more
than half empty, so no heading stands alone and no page is left nearly empty. A chart shrinks
(down to `CHART_MIN_SCALE`) when that keeps its table on its page; a table takes type a step or
two smaller for the same reason. The page furniture (fonts, footer, measured table columns) is
`bot.reports.pdf_layout`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import cast

from bot.reports.pdf_blocks import Block
from bot.reports.pdf_layout import (
    ATTENTION,
    BRAND,
    BRAND_LIGHT,
    GOOD,
    INK,
    MUTED,
    SHRINK_STEPS,
    ReportDocument,
    dry_run_height,
    fitted_table,
)
from bot.reports.tables import Table, formatted

CHART_MIN_TABLE_ROOM = 45.0  # mm kept under a chart for its table, in a trial run
CHART_MIN_HEIGHT = 50.0  # mm: a chart is never drawn smaller than this (or its own size)
CHART_MIN_SCALE = 0.6  # a chart shrinks at most this far to keep its table on its page
SHRINK_MAX_ROWS = 40  # a longer table runs on to the next page at its own size
HALF_EMPTY = 0.55  # a page emptier than this takes the next view's start, even if it runs on
VIEW_MIN_ROOM = 40.0  # mm: with less left on a page, a view starts the next one untried


def render(pdf: ReportDocument, blocks: list[Block], language: str) -> None:
    """Lay the blocks out; a view starts a new page unless it fits whole under the last one,
    or the page is still more than half empty (then it starts here and runs on)."""
    for group in _groups(blocks):
        head = group[0]
        if head.kind == "page":
            pdf.add_page()
            group = group[1:]
        elif (
            head.kind == "view"
            and not pdf.at_top()
            and (pdf.room() < VIEW_MIN_ROOM or not _fits(pdf, group, language))
            and pdf.room() < pdf.eph * HALF_EMPTY
        ):
            pdf.add_page()
        for i, block in enumerate(group):
            _draw(pdf, block, language, group[i + 1 :])


def _groups(blocks: list[Block]) -> list[list[Block]]:
    out: list[list[Block]] = []
    for block in blocks:
        if block.kind in ("page", "view") or not out:
            out.append([block])
        else:
            out[-1].append(block)
    return out


def _fits(pdf: ReportDocument, group: list[Block], language: str) -> bool:
    return _height(pdf, group, language) is not None


def _height(pdf: ReportDocument, group: list[Block], language: str) -> float | None:
    """How far down these blocks would reach from here, or None if not on this page."""

    def draw(trial: ReportDocument) -> None:
        for block in group:
            _draw(trial, block, language, None)

    drawn = len(pdf.drawn)
    try:
        return dry_run_height(pdf, draw)
    finally:
        del pdf.drawn[drawn:]


def _draw(pdf: ReportDocument, block: Block, language: str, rest: list[Block] | None) -> None:
    """Draw one block; `rest` (the view's blocks after it) is None in a trial run."""
    drawers: dict[str, Callable[[ReportDocument, Block], None]] = {
        "band": _band,
        "school": _school,
        "meta": _meta,
        "tiles": _tiles,
        "bar": _bar,
        "view": _view_heading,
        "h1": _h1,
        "h2": _h2,
        "p": _paragraph,
        "note": _note,
        "items": _items,
        "list": _list,
    }
    if block.kind in drawers:
        drawers[block.kind](pdf, block)
    elif block.kind == "image":
        _image(pdf, block.image, language, rest)
    elif block.kind == "table" and block.table is not None:
        _table(pdf, block.table, language, _smaller(pdf, block, language, rest))


def _band(pdf: ReportDocument, block: Block) -> None:
    pdf.set_fill_color(*BRAND)
    pdf.rect(0, 0, pdf.w, 82, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(pdf.l_margin, 22)
    pdf.font(10, bold=True)
    pdf.cell(pdf.epw, 5, "OUDERSTEM", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.font(26, bold=True)
    pdf.multi_cell(pdf.epw, 11, block.text, new_x="LMARGIN", new_y="NEXT")
    pdf.font(13)
    for _, line in block.items:
        pdf.multi_cell(pdf.epw, 6.5, without_emoji(line), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.set_y(96)


def _school(pdf: ReportDocument, block: Block) -> None:
    pdf.font(22, bold=True)
    pdf.set_text_color(*INK)
    pdf.multi_cell(pdf.epw, 9.5, without_emoji(block.text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)


def _meta(pdf: ReportDocument, block: Block) -> None:
    pdf.font(11.5)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(pdf.epw, 6, block.text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(8)


def _tiles(pdf: ReportDocument, block: Block) -> None:
    gap, height = 4.0, 30.0
    width = (pdf.epw - gap * (len(block.items) - 1)) / len(block.items)
    top = pdf.get_y()
    for i, (number, label) in enumerate(block.items):
        x = pdf.l_margin + i * (width + gap)
        pdf.set_fill_color(*BRAND_LIGHT)
        pdf.rect(x, top, width, height, style="F", round_corners=True, corner_radius=2)
        pdf.set_xy(x + 3, top + 4)
        pdf.set_text_color(*BRAND)
        size = 20.0
        while size > 11 and pdf.width_of(number, size, bold=True) > width - 6:
            size -= 1
        pdf.font(size, bold=True)
        pdf.cell(width - 6, 10, number, new_x="LEFT", new_y="NEXT")
        pdf.set_x(x + 3)
        pdf.font(8.5)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(width - 6, 3.8, label, align="L", new_x="LEFT", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.set_xy(pdf.l_margin, top + height + 7)


def _bar(pdf: ReportDocument, block: Block) -> None:
    values = {key: int(value) for key, value in block.items}
    expected = max(values["expected"], values["started"], 1)
    top, height, width = pdf.get_y(), 7.0, pdf.epw
    pdf.set_draw_color(*MUTED)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_dash_pattern(dash=1, gap=1)
    pdf.rect(pdf.l_margin, top, width * values["expected"] / expected, height, style="D")
    pdf.set_dash_pattern()
    pdf.set_fill_color(158, 202, 225)
    pdf.rect(pdf.l_margin, top, width * values["started"] / expected, height, style="F")
    pdf.set_fill_color(8, 81, 156)
    inner = height * 0.5
    pdf.rect(
        pdf.l_margin,
        top + (height - inner) / 2,
        width * values["completed"] / expected,
        inner,
        style="F",
    )
    pdf.set_xy(pdf.l_margin, top + height + 1.5)
    pdf.font(8.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(width, 4, block.text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(7)


def _view_heading(pdf: ReportDocument, block: Block) -> None:
    if not pdf.at_top():
        pdf.ln(5)
    _h1(pdf, block)


def _h1(pdf: ReportDocument, block: Block) -> None:
    pdf.font(17, bold=True)
    pdf.set_text_color(*BRAND)
    pdf.multi_cell(pdf.epw, 8, without_emoji(block.text), new_x="LMARGIN", new_y="NEXT")
    y = pdf.get_y() + 1
    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, y, pdf.l_margin + 24, y)
    pdf.set_line_width(0.2)
    pdf.set_text_color(*INK)
    pdf.set_y(y + 4)


def _h2(pdf: ReportDocument, block: Block) -> None:
    if pdf.room() < 30:  # never a heading alone at the foot of a page
        pdf.add_page()
    pdf.ln(2)
    pdf.font(12.5, bold=True)
    pdf.set_text_color(*BRAND)
    pdf.multi_cell(pdf.epw, 6, without_emoji(block.text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(1.5)


def _paragraph(pdf: ReportDocument, block: Block) -> None:
    pdf.font(10)
    pdf.multi_cell(
        pdf.epw, 5.2, without_emoji(block.text), align="L", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(3)


def _note(pdf: ReportDocument, block: Block) -> None:
    pdf.font(8.5)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        pdf.epw, 4.3, without_emoji(block.text), align="L", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_text_color(*INK)
    pdf.ln(2.5)


def _list(pdf: ReportDocument, block: Block) -> None:
    pdf.font(10)
    for _, text in block.items:
        pdf.set_x(pdf.l_margin + 2)
        pdf.multi_cell(
            pdf.epw - 2, 5.4, f"›  {without_emoji(text)}", align="L", new_x="LMARGIN", new_y="NEXT"
        )


def _items(pdf: ReportDocument, block: Block) -> None:
    """Ranked lines: a badge (a mean, a bullet) in a narrow column, the text wrapped beside it."""
    colour = {"good": GOOD, "attention": ATTENTION}.get(block.tone, BRAND)
    if block.text:
        pdf.font(10, bold=True)
        pdf.multi_cell(pdf.epw, 5.4, without_emoji(block.text), new_x="LMARGIN", new_y="NEXT")
    badge_w = 13.0 if block.tone else 6.0
    for badge, text in block.items:
        pdf.font(10)
        lines = cast(
            list[str],
            pdf.multi_cell(
                pdf.epw - badge_w, 5.2, without_emoji(text), align="L", dry_run=True, output="LINES"
            ),
        )
        height = max(len(lines), 1) * 5.2
        if pdf.room() < height + 2:
            pdf.add_page()
        top = pdf.get_y()
        if block.tone:
            pdf.set_fill_color(*colour)
            pdf.rect(pdf.l_margin, top + 0.2, badge_w - 2, 4.8, style="F", round_corners=True)
            pdf.set_text_color(255, 255, 255)
            pdf.font(9, bold=True)
            pdf.set_xy(pdf.l_margin, top + 0.2)
            pdf.cell(badge_w - 2, 4.8, badge, align="C")
        else:
            pdf.set_text_color(*colour)
            pdf.font(10, bold=True)
            pdf.set_xy(pdf.l_margin + 1, top)
            pdf.cell(badge_w - 1, 5.2, badge)
        pdf.set_text_color(*INK)
        pdf.font(10)
        pdf.set_xy(pdf.l_margin + badge_w, top)
        pdf.multi_cell(
            pdf.epw - badge_w, 5.2, without_emoji(text), align="L", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.ln(1.2)
    pdf.ln(1.5)


def _image(pdf: ReportDocument, png: bytes, language: str, rest: list[Block] | None) -> None:
    """A chart at the text width, or smaller (centred) so its table fits under it.

    When the table would fit on this page under a smaller chart (at least CHART_MIN_SCALE of
    its size), the chart shrinks; otherwise the chart keeps its size (at most the page) and the
    table runs on to the next page, rather than leaving a few rows alone there.
    """
    from PIL import Image

    with Image.open(io.BytesIO(png)) as img:
        ratio = img.height / img.width
    natural = pdf.epw * ratio
    after = None if not rest else _height(pdf, rest, language)
    if rest is None:  # a trial run: the size the chart gets when its table follows
        height = min(natural, max(pdf.room() - CHART_MIN_TABLE_ROOM, CHART_MIN_HEIGHT))
    else:
        height = _chart_height(pdf, natural, after if rest else 0.0)
        if height < CHART_MIN_HEIGHT and height < natural and not pdf.at_top():
            pdf.add_page()
            after = None if not rest else _height(pdf, rest, language)
            height = _chart_height(pdf, natural, after if rest else 0.0)
    width = height / ratio
    x = pdf.l_margin + (pdf.epw - width) / 2
    pdf.image(io.BytesIO(png), x=x, y=pdf.get_y(), w=width, h=height)
    pdf.set_y(pdf.get_y() + height + 3)


def _chart_height(pdf: ReportDocument, natural: float, after: float | None) -> float:
    room = pdf.room() - 3
    if after is not None:
        fit = room - after
        if fit >= min(natural, max(CHART_MIN_HEIGHT, CHART_MIN_SCALE * natural)):
            return min(natural, fit)
    return max(min(natural, room), 0.0)


def _smaller(pdf: ReportDocument, block: Block, language: str, rest: list[Block] | None) -> int:
    """Steps of smaller type that let a table and its note end on this page (0 when it fits,
    or never will: a long table simply runs on, its header repeated)."""
    table = block.table
    if rest is None or table is None or len(table.rows) > SHRINK_MAX_ROWS:
        return 0
    notes = [b for b in rest if b.kind == "note"]
    for smaller in range(SHRINK_STEPS + 1):

        def draw(trial: ReportDocument, table: Table = table, step: int = smaller) -> None:
            _table(trial, table, language, step)
            for note in notes:
                _note(trial, note)

        drawn = len(pdf.drawn)
        try:
            if dry_run_height(pdf, draw) is not None:
                return smaller
        finally:
            del pdf.drawn[drawn:]
    return 0


def _table(pdf: ReportDocument, table: Table, language: str, smaller: int = 0) -> None:
    rows = [
        [without_emoji(formatted(language, v, k)) for v, k in zip(row, table.kinds, strict=False)]
        for row in table.rows
    ]
    rows = [r + [""] * (len(table.header) - len(r)) for r in rows]
    parts = any(r[0] == "" for r in rows) and any(r[0] for r in rows)
    bold = [parts and bool(r[0]) for r in rows]  # a theme (or question) above its items
    header = [without_emoji(h) for h in table.header]
    fitted_table(pdf, table.title, header, rows, table.kinds, bold_rows=bold, smaller=smaller)


def without_emoji(text: str) -> str:
    """DejaVu has no colour emoji: drop them from texts reused in the PDF."""
    return "".join(
        ch for ch in text if ord(ch) < 0x1F000 and not 0x2600 <= ord(ch) <= 0x27BF
    ).replace("\ufe0f", "")
