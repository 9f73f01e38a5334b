"""Chat texts of a report: a short summary and one message per view, plain text, in Dutch.

Plain text (no parse mode) so no statement or open answer can break Telegram markup. Every
message fits one Telegram message (`MAX_MESSAGE_CHARS`); a longer view is cut at a line and
says where the rest is (the files). Everything is read from the report model, so a figure the
model hides cannot appear here.
"""

from __future__ import annotations

import unicodedata

from bot.engine import FACES
from bot.flow_model import DONT_KNOW, SCALE_VALUES
from bot.i18n import N_, t
from bot.limits import MAX_MESSAGE_CHARS
from bot.reports import labels
from bot.reports.model import Breakdown, Figure, Overview, ParticipationBreakdown, RoundReport

VIEWS = ("themes", "team", "languages", "groups", "open", "frameworks", "trend")
LOW_RESPONSE = 0.5  # a class group under this share of its families is named as "little reached"

TITLE = N_("{title}\n{school} · ronde {round} · {status}")
STATUS = {"open": N_("loopt nog"), "closed": N_("afgesloten")}
PARTICIPATION = N_("Deelname")
STARTED_OF = N_(
    "{started} van de {expected} verwachte gezinnen begonnen ({rate}), {completed} vulden alles in."
)
STARTED = N_("{started} begonnen, {completed} vulden alles in.")
COUNTED = N_(
    "De cijfers tellen {counted} ingevulde lijsten mee: per vijf, zodat niemand herkenbaar is."
)
NOTHING_YET = N_(
    "Nog geen cijfers: die verschijnen vanaf {minimum} ingevulde lijsten, zodat niemand herkenbaar is."
)
LITTLE_REACHED = N_("Weinig bereikt: {groups}.")
LANGUAGES_LINE = N_("Talen: {cells}")
THEMES = N_("Thema's (gemiddelde van 1 = nee tot 5 = ja)")
STRENGTHS = N_("Sterk")
CONCERNS = N_("Om op te letten")
GAP_LINE = N_("Grootste verschil met het team: {theme} (ouders {parents}, team {team}).")
TEAM_HEADER = N_("Ouders naast {others}")
TEAM_SECTION = N_("Ouders en team")
TIPS_HEADER = N_("Om samen over na te denken")
TIP_LINE = N_("{theme} kreeg de minst positieve antwoorden ({mean}). {tip}")
MORE = N_(
    "Meer: thema's, team, talen, groepen, open antwoorden, kaders, trend, of het rapport als bestand."
)
HIDDEN_NOTE = N_(
    "– = te weinig antwoorden om te tonen, of verborgen zodat een kleine groep niet uit de andere cijfers af te leiden is."
)
CUT = N_("… (ingekort: alles staat in het bestand)")
NO_DATA = N_("Geen cijfers om te tonen.")
POSITIVE = N_("{share} eerder ja of ja")
ANSWERS = N_("{n} antwoorden")
NOT_JOINTLY = N_(
    "Deze uitsplitsing blijft verborgen: samen met de uitsplitsing per klas zou ze een kleine groep ouders aanwijzen."
)
CHANGED = N_(
    "Deze uitsplitsing blijft verborgen: de meegetelde ouders veranderden na het afsluiten van de ronde."
)
NOT_YET_CLOSED = N_(
    "De uitsplitsing verschijnt als de ronde afgesloten is: zo kan niemand twee rapporten van elkaar aftrekken."
)
NO_COMPARISON = N_(
    "Er is nog geen ronde van het team of de leerlingen bij deze school om naast de ouders te leggen."
)
NO_TREND = N_("Er is geen eerdere ronde van deze vragenlijst bij deze school.")
TREND_HEADER = N_("Deze ronde naast de vorige ronde (van {date})")
TREND_PARTICIPATION = N_("Deelname: nu {now} begonnen, vorige keer {before}.")
OPEN_HIDDEN = N_("Open antwoorden verschijnen vanaf {minimum} ingevulde lijsten.")
OPEN_COUNTS = N_("{texts} geschreven antwoorden, {voices} spraakberichten.")
VOICE_IDS = N_("Spraakberichten (alleen voor de brugfiguur): {ids}")
STARS_HEADER = N_("Vijf sterren")
GOALS_HEADER = N_("Zeven operationele doelstellingen")
MATRIX_HEADER = N_("Betrokkenheid: meeleven, meehelpen, meedenken, meebeslissen")
NOT_ASKED = N_("Geen vragen over: {items}.")
VIEW_TITLES = {
    "themes": N_("Thema's en uitspraken"),
    "team": N_("Ouders, team en leerlingen"),
    "languages": N_("Per taal"),
    "groups": N_("Per klas of groep"),
    "open": N_("Open antwoorden"),
    "frameworks": N_("Door de kaders gelezen"),
    "trend": N_("Vergeleken met de vorige ronde"),
}


