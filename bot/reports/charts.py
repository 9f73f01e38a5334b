"""PNG charts of a report, made to be read on a phone.

Large type, one message per chart, a colour-blind-safe palette (ColorBrewer PuOr for the five
faces, Okabe-Ito for parents/team/pupils, with different marker shapes too), and the five faces
drawn as small vector faces in the legend: matplotlib's fonts have no emoji. Charts are drawn
from the report model only, so a hidden figure has no bar to draw. `figures()` returns the
matplotlib figures (tests read their texts); `charts()` renders them to PNG bytes.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Circle, Patch, PathPatch, Rectangle
from matplotlib.path import Path
from matplotlib.textpath import TextPath

from bot.flow_model import DONT_KNOW, SCALE_VALUES
from bot.i18n import N_, t
from bot.reports import labels
from bot.reports.model import Figure, RoundReport

FACE_COLOURS = {
    "1": "#b35806",
    "2": "#f1a340",
    "3": "#cfcfcf",
    "4": "#998ec3",
    "5": "#542788",
    DONT_KNOW: "#ffffff",
}
DARK_FACES = {"1", "5"}  # white labels on these
SIDE_STYLE = {  # Okabe-Ito colours plus distinct markers
    "parents": ("#E69F00", "o"),
    "team": ("#0072B2", "s"),
    "pupils": ("#009E73", "^"),
}
INK = "#222222"
STARTED_COLOUR = "#9ecae1"
COMPLETED_COLOUR = "#08519c"
FONT = 15
WIDTH = 8.0  # inches; 160 dpi gives 1280 px, sharp on a phone
DPI = 160
LABEL_LINES = 3  # a longer statement is shortened with "…" (the tables hold it whole)
LABEL_GAP = 0.15  # inches between a row label and its bar
IN_BAR_PAD = 0.03  # inches a percentage keeps free inside its segment, each side
ROW = 0.62  # inches per bar
STACK_LEFT = 0.42  # where the bars start, as a fraction of the figure width
COLUMN_GAP = 0.14  # inches between the bars, the mean column and the "weet niet" column

PARTICIPATION_TITLE = N_("Deelname")
GROUPS_HEADING = N_("Per klas of groep")
LANGUAGES_HEADING = N_("Per taal")
STARTED = N_("begonnen")
COMPLETED = N_("alles ingevuld")
EXPECTED = N_("verwacht")
TOTAL = N_("Totaal")
THEMES_TITLE = N_("Hoe ouders de thema's zien")
STATEMENTS_TITLE = N_("Alle uitspraken, van sterk naar zwak")
MEAN_SUFFIX = N_("gemiddelde")
DONTKNOW_SUFFIX = N_("weet niet")
SIDES_TITLE = N_("Ouders naast team: gemiddelde per thema")
TREND_TITLE = N_("Deze ronde naast de vorige")
NOW = N_("nu")
BEFORE = N_("vorige ronde")
SCALE_AXIS = N_("1 = nee · 5 = ja")
HIDDEN_LEGEND = N_("– = niet apart getoond, zodat geen kleine groep herkenbaar is")
FOOTER = N_("{school} · ronde {round} · {counted} ingevulde lijsten meegeteld · Ouderstem")


def charts(report: RoundReport) -> list[tuple[str, bytes]]:
    """(file name, PNG bytes) for each chart the report has data for."""
    return [(name, render(fig)) for name, fig in figures(report)]


def render(fig: MplFigure) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Glyph .* missing"
        )  # a group name in a rare script
        FigureCanvasAgg(fig)
        fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def figures(report: RoundReport) -> list[tuple[str, MplFigure]]:
    out = _collect(report)
    footer = t(
        report.language,
        FOOTER,
        school=report.round.school_name,
        round=report.round.id,
        counted=report.participation.counted,
    )
    for _, fig in out:  # the context travels with an image forwarded on its own
        fig.text(0.02, 0.12 / fig.get_size_inches()[1], footer, fontsize=FONT - 5, color="#555555")
    return out


def _collect(report: RoundReport) -> list[tuple[str, MplFigure]]:
    out = [("deelname.png", _participation(report))]
    themes = [th for th in report.themes if th.figure.mean is not None]
    if themes:
        rows = [
            (th.title, th.figure) for th in sorted(themes, key=lambda th: -(th.figure.mean or 0))
        ]
        out.append(("themas.png", _stacked(report, t(report.language, THEMES_TITLE), rows)))
    statements = [s for s in report.statements if s.type == "scale" and s.figure.mean is not None]
    if statements:
        rows = [(s.text, s.figure) for s in sorted(statements, key=lambda s: -(s.figure.mean or 0))]
        out.append(("uitspraken.png", _stacked(report, t(report.language, STATEMENTS_TITLE), rows)))
    if report.comparison and any(
        f.mean is not None for row in report.comparison.themes for f in row.figures.values()
    ):
        out.append(("ouders-team.png", _sides(report)))
    if report.trend and any(
        r.now is not None and r.before is not None for r in report.trend.themes
    ):
        out.append(("trend.png", _trend(report)))
    return out


# ---- drawing helpers -------------------------------------------------------------------------


def _figure(height: float) -> MplFigure:
    fig = MplFigure(figsize=(WIDTH, height))
    fig.patch.set_facecolor("white")
    return fig


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The drawn width of one line of text in inches (matplotlib's own font metrics)."""
    props = FontProperties(size=size, weight="bold" if bold else "normal")
    return float(TextPath((0, 0), text, prop=props).get_extents().width) / 72


