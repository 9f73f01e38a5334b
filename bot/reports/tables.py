"""Every view of a report as a table: the same rows for CSV, XLSX and the PDF.

Built from the report model only, so a hidden figure is the mark "–" in every file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.i18n import N_, t
from bot.reports import labels
from bot.reports.model import Figure, RoundReport
from bot.reports.text import STATUS, open_answer

Kind = Literal["text", "short", "int", "mean", "pct", "diff"]  # short: a narrow text column
Cell = str | int | float | None


@dataclass
class Table:
    """One view as a table: the same rows for a CSV section, an XLSX sheet and a PDF table."""

    sheet: str  # short name, at most 31 characters (an Excel limit)
    title: str
    header: list[str]
    kinds: list[Kind]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str | None = None


SUMMARY = N_("Samenvatting")
PARTICIPATION = N_("Deelname")
THEMES = N_("Thema's")
STATEMENTS = N_("Uitspraken")
CHOICES = N_("Keuzevragen")
SIDES = N_("Ouders en team")
LANGUAGES = N_("Per taal")
GROUPS = N_("Per groep")
FRAMEWORKS = N_("Kaders")
TREND = N_("Trend")
OPEN = N_("Open antwoorden")
TIPS = N_("Tips")

H = {  # column headers
    "item": N_("Onderdeel"),
    "value": N_("Waarde"),
    "kind": N_("Soort"),
    "group": N_("Groep"),
    "expected": N_("Verwacht"),
    "started": N_("Begonnen"),
    "completed": N_("Alles ingevuld"),
    "rate": N_("Begonnen van verwacht"),
    "theme": N_("Thema"),
    "statement": N_("Uitspraak"),
    "question": N_("Vraag"),
    "answer": N_("Antwoord"),
    "count": N_("Aantal"),
    "share": N_("Aandeel"),
    "mean": N_("Gemiddelde"),
    "positive": N_("Eerder ja of ja"),
    "dontknow": N_("Weet niet"),
    "answers": N_("Antwoorden"),
    "shown": N_("Uitspraken getoond"),
    "stars": N_("Sterren"),
    "goals": N_("Doelen"),
    "matrix": N_("Betrokkenheid"),
    "framework": N_("Kader"),
    "themes": N_("Thema's"),
    "before": N_("Vorige ronde"),
    "now": N_("Nu"),
    "change": N_("Verschil"),
    "language": N_("Taal"),
    "reflection": N_("Vraag om over na te denken"),
    "frameworks_reflection": N_("Uit de vijf sterren"),
    "gap": N_("Verschil met ouders: {side}"),
}
ROWS = {
    "school": N_("School"),
    "flow": N_("Vragenlijst"),
    "round": N_("Ronde"),
    "status": N_("Status"),
    "opens": N_("Geopend"),
    "closes": N_("Gesloten"),
    "counted": N_("Meegeteld in de cijfers"),
    "min_closed": N_("Minimum antwoorden per cijfer"),
    "min_open": N_("Minimum lijsten voor open antwoorden"),
    "total": N_("Totaal"),
    "per_group": N_("Klas of groep"),
    "per_language": N_("Taal"),
    "stars": N_("Vijf sterren"),
    "goals": N_("Zeven doelstellingen"),
    "matrix": N_("Betrokkenheid"),
    "texts": N_("Geschreven antwoorden"),
    "voices": N_("Spraakberichten"),
    "voice_ids": N_("Spraakbericht (id, alleen voor de brugfiguur)"),
}
NOTES = {
    "hidden": N_(
        "– = te weinig antwoorden om te tonen, of verborgen zodat een kleine groep niet uit de andere cijfers af te leiden is."
    ),
    "not_closed": N_("De uitsplitsing verschijnt als de ronde afgesloten is."),
    "changed": N_(
        "Deze uitsplitsing blijft verborgen: de meegetelde ouders veranderden na het afsluiten van de ronde."
    ),
    "not_jointly": N_(
        "Deze uitsplitsing blijft verborgen: samen met de uitsplitsing per klas zou ze een kleine groep ouders aanwijzen."
    ),
    "open_hidden": N_("Open antwoorden verschijnen vanaf {minimum} ingevulde lijsten."),
    "tips": N_("Geen oordeel: vragen om als team samen over na te denken."),
}


def tables(report: RoundReport, compact: bool = False) -> list[Table]:
    """Every view of the report as a table, in reading order.

    compact=True is the PDF's selection: theme rows only where the statements are drawn in a
    chart or listed in the spreadsheet, no framework item without questions, no tables that
    page 1 and the charts already show.
    """
    out = [] if compact else [_summary(report), _participation(report)]
    out.append(_themes(report))
    out.append(_statements_ranked(report) if compact else _statements(report))
    choices = _choices(report)
    if choices.rows:
        out.append(choices)
    detailed = []
    if report.comparison is not None:
        detailed.append(_sides(report))
    detailed += [_breakdown(report, "language", LANGUAGES), _breakdown(report, "group", GROUPS)]
    out += [_themes_only(tb) for tb in detailed] if compact else detailed
    frameworks = _frameworks(report)
    if compact:
        frameworks.rows = [r for r in frameworks.rows if r[2]]
    out.append(frameworks)
    if report.trend is not None:
        out.append(_themes_only(_trend(report)) if compact else _trend(report))
    if report.open_answers:
        out.append(_open(report, repeat_question=not compact))
    if report.tips:
        out.append(_tips(report))
    return out


def _themes_only(table: Table) -> Table:
    """Keep the theme rows (no statement in the second column) and drop that column."""
    rows = [[r[0], *r[2:]] for r in table.rows if not r[1]]
    return Table(
        table.sheet,
        table.title,
        [table.header[0], *table.header[2:]],
        [table.kinds[0], *table.kinds[2:]],
        rows,
        table.note,
    )


def _h(report: RoundReport, *keys: str) -> list[str]:
    return [t(report.language, H[k]) for k in keys]


def _summary(report: RoundReport) -> Table:
    lang, r, p = report.language, report.round, report.participation
    rows: list[list[Cell]] = [
        [t(lang, ROWS["school"]), r.school_name],
        [t(lang, ROWS["flow"]), r.flow_title],
        [t(lang, ROWS["round"]), r.id],
        [t(lang, ROWS["status"]), t(lang, STATUS.get(r.status, r.status))],
        [t(lang, ROWS["opens"]), labels.date(lang, r.opens_at)],
        [t(lang, ROWS["closes"]), labels.date(lang, r.closed_at or r.closes_at)],
        [t(lang, H["expected"]), p.expected],
        [t(lang, H["started"]), p.started],
        [t(lang, H["completed"]), p.completed],
        [t(lang, ROWS["counted"]), p.counted],
        [t(lang, ROWS["min_closed"]), report.thresholds.min_closed],
        [t(lang, ROWS["min_open"]), report.thresholds.min_open],
    ]
    return Table(
        t(lang, SUMMARY),
        t(lang, SUMMARY),
        _h(report, "item", "value"),
        ["text", "text"],
        rows,
        t(lang, NOTES["hidden"]),
    )


def _participation(report: RoundReport) -> Table:
    lang, p = report.language, report.participation
    rows: list[list[Cell]] = [
        [t(lang, ROWS["total"]), "", p.expected, p.started, p.completed, p.started_rate]
    ]
    for kind, part in ((ROWS["per_group"], p.by_group), (ROWS["per_language"], p.by_language)):
        for c in part.cells:
            rate = (
                c.started / c.expected if c.shown and c.expected and c.started is not None else None
            )
            rows.append(
                [
                    t(lang, kind),
                    c.label,
                    c.expected,
                    _hide(c.started),
                    _hide(c.completed),
                    rate if c.shown else labels.HIDDEN,
                ]
            )
        if part.hidden_together is not None:
            rows.append(
                [
                    t(lang, kind),
                    t(lang, labels.HIDDEN_TOGETHER),
                    None,
                    part.hidden_together,
                    None,
                    None,
                ]
            )
    return Table(
        t(lang, PARTICIPATION),
        t(lang, PARTICIPATION),
        _h(report, "kind", "group", "expected", "started", "completed", "rate"),
        ["text", "text", "int", "int", "int", "pct"],
        rows,
        t(lang, NOTES["hidden"]),
    )


def _hide(value: int | None) -> Cell:
    return labels.HIDDEN if value is None else value


def _fig(figure: Figure, attribute: str) -> Cell:
    if not figure.shown:
        return labels.HIDDEN
    return getattr(figure, attribute)


def _themes(report: RoundReport) -> Table:
    lang = report.language
    rows: list[list[Cell]] = [
        [
            th.title,
            _fig(th.figure, "mean"),
            _fig(th.figure, "positive_share"),
            _fig(th.figure, "dontknow_share"),
            _fig(th.figure, "n"),
            th.statements_shown,
            ", ".join(map(str, th.stars)),
            ", ".join(map(str, th.goals)),
        ]
        for th in report.themes
    ]
    return Table(
        t(lang, THEMES),
        t(lang, THEMES),
        _h(report, "theme", "mean", "positive", "dontknow", "answers", "shown", "stars", "goals"),
        ["text", "mean", "pct", "pct", "int", "int", "short", "short"],
        rows,
        t(lang, NOTES["hidden"]),
    )


def _statements(report: RoundReport) -> Table:
    lang = report.language
    faces = [t(lang, labels.FACE_LABELS[v]) for v in labels.FACE_LABELS]
    rows: list[list[Cell]] = []
    for th in report.themes:
        for qid in th.statements:
            s = report.statement(qid)
            f = s.figure
            counts: list[Cell] = (
                [(f.counts or {}).get(v, 0) for v in labels.FACE_LABELS]
                if f.shown
                else [labels.HIDDEN] * len(faces)
            )
            rows.append(
                [
                    th.title,
                    s.text,
                    _fig(f, "n"),
                    *counts,
                    _fig(f, "mean"),
                    _fig(f, "positive_share"),
                ]
            )
    return Table(
        t(lang, STATEMENTS),
        t(lang, STATEMENTS),
        [*_h(report, "theme", "statement", "answers"), *faces, *_h(report, "mean", "positive")],
        ["text", "text", "int", *(["int"] * len(faces)), "mean", "pct"],  # type: ignore[list-item]
        rows,
        t(lang, NOTES["hidden"]),
    )


def _statements_ranked(report: RoundReport) -> Table:
    """The PDF's statements: strongest to weakest, as in the chart above them."""
    lang = report.language
    scales = [s for s in report.statements if s.type == "scale"]
    ranked = sorted(
        scales,
        key=lambda s: (s.figure.mean is None, -(s.figure.mean or 0.0), scales.index(s)),
    )
    rows: list[list[Cell]] = [
        [
            s.text,
            _fig(s.figure, "mean"),
            _fig(s.figure, "positive_share"),
            _fig(s.figure, "dontknow_share"),
            _fig(s.figure, "n"),
        ]
        for s in ranked
    ]
    return Table(
        t(lang, STATEMENTS),
        t(lang, STATEMENTS),
        _h(report, "statement", "mean", "positive", "dontknow", "answers"),
        ["text", "mean", "pct", "pct", "int"],
        rows,
        t(lang, NOTES["hidden"]),
    )