def summary_sections(report: RoundReport) -> list[tuple[str, str, list[str]]]:
    """(icon, heading, lines) of the summary; the PDF reuses them without the icons."""
    lang = report.language
    sections = [("👪", t(lang, PARTICIPATION), _participation_lines(report))]
    if report.themes:
        lines = [f"• {th.title}: {labels.mean(lang, th.figure.mean)}" for th in report.themes]
        if report.participation.counted and all(th.figure.mean is None for th in report.themes):
            lines.insert(0, t(lang, NOTHING_YET, minimum=report.thresholds.min_closed))
        sections.append(("🧭", t(lang, THEMES), lines))
    if report.highlights.strengths:
        sections.append(
            (
                "💪",
                t(lang, STRENGTHS),
                [_statement_line(report, q) for q in report.highlights.strengths],
            )
        )
    if report.highlights.concerns:
        sections.append(
            (
                "🔎",
                t(lang, CONCERNS),
                [_statement_line(report, q) for q in report.highlights.concerns],
            )
        )
    gap = _largest_gap(report, "team")
    if gap is not None:
        sections.append(("👥", t(lang, TEAM_SECTION), [gap]))
    if report.tips:
        tip = report.tips[0]
        prompt = tip.tip or (tip.reflections[0] if tip.reflections else "")
        sections.append(
            (
                "💡",
                t(lang, TIPS_HEADER),
                [t(lang, TIP_LINE, theme=tip.title, mean=labels.mean(lang, tip.mean), tip=prompt)],
            )
        )
    return sections


def summary_text(report: RoundReport) -> str:
    """The short chat message: participation, themes, strengths, concerns, gap, one tip."""
    lang = report.language
    lines = [report_title(report)]
    for icon, heading, body in summary_sections(report):
        lines += ["", f"{icon} {heading}", *body]
    lines += ["", t(lang, HIDDEN_NOTE), t(lang, MORE)]
    return _fit(lang, lines)


def detail_text(report: RoundReport, view: str) -> str:
    """One view as a chat message; `view` is one of `VIEWS`."""
    render = {
        "themes": _themes_view,
        "team": _team_view,
        "languages": lambda r: _breakdown_view(r, "language"),
        "groups": lambda r: _breakdown_view(r, "group"),
        "open": _open_view,
        "frameworks": _frameworks_view,
        "trend": _trend_view,
    }
    if view not in render:
        raise ValueError(f"unknown view {view!r}; expected one of {', '.join(VIEWS)}")
    lang = report.language
    lines = [t(lang, VIEW_TITLES[view]), report_title(report), "", *render[view](report)]
    if any(labels.HIDDEN in line for line in lines):
        lines += ["", t(lang, HIDDEN_NOTE)]
    return _fit(lang, lines)


# ---- pieces ----------------------------------------------------------------------------------


def report_title(report: RoundReport) -> str:
    """Flow title, school, round and whether it still runs: the head of every message."""
    r = report.round
    return t(
        report.language,
        TITLE,
        title=r.flow_title,
        school=r.school_name,
        round=r.id,
        status=t(report.language, STATUS.get(r.status, r.status)),
    )


