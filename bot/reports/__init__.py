"""Reports: what parents said, per round and per school, never one parent's answers.

    build_round_report(store, round_id, options) -> RoundReport   one round, every view
    build_overview(store, school_ids, options, named) -> Overview  schools side by side / centre
    summary_text(report), detail_text(report, view)                chat messages (plain text)
    charts.charts(report) -> [(file name, PNG bytes)]              phone-sized charts
    export(report, fmt) -> bytes                                   csv | xlsx | pdf | json

Modules: `queries` (all SQL, aggregates only), `privacy` (the rules, pure functions), `model`
(the pydantic report, its JSON documented in README.md), `figures` (counts to figures), `build`
(a round; by concern in `build_participation`, `build_themes`, `build_breakdowns`,
`build_compare`), `overview` (across schools), `labels` (catalog texts, Dutch number format),
`text` (chat), `charts` (PNG), `tables` and `exports` (CSV, XLSX, JSON), `pdf` and `pdf_layout`
(the printed report), `cli` (`ouderstem report`).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.reports.build import build_round_report
    from bot.reports.exports import FORMATS, export
    from bot.reports.model import REPORT_FORMAT, Overview, ReportOptions, RoundReport
    from bot.reports.overview import build_overview
    from bot.reports.text import VIEWS, detail_text, overview_text, summary_text

# Loaded on first use (PEP 562): charts and exports pull in matplotlib and openpyxl (~50 MB),
# which a bot that only collects answers, or a CLI command, should not pay for (bench P5).
_HOMES = {
    "build_round_report": "build",
    "FORMATS": "exports",
    "export": "exports",
    "REPORT_FORMAT": "model",
    "Overview": "model",
    "ReportOptions": "model",
    "RoundReport": "model",
    "build_overview": "overview",
    "VIEWS": "text",
    "detail_text": "text",
    "overview_text": "text",
    "summary_text": "text",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(f"bot.reports.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'bot.reports' has no attribute {name!r}")


__all__ = [
    "FORMATS",
    "REPORT_FORMAT",
    "VIEWS",
    "Overview",
    "ReportOptions",
    "RoundReport",
    "build_overview",
    "build_round_report",
    "detail_text",
    "export",
    "overview_text",
    "summary_text",
]
