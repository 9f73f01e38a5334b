"""Files of a report: XLSX (one sheet per view), CSV, PDF (`pdf`: cover, meeting page, views) and JSON.

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
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bot.reports import labels
from bot.reports.model import RoundReport
from bot.reports.pdf import Block, pdf_blocks, to_pdf
from bot.reports.tables import formatted, tables

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


__all__ = [
    "FORMATS",
    "Block",
    "dangerous",
    "export",
    "neutralised",
    "pdf_blocks",
    "to_csv",
    "to_pdf",
    "to_xlsx",
]