def _participation_lines(report: RoundReport) -> list[str]:
    lang, p = report.language, report.participation
    if p.expected:
        lines = [
            t(
                lang,
                STARTED_OF,
                started=p.started,
                expected=p.expected,
                rate=labels.percent(lang, p.started_rate),
                completed=p.completed,
            )
        ]
    else:
        lines = [t(lang, STARTED, started=p.started, completed=p.completed)]
    if p.counted:
        lines.append(t(lang, COUNTED, counted=p.counted))
    else:
        lines.append(t(lang, NOTHING_YET, minimum=report.thresholds.min_closed))
    little = [
        f"{c.label} ({c.started}/{c.expected})"
        for c in p.by_group.cells
        if c.shown
        and c.expected
        and c.started is not None
        and c.started / c.expected < LOW_RESPONSE
    ]
    if little:
        lines.append(t(lang, LITTLE_REACHED, groups=", ".join(little)))
    if len(p.by_language.cells) > 1:
        lines.append(t(lang, LANGUAGES_LINE, cells=_cells_inline(p.by_language)))
    return lines


def _cells_inline(breakdown: ParticipationBreakdown) -> str:
    return " · ".join(f"{c.label} {labels.count(c.started)}" for c in breakdown.cells)


def _statement_line(report: RoundReport, question_id: str) -> str:
    s = report.statement(question_id)
    return f"• {s.text} {labels.mean(report.language, s.figure.mean)}"


def _faces(figure: Figure) -> str:
    """Counts per face on one line: "😞 2 · 🙁 3 · 😐 5 · 🙂 10 · 😄 12 · 🤷 1"."""
    counts = figure.counts or {}
    return " · ".join(f"{FACES[v]} {counts.get(v, 0)}" for v in (*SCALE_VALUES, DONT_KNOW))


def _largest_gap(report: RoundReport, audience: str) -> str | None:
    c = report.comparison
    if c is None:
        return None
    rows = [r for r in c.themes if r.gaps.get(audience) is not None]
    if not rows:
        return None
    row = max(rows, key=lambda r: abs(r.gaps[audience] or 0.0))
    lang = report.language
    return t(
        lang,
        GAP_LINE,
        theme=row.text,
        parents=labels.mean(lang, row.figures["parents"].mean),
        team=labels.mean(lang, row.figures[audience].mean),
    )


def _themes_view(report: RoundReport) -> list[str]:
    lang = report.language
    lines: list[str] = []
    for th in report.themes:
        f = th.figure
        head = f"🧭 {th.title}: {labels.mean(lang, f.mean)}"
        if f.shown:
            head += " · " + t(lang, POSITIVE, share=labels.percent(lang, f.positive_share))
        lines.append(head)
        for qid in th.statements:
            s = report.statement(qid)
            lines.append(f"  • {s.text} {labels.mean(lang, s.figure.mean)}")
            if s.figure.shown:
                lines.append(f"    {_faces(s.figure)}")
        lines.append("")
    for s in report.statements:
        if s.type == "scale":
            continue
        lines.append(f"❓ {s.text}")
        if not s.figure.shown:
            lines.append(f"  {labels.HIDDEN}")
        else:
            counts = s.figure.counts or {}
            lines += [f"  • {o.label}: {counts.get(o.id, 0)}" for o in s.options]
            lines.append("  " + t(lang, ANSWERS, n=s.figure.n))
        lines.append("")
    return lines or [t(lang, NO_DATA)]


def _team_view(report: RoundReport) -> list[str]:
    lang, c = report.language, report.comparison
    if c is None:
        return [t(lang, NO_COMPARISON)]
    others = [s.audience for s in c.sides if s.audience != "parents"]
    names = {a: t(lang, labels.AUDIENCES[a]) for a in ("parents", *others)}
    lines = [t(lang, TEAM_HEADER, others=", ".join(names[a] for a in others)), ""]

    def compare(row_figures: dict[str, Figure], gaps: dict[str, float | None]) -> str:
        parts = [f"{names['parents']} {labels.mean(lang, row_figures['parents'].mean)}"]
        base = row_figures["parents"].mean
        for a in others:
            gap = (
                labels.shown_difference(row_figures[a].mean, base)
                if gaps.get(a) is not None
                else None
            )
            suffix = f" ({labels.signed(lang, gap)})" if gap is not None else ""
            parts.append(f"{names[a]} {labels.mean(lang, row_figures[a].mean)}{suffix}")
        return " · ".join(parts)

    for row in c.themes:
        lines += [f"🧭 {row.text}", f"  {compare(row.figures, row.gaps)}"]
        for s in sorted(
            (s for s in c.statements if s.theme_id == row.id),
            key=lambda s: -max((abs(g) for g in s.gaps.values() if g is not None), default=0.0),
        ):
            lines += [f"  • {s.text}", f"    {compare(s.figures, s.gaps)}"]
        lines.append("")
    return lines