def _wrap(text: str, width_in: float, size: float, lines: int = LABEL_LINES) -> str:
    """Lines that each fit `width_in` inches, at most `lines` of them, shortened with "…"."""
    words, out, current = text.split(), [], ""
    for word in words:
        trial = f"{current} {word}".strip()
        if current and text_width(trial, size) > width_in:
            out.append(current)
            current = word
        else:
            current = trial
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines]
        last = out[-1]
        while last and text_width(last + " …", size) > width_in:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        out[-1] = last + " …"
    return "\n".join(out) or text


def draw_face(ax: object, x: float, y: float, r: float, value: str) -> None:
    """A face for a scale value at (x, y), radius r, in an axes whose units are equal."""
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    colour = FACE_COLOURS[value]
    ax.add_patch(
        Circle(
            (x, y),
            r,
            facecolor=colour,
            edgecolor=INK,
            linewidth=1.6,
            hatch="//" if value == DONT_KNOW else None,
        )
    )
    if value == DONT_KNOW:
        ax.text(
            x, y, "?", ha="center", va="center", fontsize=FONT + 1, fontweight="bold", color=INK
        )
        return
    feature = "white" if value in DARK_FACES else INK
    for dx in (-0.33, 0.33):
        ax.add_patch(Circle((x + dx * r, y + 0.28 * r), 0.11 * r, color=feature))
    bend = {"1": -0.42, "2": -0.2, "3": 0.0, "4": 0.2, "5": 0.42}[value] * r
    mouth_y = y - 0.32 * r - (0.1 * r if value in "12" else 0)
    path = Path(
        [(x - 0.45 * r, mouth_y), (x, mouth_y - 2 * bend), (x + 0.45 * r, mouth_y)],
        [Path.MOVETO, Path.CURVE3, Path.CURVE3],
    )
    ax.add_patch(PathPatch(path, fill=False, edgecolor=feature, linewidth=2.4, capstyle="round"))