def _choices(report: RoundReport) -> Table:
    lang = report.language
    rows: list[list[Cell]] = []
    for s in report.statements:
        if s.type == "scale":
            continue
        f = s.figure
        for o in s.options:
            if not f.shown:
                rows.append([s.text, o.label, labels.HIDDEN, labels.HIDDEN])
                continue
            c = (f.counts or {}).get(o.id, 0)
            rows.append([s.text, o.label, c, c / f.n if f.n else None])
    return Table(
        t(lang, CHOICES),
        t(lang, CHOICES),
        _h(report, "question", "answer", "count", "share"),
        ["text", "text", "int", "pct"],
        rows,
        t(lang, NOTES["hidden"]),
    )


def _sides(report: RoundReport) -> Table:
    lang, c = report.language, report.comparison
    assert c is not None
    others = [s.audience for s in c.sides if s.audience != "parents"]
    header = [*_h(report, "theme", "statement"), t(lang, labels.AUDIENCES["parents"])]
    kinds: list[Kind] = ["text", "text", "mean"]
    for a in others:
        header += [
            t(lang, labels.AUDIENCES[a]),
            t(lang, H["gap"], side=t(lang, labels.AUDIENCES[a])),
        ]
        kinds += ["mean", "diff"]
    rows: list[list[Cell]] = []
    for theme in c.themes:
        for row in [theme, *(s for s in c.statements if s.theme_id == theme.id)]:
            cells: list[Cell] = [
                theme.text,
                "" if row is theme else row.text,
                _fig(row.figures["parents"], "mean"),
            ]
            for a in others:
                cells += [
                    _fig(row.figures[a], "mean"),
                    labels.shown_difference(row.figures[a].mean, row.figures["parents"].mean),
                ]
            rows.append(cells)
    return Table(t(lang, SIDES), t(lang, SIDES), header, kinds, rows, t(lang, NOTES["hidden"]))