def _breakdown_view(report: RoundReport, dimension: str) -> list[str]:
    lang = report.language
    p = report.participation
    part = p.by_language if dimension == "language" else p.by_group
    lines = ["👪 " + t(lang, PARTICIPATION)]
    for c in part.cells:
        expected = f"/{c.expected}" if c.expected else ""
        lines.append(f"• {c.label}: {labels.count(c.started)}{expected if c.shown else ''}")
    if part.hidden_together is not None:
        lines.append(f"• {t(lang, labels.HIDDEN_TOGETHER)}: {part.hidden_together}")
    lines.append("")
    b: Breakdown = report.breakdowns[dimension]
    if not b.available:
        why = {"joint": NOT_JOINTLY, "changed": CHANGED}.get(b.withheld or "", NOT_YET_CLOSED)
        return [*lines, t(lang, why)]
    if not b.cells:
        return [*lines, t(lang, NO_DATA)]
    cell_labels = {c.key: c.label for c in b.cells}
    titles = {th.theme_id: th.title for th in report.themes}
    for row in b.themes:
        lines.append(f"🧭 {titles.get(row.id, row.id)}")
        lines.append(
            "  "
            + " · ".join(
                f"{cell_labels[k]} {labels.mean(lang, f.mean)}" for k, f in row.figures.items()
            )
        )
    return lines