def _face_legend(fig: MplFigure, language: str, top: float, height_in: float) -> None:
    """The six answers as faces with their words, across the top of the figure."""
    fig_w, fig_h = fig.get_size_inches()
    h = 0.95
    ax = fig.add_axes((0.02, top - h / fig_h, 0.96, h / fig_h))
    w_in = 0.96 * fig_w
    ax.set_xlim(0, w_in)
    ax.set_ylim(0, h)
    ax.axis("off")
    values = (*SCALE_VALUES, DONT_KNOW)
    step = w_in / len(values)
    for i, value in enumerate(values):
        cx = step * (i + 0.5)
        draw_face(ax, cx, 0.62, 0.22, value)
        ax.text(
            cx,
            0.18,
            t(language, labels.FACE_LABELS[value]),
            ha="center",
            va="center",
            fontsize=FONT - 3,
            color=INK,
        )


def _stacked(report: RoundReport, title: str, rows: Sequence[tuple[str, Figure]]) -> MplFigure:
    """100% bars of the faces per row, strongest on top; the mean and "weet niet" at the right.

    A percentage is written inside its segment only where it fits with room to spare; the
    "don't know" share gets its own column, so it never crowds the hatched segment.
    """
    lang = report.language
    label_width = STACK_LEFT * WIDTH - 0.1 - LABEL_GAP
    wrapped = [_wrap(label, label_width, FONT - 3) for label, _ in rows]
    lines = [w.count("\n") + 1 for w in wrapped]
    body = sum(max(ROW, 0.3 * n + 0.22) for n in lines)
    height = body + 2.2
    fig = _figure(height)
    fig.suptitle(
        title, fontsize=FONT + 3, fontweight="bold", x=0.02, ha="left", y=1 - 0.25 / height
    )
    _face_legend(fig, lang, 1 - 0.55 / height, height)
    any_dontknow = any((f.counts or {}).get(DONT_KNOW, 0) for _, f in rows)
    # the columns right of the bars, measured: the mean, then "weet niet", never overlapping
    mean_w = max(
        [text_width(t(lang, MEAN_SUFFIX), FONT - 5)]
        + [text_width(labels.mean(lang, f.mean), FONT, bold=True) for _, f in rows]
    )
    dontknow_w = text_width(t(lang, DONTKNOW_SUFFIX), FONT - 5) if any_dontknow else 0.0
    right = COLUMN_GAP + mean_w + (COLUMN_GAP + max(dontknow_w, 0.5) if any_dontknow else 0)
    bar_inches = (1 - STACK_LEFT - 0.02) * WIDTH - right
    ax = fig.add_axes((STACK_LEFT, 0.5 / height, bar_inches / WIDTH, body / height))
    mean_x = 1 + COLUMN_GAP / bar_inches
    dontknow_x = mean_x + (mean_w + COLUMN_GAP) / bar_inches
    values = (*SCALE_VALUES, DONT_KNOW)
    ys = list(range(len(rows)))[::-1]
    for y, (_, figure) in zip(ys, rows, strict=True):
        counts = figure.counts or {}
        n = sum(counts.get(v, 0) for v in values) or 1
        left = 0.0
        for v in values:
            share = counts.get(v, 0) / n
            if share <= 0:
                continue
            ax.barh(
                y,
                share,
                left=left,
                height=0.72,
                color=FACE_COLOURS[v],
                edgecolor=INK,
                linewidth=0.6,
                hatch="//" if v == DONT_KNOW else None,
            )
            text = labels.percent(lang, share)
            room = share * bar_inches - 2 * IN_BAR_PAD
            if v != DONT_KNOW and text_width(text, FONT - 4) <= room:
                ax.text(
                    left + share / 2,
                    y,
                    text,
                    ha="center",
                    va="center",
                    fontsize=FONT - 4,
                    color="white" if v in DARK_FACES else INK,
                )
            left += share
        ax.text(
            mean_x,
            y,
            labels.mean(lang, figure.mean),
            ha="left",
            va="center",
            fontsize=FONT,
            fontweight="bold",
            color=INK,
        )
        if any_dontknow:
            ax.text(
                dontknow_x,
                y,
                labels.percent(lang, counts.get(DONT_KNOW, 0) / n),
                ha="left",
                va="center",
                fontsize=FONT - 3,
                color=INK,
            )
    ax.set_yticks(ys, wrapped, fontsize=FONT - 3)
    ax.tick_params(axis="y", length=0, pad=LABEL_GAP * 72)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    for x, words in ((mean_x, MEAN_SUFFIX), (dontknow_x, DONTKNOW_SUFFIX)):
        if words is DONTKNOW_SUFFIX and not any_dontknow:
            continue
        ax.text(
            x,
            len(rows) - 0.45,
            t(lang, words),
            ha="left",
            va="bottom",
            fontsize=FONT - 5,
            color="#555555",
        )
    return fig