def _breakdown(report: RoundReport, dimension: str, title: str) -> Table:
    lang = report.language
    b = report.breakdowns[dimension]
    header = _h(report, "theme", "statement") + [c.label for c in b.cells]
    means: list[Kind] = ["mean"] * len(b.cells)
    kinds: list[Kind] = ["text", "text", *means]
    if not b.available:
        note = NOTES[
            {"joint": "not_jointly", "changed": "changed"}.get(b.withheld or "", "not_closed")
        ]
        return Table(t(lang, title), t(lang, title), header, kinds, [], t(lang, note))
    titles = {th.theme_id: th.title for th in report.themes}
    statements = {row.id: row for row in b.statements}
    rows: list[list[Cell]] = []
    for theme_row in b.themes:
        rows.append(
            [
                titles.get(theme_row.id, theme_row.id),
                "",
                *(_fig(theme_row.figures[c.key], "mean") for c in b.cells),
            ]
        )
        for qid in report.theme(theme_row.id).statements:
            row = statements[qid]
            rows.append(
                [
                    "",
                    report.statement(qid).text,
                    *(_fig(row.figures[c.key], "mean") for c in b.cells),
                ]
            )
    return Table(t(lang, title), t(lang, title), header, kinds, rows, t(lang, NOTES["hidden"]))