LINE_BREAK_MARK = " ¶ "  # stands for a line break inside an open answer (Latin-1: every font)
LINE_BREAKS = ("\r\n", "\r", "\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
# Explicit bidi embeddings, overrides and isolates: inside an answer they could reorder what
# follows it (a "right-to-left override" turns the next line around). Marks (LRM, RLM) stay.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"


def open_answer(text: str, *, isolate: bool = True) -> str:
    """A parent's open answer as staff see it, in every view (chat, command line, files).

    One line: line breaks become " ¶ ", so an answer cannot forge lines of the report; other
    control characters become spaces; bidi embeddings, overrides and isolates are dropped, and
    (`isolate`) the answer sits in one first-strong isolate, so an Arabic or Hebrew answer keeps
    its own direction without turning the text around it.
    """
    for brk in LINE_BREAKS:
        text = text.replace(brk, LINE_BREAK_MARK)
    text = "".join(
        " " if unicodedata.category(ch) == "Cc" else ch for ch in text if ch not in BIDI_CONTROLS
    )
    return f"{FIRST_STRONG_ISOLATE}{text}{POP_DIRECTIONAL_ISOLATE}" if isolate else text


def _open_view(report: RoundReport) -> list[str]:
    lang = report.language
    if not report.open_answers:
        return [t(lang, NO_DATA)]
    lines: list[str] = []
    for q in report.open_answers:
        lines.append(f"💬 {q.text}")
        if not q.shown:
            lines.append(t(lang, OPEN_HIDDEN, minimum=report.thresholds.min_open))
        else:
            lines.append(t(lang, OPEN_COUNTS, texts=q.text_count, voices=q.voice_count))
            lines += [f"  • [{o.language_label}] {open_answer(o.text)}" for o in q.texts]
            if q.voice_file_ids:
                lines.append(t(lang, VOICE_IDS, ids=", ".join(q.voice_file_ids)))
        lines.append("")
    return lines


def _frameworks_view(report: RoundReport) -> list[str]:
    lang, fw = report.language, report.frameworks
    lines: list[str] = []
    for header, items in (
        (STARS_HEADER, fw.stars),
        (GOALS_HEADER, fw.goals),
        (MATRIX_HEADER, fw.matrix),
    ):
        lines.append("⭐ " + t(lang, header))
        lines += [
            f"• {item.label}: {labels.mean(lang, item.figure.mean)}"
            for item in items
            if item.themes
        ]
        missing = [item.label.split(":")[0] for item in items if not item.themes]
        if missing:
            lines.append(t(lang, NOT_ASKED, items=", ".join(missing)))
        lines.append("")
    return lines


def _trend_view(report: RoundReport) -> list[str]:
    lang, tr = report.language, report.trend
    if tr is None:
        return [t(lang, NO_TREND)]
    lines = [
        t(lang, TREND_HEADER, date=labels.date(lang, tr.previous_opens_at)),
        t(lang, TREND_PARTICIPATION, now=report.participation.started, before=tr.previous_started),
        "",
    ]
    for row in tr.themes:
        lines.append(
            f"🧭 {row.text}: {labels.mean(lang, row.before)} → {labels.mean(lang, row.now)}"
            + (
                f" ({labels.signed(lang, labels.shown_difference(row.now, row.before))})"
                if row.change is not None
                else ""
            )
        )
    return lines


def _fit(language: str, lines: list[str]) -> str:
    """Join lines; cut at a line boundary to stay within one Telegram message."""
    text = "\n".join(lines).strip()
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    cut = t(language, CUT)
    budget = MAX_MESSAGE_CHARS - len(cut) - 1
    kept: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > budget:
            break
        kept.append(line)
        size += len(line) + 1
    if not kept:  # one very long line: cut inside it
        return text[:budget] + "\n" + cut
    return "\n".join(kept).rstrip() + "\n" + cut


OVERVIEW_TITLE = N_("Overzicht over {schools} scholen ({with_round} met een ronde)")
OVERVIEW_TOTAL = N_(
    "Samen: {started} begonnen, {completed} vulden alles in; {counted} meegeteld uit {in_figures} scholen."
)
OVERVIEW_EXPECTED = N_("Verwacht: {expected} gezinnen.")
OVERVIEW_THEMES = N_("Thema's samen (gemiddelde van 1 tot 5)")
OVERVIEW_SCHOOLS = N_("Per school, in alfabetische volgorde (geen rangschikking)")
OVERVIEW_SCHOOL = N_("{name}: {started} begonnen{expected}")
OVERVIEW_NO_ROUND = N_("{name}: nog geen ronde")


def overview_text(overview: Overview) -> str:
    """Schools side by side (brugfiguur) or the centre's total (coordinator), as one message."""
    lang, total = overview.language, overview.total
    lines = [
        t(lang, OVERVIEW_TITLE, schools=total.schools, with_round=total.schools_with_round),
        t(
            lang,
            OVERVIEW_TOTAL,
            started=total.started,
            completed=total.completed,
            counted=total.counted,
            in_figures=total.schools_in_figures,
        ),
    ]
    if total.expected:
        lines.append(t(lang, OVERVIEW_EXPECTED, expected=total.expected))
    lines += ["", "🧭 " + t(lang, OVERVIEW_THEMES)]
    lines += [f"• {th.title}: {labels.mean(lang, th.figure.mean)}" for th in total.themes]
    titles = {th.theme_id: th.title for th in total.themes}
    if overview.schools:
        lines += ["", "🏫 " + t(lang, OVERVIEW_SCHOOLS)]
        for s in overview.schools:
            if s.round_id is None:
                lines.append(t(lang, OVERVIEW_NO_ROUND, name=s.name))
                continue
            expected = f"/{s.expected}" if s.expected else ""
            lines.append(
                t(lang, OVERVIEW_SCHOOL, name=s.name, started=s.started, expected=expected)
            )
            lines.append(
                "  "
                + " · ".join(
                    f"{titles.get(k, k)} {labels.mean(lang, f.mean)}" for k, f in s.themes.items()
                )
            )
    lines += ["", t(lang, HIDDEN_NOTE)]
    return _fit(lang, lines)