BarRow = tuple[
    str, int | None, int | None, int | None, bool
]  # label, started, done, expected, heading


def _participation(report: RoundReport) -> MplFigure:
    """Started and completed against expected: the total, each class group, each language."""
    lang, p = report.language, report.participation
    rows: list[BarRow] = [(t(lang, TOTAL), p.started, p.completed, p.expected, False)]
    for section, part, with_expected in (
        (GROUPS_HEADING, p.by_group, True),
        (LANGUAGES_HEADING, p.by_language, False),
    ):
        if len(part.cells) < 2:
            continue
        rows.append((t(lang, section), None, None, None, True))
        rows += [
            (c.label, c.started, c.completed, c.expected if with_expected else None, False)
            for c in part.cells
        ]
        if part.hidden_together is not None:
            rows.append((t(lang, labels.HIDDEN_TOGETHER), part.hidden_together, None, None, False))
    height = 2.2 + ROW * len(rows)
    fig = _figure(height)
    fig.suptitle(
        t(lang, PARTICIPATION_TITLE),
        fontsize=FONT + 3,
        fontweight="bold",
        x=0.02,
        ha="left",
        y=1 - 0.25 / height,
    )
    ax = fig.add_axes((0.34, 0.8 / height, 0.58, (height - 1.9) / height))
    ys = list(range(len(rows)))[::-1]
    top = max([v for _, s, _, e, _ in rows for v in (s, e) if v] or [1])
    for y, (_, started, completed, expected, heading) in zip(ys, rows, strict=True):
        if heading:
            continue
        if expected:
            ax.barh(
                y,
                expected,
                height=0.74,
                color="white",
                edgecolor="#777777",
                linewidth=1.2,
                linestyle="--",
            )
        if started is None:
            ax.text(top * 0.01, y, labels.HIDDEN, ha="left", va="center", fontsize=FONT, color=INK)
            continue
        ax.barh(y, started, height=0.74, color=STARTED_COLOUR, edgecolor=INK, linewidth=0.6)
        if completed is not None:
            ax.barh(y, completed, height=0.38, color=COMPLETED_COLOUR)
        text = str(started) + (f" / {expected}" if expected else "")
        ax.text(
            max(started, expected or 0) + top * 0.02,
            y,
            text,
            ha="left",
            va="center",
            fontsize=FONT - 2,
            color=INK,
        )
    label_width = 0.34 * WIDTH - 0.1 - LABEL_GAP
    ax.set_yticks(ys, [_wrap(row[0], label_width, FONT - 3) for row in rows], fontsize=FONT - 3)
    ax.tick_params(axis="y", length=0, pad=LABEL_GAP * 72)
    for tick, row in zip(ax.get_yticklabels(), rows, strict=True):
        if row[4]:
            tick.set_fontweight("bold")
            tick.set_fontsize(FONT - 1)
    ax.set_xlim(0, top * 1.3)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0, pad=LABEL_GAP * 72)
    handles = [
        Patch(facecolor=STARTED_COLOUR, edgecolor=INK, label=t(lang, STARTED)),
        Patch(facecolor=COMPLETED_COLOUR, label=t(lang, COMPLETED)),
        Patch(facecolor="white", edgecolor="#777777", linestyle="--", label=t(lang, EXPECTED)),
    ]
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.02, 1 - 0.55 / height),
        ncols=3,
        fontsize=FONT - 3,
        frameon=False,
    )
    if any(started is None for _, started, _, _, heading in rows if not heading):
        fig.text(0.02, 0.45 / height, t(lang, HIDDEN_LEGEND), fontsize=FONT - 4, color=INK)
    return fig


