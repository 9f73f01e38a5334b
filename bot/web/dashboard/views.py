"""The dashboard's pages as data: sections of charts, tables and text, built from the report
model (`bot.reports.model`) and nothing else, so what the model hides the page cannot show.

    report_page(report, say) -> {"title", "subtitle", "sections": [section]}
    overview_page(overview, say) -> the same shape, for schools side by side or a centre

A section is `{"id", "title", "blocks": [block]}`; a block is one of
`{"kind": "chart", "svg", "label", "legend": [{"css", "text"}]}`,
`{"kind": "table", "caption", "head": [str], "rows": [[str]]}`,
`{"kind": "text", "text"}`, `{"kind": "list", "items": [str]}`,
`{"kind": "downloads", "formats": [{"format", "label", "name"}]}` (`name`: what a screen
reader says for the button). Every number is already a string,
formatted by `bot.reports.labels` exactly as the chat shows it ("3,8", "45%", the hidden mark "–").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.flow_model import DONT_KNOW, SCALE_VALUES
from bot.reports import labels
from bot.reports.model import Figure, FrameworkItem, Overview, RoundReport, Statement
from bot.reports.text import open_answer, report_title, summary_sections
from bot.texts import dashboard as T
from bot.web.dashboard import svg

Say = Callable[..., str]
Block = dict[str, Any]
Section = dict[str, Any]
DOWNLOADS = ("pdf", "xlsx", "csv")  # the files /rapport sends (bot.tg.callbacks.FileFormat)
SIDE_CSS = {"parents": "side-parents", "team": "side-team", "pupils": "side-pupils"}


def _chart(svg_text: str, label: str, legend: list[Block] | None = None) -> Block:
    return {"kind": "chart", "svg": svg_text, "label": label, "legend": legend or []}


def _table(caption: str, head: list[str], rows: list[list[str]]) -> Block:
    return {"kind": "table", "caption": caption, "head": head, "rows": rows}


def _text(text: str) -> Block:
    return {"kind": "text", "text": text}


def _section(id_: str, title: str, blocks: list[Block]) -> Section:
    return {"id": id_, "title": title, "blocks": blocks}


def _mean(report: RoundReport, value: float | None) -> str:
    return labels.mean(report.language, value)


def _face_legend(report: RoundReport, figure: Figure, say: Say) -> list[Block]:
    counts = figure.counts or {}
    return [
        {
            "css": svg.FACE_CLASSES[v],
            "text": f"{say(labels.FACE_LABELS[v])}: {counts.get(v, 0) if figure.shown else labels.HIDDEN}",
        }
        for v in (*SCALE_VALUES, DONT_KNOW)
    ]


def _statement_row(report: RoundReport, s: Statement) -> list[str]:
    f = s.figure
    return [
        s.text,
        _mean(report, f.mean),
        labels.percent(report.language, f.positive_share),
        labels.count(f.n),
    ]


def report_page(report: RoundReport, say: Say) -> dict[str, Any]:
    """Every view of one round, in the order a team meeting reads them."""
    title, _, subtitle = report_title(report).partition("\n")
    sections = [
        _participation(report, say),
        _themes(report, say),
        _statements(report, say),
        _team(report, say),
        _trend(report, say),
        *_frameworks(report, say),
        _open(report, say),
        _tips(report, say),
        _section(
            "downloads",
            say(T.SECTION_DOWNLOADS),
            [
                {
                    "kind": "downloads",
                    "formats": [
                        {
                            "format": f,
                            "label": f"📄 {f.upper()}",
                            "name": say(T.DOWNLOAD_LABEL, format=f.upper()),
                        }
                        for f in DOWNLOADS
                    ],
                },
                _text(say(T.DOWNLOAD_NOTE)),
            ],
        ),
    ]
    return {
        "title": title,
        "subtitle": subtitle,
        "legend": say(T.HIDDEN_LEGEND),
        "sections": [s for s in sections if s["blocks"]],
    }


def _participation(report: RoundReport, say: Say) -> Section:
    p = report.participation
    lines = summary_sections(report)[0][2]  # the chat's own participation lines
    blocks: list[Block] = [{"kind": "list", "items": lines}]
    groups = [c for c in p.by_group.cells]
    if groups:
        blocks.append(
            _chart(
                svg.participation(
                    [(c.label, c.started, c.expected) for c in groups], say(T.PARTICIPATION_CHART)
                ),
                say(T.PARTICIPATION_CHART),
            )
        )
        blocks.append(
            _table(
                say(T.PARTICIPATION_CHART),
                [say(T.COL_GROUP), say(T.COL_STARTED), say(T.COL_COMPLETED), say(T.COL_EXPECTED)],
                [
                    [
                        c.label,
                        labels.count(c.started),
                        labels.count(c.completed),
                        str(c.expected) if c.expected else "",
                    ]
                    for c in groups
                ],
            )
        )
    languages = p.by_language.cells
    if languages:
        blocks.append(
            _table(
                say(T.COL_LANGUAGE),
                [say(T.COL_LANGUAGE), say(T.COL_STARTED), say(T.COL_COMPLETED)],
                [[c.label, labels.count(c.started), labels.count(c.completed)] for c in languages],
            )
        )
    return _section("participation", say(T.SECTION_PARTICIPATION), blocks)


def _themes(report: RoundReport, say: Say) -> Section:
    if not report.themes:
        return _section("themes", say(T.SECTION_THEMES), [])
    rows = [
        svg.Bar(th.title, th.figure.mean, _mean(report, th.figure.mean)) for th in report.themes
    ]
    blocks: list[Block] = [_chart(svg.bars(rows, say(T.MEANS_CHART)), say(T.MEANS_CHART))]
    for th in report.themes:
        label = say(T.FACES_CHART, title=th.title)
        blocks.append(
            _chart(svg.faces(th.figure, label), label, _face_legend(report, th.figure, say))
        )
    blocks.append(
        _table(
            say(T.SECTION_THEMES),
            [say(T.COL_THEME), say(T.COL_MEAN), say(T.COL_POSITIVE), say(T.COL_ANSWERS)],
            [
                [
                    th.title,
                    _mean(report, th.figure.mean),
                    labels.percent(report.language, th.figure.positive_share),
                    labels.count(th.figure.n),
                ]
                for th in report.themes
            ],
        )
    )
    return _section("themes", say(T.SECTION_THEMES), blocks)


def by_strength(report: RoundReport) -> list[Statement]:
    """Scale statements from the highest mean to the lowest; hidden ones last, in flow order."""
    scale = [s for s in report.statements if s.type == "scale"]
    shown = sorted(
        (s for s in scale if s.figure.mean is not None), key=lambda s: -(s.figure.mean or 0)
    )
    return shown + [s for s in scale if s.figure.mean is None]


def _statements(report: RoundReport, say: Say) -> Section:
    ordered = by_strength(report)
    blocks: list[Block] = []
    if ordered:
        rows = [svg.Bar(s.text, s.figure.mean, _mean(report, s.figure.mean)) for s in ordered]
        blocks.append(_chart(svg.bars(rows, say(T.SECTION_STATEMENTS)), say(T.SECTION_STATEMENTS)))
        blocks.append(
            _table(
                say(T.SECTION_STATEMENTS),
                [say(T.COL_STATEMENT), say(T.COL_MEAN), say(T.COL_POSITIVE), say(T.COL_ANSWERS)],
                [_statement_row(report, s) for s in ordered],
            )
        )
    for s in report.statements:
        if s.type == "scale":
            continue
        counts = s.figure.counts or {}
        options = [(o.id, o.label) for o in s.options] or [
            (k, say(v)) for k, v in labels.YES_NO_LABELS.items()
        ]
        blocks.append(
            _table(
                s.text,
                [say(T.COL_OPTION), say(T.COL_ANSWERS)],
                [
                    [label, str(counts.get(id_, 0)) if s.figure.shown else labels.HIDDEN]
                    for id_, label in options
                ],
            )
        )
    return _section("statements", say(T.SECTION_STATEMENTS), blocks)


def _team(report: RoundReport, say: Say) -> Section:
    c = report.comparison
    if c is None:
        return _section("team", say(T.SECTION_TEAM), [])
    audiences = ["parents", *(s.audience for s in c.sides if s.audience != "parents")]
    names = {a: say(labels.AUDIENCES.get(a, a)) for a in audiences}
    groups = [
        (
            row.text,
            [
                svg.Bar(
                    names[a],
                    row.figures[a].mean if a in row.figures else None,
                    _mean(report, row.figures[a].mean if a in row.figures else None),
                    SIDE_CSS.get(a, "bar"),
                )
                for a in audiences
            ],
        )
        for row in c.themes
    ]
    head = [say(T.COL_THEME), *(names[a] for a in audiences)]
    head += [f"{say(T.COL_GAP)} ({names[a]})" for a in audiences[1:]]
    rows = [
        [
            row.text,
            *(_mean(report, row.figures[a].mean if a in row.figures else None) for a in audiences),
            *(
                labels.signed(
                    report.language,
                    labels.shown_difference(row.figures[a].mean, row.figures["parents"].mean)
                    if row.gaps.get(a) is not None
                    else None,
                )
                for a in audiences[1:]
            ),
        ]
        for row in c.themes
    ]
    return _section(
        "team",
        say(T.SECTION_TEAM),
        [
            _chart(svg.paired(groups, say(T.GAP_CHART)), say(T.GAP_CHART)),
            _table(say(T.SECTION_TEAM), head, rows),
        ],
    )


def _trend(report: RoundReport, say: Say) -> Section:
    tr = report.trend
    if tr is None:
        return _section("trend", say(T.SECTION_TREND), [])
    now, before = say(T.COL_NOW), say(T.COL_BEFORE)
    groups = [
        (
            row.text,
            [
                svg.Bar(now, row.now, _mean(report, row.now), "bar"),
                svg.Bar(before, row.before, _mean(report, row.before), "bar-before"),
            ],
        )
        for row in tr.themes
    ]
    rows = [
        [
            row.text,
            _mean(report, row.before),
            _mean(report, row.now),
            labels.signed(report.language, labels.shown_difference(row.now, row.before)),
        ]
        for row in tr.themes
    ]
    return _section(
        "trend",
        say(T.SECTION_TREND),
        [
            _text(
                f"{labels.date(report.language, tr.previous_opens_at)} · "
                f"{say(T.COL_STARTED)}: {say(T.COL_NOW)} {report.participation.started}, "
                f"{say(T.COL_BEFORE)} {tr.previous_started}"
            ),
            _chart(svg.paired(groups, say(T.TREND_CHART)), say(T.TREND_CHART)),
            _table(
                say(T.SECTION_TREND),
                [say(T.COL_THEME), before, now, say(T.COL_CHANGE)],
                rows,
            ),
        ],
    )


def _framework_rows(report: RoundReport, items: list[FrameworkItem], say: Say) -> list[list[str]]:
    return [
        [item.label, _mean(report, item.figure.mean) if item.themes else say(T.NOT_ASKED)]
        for item in items
    ]


def _frameworks(report: RoundReport, say: Say) -> list[Section]:
    fw = report.frameworks
    sections = []
    for id_, title, items in (
        ("stars", T.SECTION_STARS, fw.stars),
        ("goals", T.SECTION_GOALS, fw.goals),
    ):
        rows = [
            svg.Bar(
                item.label,
                item.figure.mean if item.themes else None,
                _mean(report, item.figure.mean) if item.themes else say(T.NOT_ASKED),
            )
            for item in items
        ]
        sections.append(
            _section(
                id_,
                say(title),
                [
                    _chart(svg.bars(rows, say(title)), say(title)),
                    _table(say(title), ["", say(T.COL_MEAN)], _framework_rows(report, items, say)),
                ],
            )
        )
    lines = list(labels.MATRIX_LINE_LABELS)
    levels = list(labels.MATRIX_LEVEL_LABELS)
    cells: dict[tuple[int, int], str | None] = {}
    means: dict[tuple[int, int], float | None] = {}
    for item in fw.matrix:
        line, level = item.key.split(":", 1)
        if line in lines and level in levels and item.themes:
            at = (lines.index(line), levels.index(level))
            cells[at] = _mean(report, item.figure.mean)
            means[at] = item.figure.mean
    label = say(T.MATRIX_CHART)
    sections.append(
        _section(
            "matrix",
            say(T.SECTION_MATRIX),
            [
                _chart(
                    svg.heatmap(
                        [say(labels.MATRIX_LINE_LABELS[k]) for k in lines],
                        [say(labels.MATRIX_LEVEL_LABELS[k]) for k in levels],
                        cells,
                        means,
                        label,
                        say(T.NOT_ASKED),
                    ),
                    label,
                    [
                        {"css": f"heat-{i}", "text": text}
                        for i, text in ((1, "1"), (3, "3"), (5, "5"))
                    ],
                ),
                _table(
                    say(T.SECTION_MATRIX),
                    ["", say(T.COL_MEAN)],
                    _framework_rows(report, fw.matrix, say),
                ),
            ],
        )
    )
    return sections


def _open(report: RoundReport, say: Say) -> Section:
    from bot.reports.text import OPEN_COUNTS, OPEN_HIDDEN

    blocks: list[Block] = []
    for q in report.open_answers:
        blocks.append(_text(q.text))
        if not q.shown:
            blocks.append(_text(say(OPEN_HIDDEN, minimum=report.thresholds.min_open)))
            continue
        blocks.append(_text(say(OPEN_COUNTS, texts=q.text_count, voices=q.voice_count)))
        blocks.append(
            {
                "kind": "list",
                "items": [
                    f"[{o.language_label}] {open_answer(o.text, isolate=False)}" for o in q.texts
                ],
            }
        )
    return _section("open", say(T.SECTION_OPEN), blocks)


def _tips(report: RoundReport, say: Say) -> Section:
    blocks: list[Block] = []
    for tip in report.tips:
        blocks.append(_text(f"{tip.title} ({_mean(report, tip.mean)})"))
        items = [x for x in (tip.tip, *tip.reflections) if x]
        if items:
            blocks.append({"kind": "list", "items": items})
    return _section("tips", say(T.SECTION_TIPS), blocks)


def overview_page(overview: Overview, say: Say) -> dict[str, Any]:
    """Schools side by side (alphabetical, never ranked) and the total of them together."""
    from bot.reports.text import OVERVIEW_TITLE, OVERVIEW_TOTAL

    lang, total = overview.language, overview.total
    titles = {th.theme_id: th.title for th in total.themes}
    centre = [
        {
            "kind": "list",
            "items": [
                say(
                    OVERVIEW_TOTAL,
                    started=total.started,
                    completed=total.completed,
                    counted=total.counted,
                    in_figures=total.schools_in_figures,
                )
            ],
        },
        _chart(
            svg.bars(
                [
                    svg.Bar(th.title, th.figure.mean, labels.mean(lang, th.figure.mean))
                    for th in total.themes
                ],
                say(T.MEANS_CHART),
            ),
            say(T.MEANS_CHART),
        ),
    ]
    sections = [_section("centre", say(T.SECTION_CENTRE), centre)]
    if overview.schools:
        sections.append(_schools_side_by_side(overview, titles, say))
    return {
        "title": say(T.SECTION_OVERVIEW),
        "subtitle": say(OVERVIEW_TITLE, schools=total.schools, with_round=total.schools_with_round),
        "legend": say(T.HIDDEN_LEGEND),
        "sections": sections,
    }


def _schools_side_by_side(overview: Overview, titles: dict[str, str], say: Say) -> Section:
    """Theme by theme, each school's mean under the other's; the table has a column per school
    (a phone shows three or four schools across, where ten theme columns would not fit)."""
    lang, schools = overview.language, overview.schools

    def mean_of(school: Any, theme_id: str) -> tuple[float | None, str]:
        f = school.themes.get(theme_id)
        return (f.mean, labels.mean(lang, f.mean)) if f is not None else (None, labels.HIDDEN)

    groups = [
        (title, [svg.Bar(s.name, *mean_of(s, theme_id)) for s in schools])
        for theme_id, title in titles.items()
    ]
    started = [str(s.started) if s.round_id is not None else labels.HIDDEN for s in schools]
    expected = [str(s.expected) if s.expected else "" for s in schools]
    rows = [
        [say(T.COL_STARTED), *started],
        [say(T.COL_EXPECTED), *expected],
        *(
            [title, *(mean_of(s, theme_id)[1] for s in schools)]
            for theme_id, title in titles.items()
        ),
    ]
    return _section(
        "schools",
        say(T.SECTION_OVERVIEW),
        [
            _chart(svg.grouped(groups, say(T.SCHOOLS_CHART)), say(T.SCHOOLS_CHART)),
            _table(say(T.SECTION_OVERVIEW), ["", *(s.name for s in schools)], rows),
        ],
    )