def _frameworks(report: RoundReport) -> Table:
    lang, fw = report.language, report.frameworks
    titles = {th.theme_id: th.title for th in report.themes}
    rows: list[list[Cell]] = []
    for kind, items in (("stars", fw.stars), ("goals", fw.goals), ("matrix", fw.matrix)):
        for item in items:
            rows.append(
                [
                    t(lang, ROWS[kind]),
                    item.label,
                    ", ".join(titles.get(th, th) for th in item.themes),
                    _fig(item.figure, "mean"),
                    _fig(item.figure, "n"),
                ]
            )
    return Table(
        t(lang, FRAMEWORKS),
        t(lang, FRAMEWORKS),
        _h(report, "framework", "item", "themes", "mean", "answers"),
        ["text", "text", "text", "mean", "int"],
        rows,
        t(lang, NOTES["hidden"]),
    )


def _trend(report: RoundReport) -> Table:
    lang, tr = report.language, report.trend
    assert tr is not None
    rows: list[list[Cell]] = [  # counts as text: the columns hold means
        [
            f"{t(lang, PARTICIPATION)}: {t(lang, H['started']).lower()}",
            "",
            str(tr.previous_started),
            str(report.participation.started),
            None,
        ]
    ]
    texts = {r.id: r for r in tr.statements}
    for row in tr.themes:
        rows.append(
            [
                row.text,
                "",
                _mean_or_hidden(row.before),
                _mean_or_hidden(row.now),
                labels.shown_difference(row.now, row.before),
            ]
        )
        for qid in report.theme(row.id).statements:
            s = texts[qid]
            rows.append(
                [
                    "",
                    s.text,
                    _mean_or_hidden(s.before),
                    _mean_or_hidden(s.now),
                    labels.shown_difference(s.now, s.before),
                ]
            )
    return Table(
        t(lang, TREND),
        t(lang, TREND),
        _h(report, "theme", "statement", "before", "now", "change"),
        ["text", "text", "mean", "mean", "diff"],
        rows,
        t(lang, NOTES["hidden"]),
    )


def _mean_or_hidden(value: float | None) -> Cell:
    return labels.HIDDEN if value is None else value


def _open(report: RoundReport, repeat_question: bool = True) -> Table:
    """Open answers; the question on every row (for filtering in Excel) or once (in the PDF)."""
    lang = report.language
    rows: list[list[Cell]] = []
    for q in report.open_answers:
        if not q.shown:
            rows.append(
                [q.text, "", t(lang, NOTES["open_hidden"], minimum=report.thresholds.min_open)]
            )
            continue
        label = q.text if repeat_question else ""
        counts = (
            f"{t(lang, ROWS['texts'])}: {q.text_count}; {t(lang, ROWS['voices'])}: {q.voice_count}"
        )
        rows.append([q.text, "", counts])
        rows += [[label, o.language_label, open_answer(o.text, isolate=False)] for o in q.texts]
        rows += [[label, t(lang, ROWS["voice_ids"]), fid] for fid in q.voice_file_ids or []]
    return Table(
        t(lang, OPEN),
        t(lang, OPEN),
        _h(report, "question", "language", "answer"),
        ["text", "text", "text"],
        rows,
    )


def _tips(report: RoundReport) -> Table:
    lang = report.language
    rows: list[list[Cell]] = [
        [tip.title, _mean_or_hidden(tip.mean), tip.tip or "", " ".join(tip.reflections)]
        for tip in report.tips
    ]
    return Table(
        t(lang, TIPS),
        t(lang, TIPS),
        _h(report, "theme", "mean", "reflection", "frameworks_reflection"),
        ["text", "mean", "text", "text"],
        rows,
        t(lang, NOTES["tips"]),
    )


def formatted(language: str, value: Cell, kind: Kind) -> str:
    """A cell as text, the Dutch way: "4,2", "45%", "+0,8"; hidden stays "–"."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if kind == "mean":
        return labels.mean(language, float(value))
    if kind == "pct":
        return labels.percent(language, float(value))
    if kind == "diff":
        return labels.signed(language, float(value))
    return str(value)