def _dots(
    report: RoundReport,
    title: str,
    rows: Sequence[tuple[str, dict[str, float | None]]],
    series: Sequence[tuple[str, str, str, str]],
) -> MplFigure:
    """Means on the 1-5 scale as dots, one row per theme, joined by a line (the gap)."""
    lang = report.language
    wrapped = [_wrap(label, 0.36 * WIDTH - 0.1 - LABEL_GAP, FONT - 3) for label, _ in rows]
    body = sum(max(ROW, 0.3 * (w.count("\n") + 1) + 0.25) for w in wrapped)
    height = body + 2.1
    fig = _figure(height)
    fig.suptitle(
        title, fontsize=FONT + 3, fontweight="bold", x=0.02, ha="left", y=1 - 0.25 / height
    )
    ax = fig.add_axes((0.36, 0.95 / height, 0.58, body / height))
    ys = list(range(len(rows)))[::-1]
    for y, (_, means) in zip(ys, rows, strict=True):
        present = [m for m in means.values() if m is not None]
        if len(present) >= 2:
            ax.plot([min(present), max(present)], [y, y], color="#999999", linewidth=3, zorder=1)
        placed = sorted((v, k) for k, v in means.items() if v is not None)
        for key, _, colour, marker in series:
            value = means.get(key)
            if value is None:
                continue
            ax.scatter([value], [y], s=230, color=colour, marker=marker, edgecolor=INK, zorder=3)
            # lowest value labelled on its left, highest on its right, any middle one above
            where = [k for _, k in placed].index(key)
            offset, ha = ((0, 14), "center")
            if len(placed) > 1 and where == 0:
                offset, ha = (-14, -5), "right"
            elif len(placed) > 1 and where == len(placed) - 1:
                offset, ha = (14, -5), "left"
            ax.annotate(
                labels.mean(lang, value),
                (value, y),
                textcoords="offset points",
                xytext=offset,
                ha=ha,
                fontsize=FONT - 3,
                color=INK,
            )
    ax.set_yticks(ys, wrapped, fontsize=FONT - 3)
    ax.set_xlim(0.5, 5.5)
    ax.set_ylim(-0.6, len(rows) - 0.2)
    ax.set_xticks([1, 2, 3, 4, 5], ["1", "2", "3", "4", "5"], fontsize=FONT - 3)
    ax.set_xlabel(t(lang, SCALE_AXIS), fontsize=FONT - 3)
    ax.grid(axis="x", color="#e5e5e5")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0, pad=LABEL_GAP * 72)
    handles = [
        ax.scatter([], [], s=160, color=colour, marker=marker, edgecolor=INK, label=label)
        for _, label, colour, marker in series
    ]
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.02, 1 - 0.6 / height),
        ncols=len(series),
        fontsize=FONT - 2,
        frameon=False,
    )
    return fig


def _sides(report: RoundReport) -> MplFigure:
    lang, c = report.language, report.comparison
    assert c is not None
    audiences = [s.audience for s in c.sides]
    series = [
        (a, t(lang, labels.AUDIENCES[a]), *SIDE_STYLE[a]) for a in audiences if a in SIDE_STYLE
    ]
    rows = [(row.text, {a: row.figures[a].mean for a in audiences}) for row in c.themes]
    return _dots(report, t(lang, SIDES_TITLE), rows, series)


def _trend(report: RoundReport) -> MplFigure:
    lang, tr = report.language, report.trend
    assert tr is not None
    series = [
        ("before", t(lang, BEFORE), "#999999", "o"),
        ("now", t(lang, NOW), SIDE_STYLE["team"][0], "D"),
    ]
    rows = [(row.text, {"before": row.before, "now": row.now}) for row in tr.themes]
    return _dots(report, t(lang, TREND_TITLE), rows, series)


