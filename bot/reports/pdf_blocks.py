"""What the printed report shows, as data: a list of `Block`s (a heading, a paragraph, a chart,
a table...) in reading order, built from the report model only. `bot.reports.pdf_draw` lays
them out on A4 pages; tests read every text here without drawing anything.

Page 1, the cover: school, questionnaire, round, dates and participation in four tiles and a
bar. Page 2, one page for the team meeting: three strengths, three points of attention, parents
beside the team theme by theme (the perception gap), and the questions to reflect on. Then the
views (`VIEWS`), each a heading, its chart and its table.

Privacy: every number comes from the model, where `bot.reports.privacy` already held back
what may not be shown; a hidden figure is the mark "–" here as in every other output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.i18n import N_, t
from bot.reports import labels
from bot.reports.charts import charts, matrix_chart
from bot.reports.model import RoundReport
from bot.reports.tables import (
    CHOICES,
    FRAMEWORKS,
    GROUPS,
    LANGUAGES,
    OPEN,
    PARTICIPATION,
    SIDES,
    STATEMENTS,
    THEMES,
    TIPS,
    TREND,
    Table,
    tables,
)
from bot.reports.text import (
    CONCERNS,
    NO_COMPARISON,
    STATUS,
    STRENGTHS,
    TEAM_SECTION,
    TIPS_HEADER,
)

# These texts keep their catalog keys "pdf.X" from when they lived in pdf.py (bot/i18n_tools).
CATALOG_KEY = "pdf"

PDF_TITLE = N_("Ouderstem: rapport van de ronde")
PDF_INTRO = N_(
    "Een beeld van het moment, om als team over te praten: geen score en geen rangschikking. Cijfers verschijnen pas vanaf {minimum} antwoorden."
)
COVER_KICKER = N_("Rapport van de ronde")
ROUND_LINE = N_("Ronde {round} · {status}")
DATES = N_("Van {opens} tot {closes}")
TILE_STARTED = N_("gezinnen begonnen")
TILE_RATE = N_("van de verwachte gezinnen")
TILE_COMPLETED = N_("vulden alles in")
TILE_COUNTED = N_("meegeteld in de cijfers")
BAR_LEGEND = N_("begonnen {started} · alles ingevuld {completed} · verwacht {expected}")
CONTENTS = N_("In dit rapport")
MEETING = N_("Voor het teamoverleg")
GAP_INTRO = N_("Gemiddelde per thema (1 = nee, 5 = ja); het verschil is team min ouders.")
NO_HIGHLIGHTS = N_("Nog geen uitspraken met genoeg antwoorden om te tonen.")
TIP_HEAD = N_("{theme} (gemiddelde {mean})")
PAGE_LABEL = N_("pagina {page} van {pages}")
FOOTER = N_("{school} · ronde {round} · Ouderstem")

MEETING_HIGHLIGHTS = 3

Kind = Literal[
    "band", "school", "meta", "tiles", "bar", "page", "view", "h1", "h2", "p", "note",
    "items", "list", "image", "table",
]  # fmt: skip


@dataclass
class Block:
    """One piece of the PDF, in order. `items` are (badge, text) pairs: tiles, ranked lines."""

    kind: Kind
    text: str = ""
    image: bytes = b""
    table: Table | None = None
    items: list[tuple[str, str]] = field(default_factory=list)
    tone: Literal["", "good", "attention"] = ""
    chart: bool = False  # the view opens with a chart


# ---- what the PDF shows ------------------------------------------------------------------------

VIEWS = (  # (chart file, table sheet title) in reading order
    ("deelname.png", PARTICIPATION),
    ("themas.png", THEMES),
    ("uitspraken.png", STATEMENTS),
    (None, CHOICES),
    ("ouders-team.png", SIDES),
    (None, LANGUAGES),
    (None, GROUPS),
    ("betrokkenheid.png", FRAMEWORKS),  # the 4x3 matrix: only the PDF draws it
    ("trend.png", TREND),
    (None, OPEN),
    (None, TIPS),
)


def pdf_blocks(report: RoundReport) -> list[Block]:
    """What the PDF shows, as data (tests read it; `to_pdf` lays it out)."""
    return [*_cover(report), *_meeting(report), *_views(report)]


def _cover(report: RoundReport) -> list[Block]:
    lang, r, p = report.language, report.round, report.participation
    status = t(lang, STATUS.get(r.status, r.status))
    meta = [t(lang, ROUND_LINE, round=r.id, status=status)]
    closes = r.closed_at or r.closes_at
    if closes:
        meta.append(
            t(lang, DATES, opens=labels.date(lang, r.opens_at), closes=labels.date(lang, closes))
        )
    tiles = [
        (f"{p.started} / {p.expected}" if p.expected else str(p.started), t(lang, TILE_STARTED))
    ]
    if p.expected:
        tiles.append((labels.percent(lang, p.started_rate), t(lang, TILE_RATE)))
    tiles += [(str(p.completed), t(lang, TILE_COMPLETED)), (str(p.counted), t(lang, TILE_COUNTED))]
    blocks = [
        Block("band", t(lang, COVER_KICKER), items=[("", r.flow_title)]),
        Block("school", r.school_name),
        Block("meta", "\n".join(meta)),
        Block("tiles", items=tiles),
    ]
    if p.expected:
        blocks.append(
            Block(
                "bar",
                t(lang, BAR_LEGEND, started=p.started, completed=p.completed, expected=p.expected),
                items=[
                    ("started", str(p.started)),
                    ("completed", str(p.completed)),
                    ("expected", str(p.expected)),
                ],
            )
        )
    blocks.append(Block("p", t(lang, PDF_INTRO, minimum=report.thresholds.min_closed)))
    present = [t(lang, sheet) for _, sheet in VIEWS if sheet in _present_sheets(report)]
    blocks += [Block("h2", t(lang, CONTENTS)), Block("list", items=[("", x) for x in present])]
    return blocks


def _meeting(report: RoundReport) -> list[Block]:
    """One page: strengths, points of attention, the perception gap, reflection questions."""
    lang = report.language
    blocks = [Block("page"), Block("h1", t(lang, MEETING))]

    def ranked(ids: list[str]) -> list[tuple[str, str]]:
        out = []
        for qid in ids[:MEETING_HIGHLIGHTS]:
            s = report.statement(qid)
            out.append((labels.mean(lang, s.figure.mean), s.text))
        return out

    for heading, ids, tone in (
        (STRENGTHS, report.highlights.strengths, "good"),
        (CONCERNS, report.highlights.concerns, "attention"),
    ):
        blocks.append(Block("h2", t(lang, heading)))
        if ids:
            blocks.append(Block("items", items=ranked(ids), tone=tone))  # type: ignore[arg-type]
        else:
            blocks.append(Block("note", t(lang, NO_HIGHLIGHTS)))
    blocks.append(Block("h2", t(lang, TEAM_SECTION)))
    gap = _gap_table(report)
    if gap is None:
        blocks.append(Block("note", t(lang, NO_COMPARISON)))
    else:
        blocks += [Block("note", t(lang, GAP_INTRO)), Block("table", table=gap)]
    if report.tips:
        blocks.append(Block("h2", t(lang, TIPS_HEADER)))
        for tip in report.tips:
            head = t(lang, TIP_HEAD, theme=tip.title, mean=labels.mean(lang, tip.mean))
            questions = [q for q in (tip.tip, *tip.reflections) if q]
            blocks.append(Block("items", head, items=[("•", q) for q in questions]))
    return blocks


def _gap_table(report: RoundReport) -> Table | None:
    """Parents beside team (and pupils) per theme: the perception gap of the summary page."""
    c, lang = report.comparison, report.language
    if c is None or not c.themes:
        return None
    others = [s.audience for s in c.sides if s.audience != "parents"]
    by_sheet = {tb.sheet: tb for tb in tables(report, compact=True)}
    full = by_sheet[t(lang, SIDES)]
    return (
        Table(full.sheet, full.title, full.header, full.kinds, full.rows, None) if others else None
    )


def _present_sheets(report: RoundReport) -> set[str]:
    lang = report.language
    names = {tb.sheet for tb in tables(report, compact=True)}
    names.add(t(lang, PARTICIPATION))
    return {sheet for _, sheet in VIEWS if t(lang, sheet) in names}


def _views(report: RoundReport) -> list[Block]:
    lang = report.language
    images = dict(charts(report))
    matrix = matrix_chart(report)
    if matrix is not None:
        images["betrokkenheid.png"] = matrix
    by_sheet = {tb.sheet: tb for tb in tables(report, compact=True)}
    by_sheet.update({tb.sheet: tb for tb in tables(report) if tb.sheet == t(lang, PARTICIPATION)})
    blocks: list[Block] = []
    for image, sheet in VIEWS:
        table = by_sheet.get(t(lang, sheet))
        chart = images.get(image or "")
        if table is None and chart is None:
            continue
        blocks.append(Block("view", t(lang, sheet), chart=chart is not None))
        if chart is not None:
            blocks.append(Block("image", image=chart))
        if table is not None:
            if table.rows:
                blocks.append(Block("table", table=table))
            if table.note:
                blocks.append(Block("note", table.note))
    return blocks