# ---- the involvement matrix (the printed report's "Kaders" page) ------------------------------

MATRIX_TITLE = N_("Betrokkenheid: gemiddelde per lijn en niveau")
NOT_ASKED = N_("niet gevraagd")
HEAT_COLOURS = ("#b35806", "#f1a340", "#e0e0e0", "#998ec3", "#542788")  # weak .. strong (PuOr)
DARK_HEAT = {0, 4}  # white text on these


def heat_colour(mean: float) -> str:
    """The cell's colour by its mean, 1-5 in five steps (the number is always written in it)."""
    step = int(max(0.0, min(0.999, (mean - 1) / 4)) * len(HEAT_COLOURS))
    return HEAT_COLOURS[step]


def matrix_chart(report: RoundReport) -> bytes | None:
    """The 4x3 involvement matrix as a heat map, each cell with its mean (or the hidden mark,
    or "niet gevraagd"); None when no theme of this flow maps onto it. Only the PDF draws it:
    /rapport sends the same numbers as a table, its charts stay as they were."""
    lang = report.language
    lines, levels = list(labels.MATRIX_LINE_LABELS), list(labels.MATRIX_LEVEL_LABELS)
    cells: dict[tuple[int, int], float | None] = {}
    for item in report.frameworks.matrix:
        line, _, level = item.key.partition(":")
        if line in lines and level in levels and item.themes:
            cells[(lines.index(line), levels.index(level))] = item.figure.mean
    if not cells:
        return None
    height = 1.4 + 0.95 * len(lines)
    fig = _figure(height)
    fig.suptitle(
        t(lang, MATRIX_TITLE), fontsize=FONT + 3, fontweight="bold", x=0.02, ha="left",
        y=1 - 0.25 / height,
    )  # fmt: skip
    ax = fig.add_axes((0.30, 0.2 / height, 0.68, (height - 1.2) / height))
    ax.set_xlim(0, len(levels))
    ax.set_ylim(len(lines), 0)
    ax.axis("off")
    for c, level in enumerate(levels):
        ax.text(c + 0.5, -0.12, t(lang, labels.MATRIX_LEVEL_LABELS[level]), ha="center",
                va="bottom", fontsize=FONT - 2, color=INK)  # fmt: skip
    for r, line in enumerate(lines):
        ax.text(-0.08, r + 0.5,
                _wrap(t(lang, labels.MATRIX_LINE_LABELS[line]), WIDTH * 0.27, FONT - 2, 2),
                ha="right", va="center", fontsize=FONT - 2, color=INK)  # fmt: skip
        for c in range(len(levels)):
            pad = 0.04
            box = (c + pad, r + pad)
            if (r, c) not in cells:
                ax.add_patch(
                    Rectangle(box, 1 - 2 * pad, 1 - 2 * pad, fill=False, edgecolor="#595959",
                              linestyle="--", linewidth=1)
                )  # fmt: skip
                ax.text(c + 0.5, r + 0.5, t(lang, NOT_ASKED), ha="center", va="center",
                        fontsize=FONT - 4, color="#444444")  # fmt: skip
                continue
            mean = cells[(r, c)]
            colour = "#ffffff" if mean is None else heat_colour(mean)
            ax.add_patch(
                Rectangle(box, 1 - 2 * pad, 1 - 2 * pad, facecolor=colour, edgecolor="#595959",
                          linewidth=0.8)
            )  # fmt: skip
            dark = mean is not None and HEAT_COLOURS.index(colour) in DARK_HEAT
            ax.text(c + 0.5, r + 0.5, labels.mean(lang, mean), ha="center", va="center",
                    fontsize=FONT + 1, fontweight="bold",
                    color="#ffffff" if dark else INK)  # fmt: skip
    return render(fig)
