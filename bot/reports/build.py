"""Build a round's report model from the store's aggregates, applying `bot.reports.privacy` once.

Everything a reader sees later (chat text, charts, CSV, XLSX, PDF, JSON) is rendered from the
model built here, so the privacy rules are applied in one place: a figure that is hidden in the
model has no numbers left to render. Derived figures (themes, frameworks, gaps, trend) are pooled
only from figures that are shown (privacy rule 6).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from bot.errors import NotFound
from bot.flow_model import MATRIX_CELLS, Audience, Flow, Question, QuestionType, flow_library
from bot.i18n import t
from bot.reports import labels, queries
from bot.reports.figures import (
    Raw,
    closed_questions,
    figures_of,
    flow_of,
    make_figure,
    pool,
    raw_answers,
    release_basis,
    scale_questions,
)
from bot.reports.model import (
    Breakdown,
    BreakdownCell,
    BreakdownRow,
    Comparison,
    ComparisonRow,
    Figure,
    FrameworkItem,
    Frameworks,
    Highlights,
    OpenQuestion,
    OpenText,
    Option,
    Participation,
    ParticipationBreakdown,
    ParticipationCell,
    ReportOptions,
    RoundInfo,
    RoundReport,
    Side,
    Statement,
    Theme,
    Thresholds,
    Tip,
    Trend,
    TrendRow,
)
from bot.reports.privacy import (
    jointly_shown,
    merge_small,
    open_answers_shown,
    releasable,
    suppress,
)
from bot.store.protocols import ReportSource
from bot.store.records import Round

OTHER = "_other"  # the cell of languages too small to name
NO_GROUP = "0"  # the cell of respondents who came in without a class link
HIGHLIGHTS = 3  # strengths and concerns named in the summary
TIPS = 3  # weakest themes that get a reflection prompt
REFLECTIONS_PER_TIP = 2


# ---- participation -------------------------------------------------------------------------


def _participation(
    rnd: Round,
    rows: list[queries.ParticipationRow],
    groups: list[tuple[str, str, int | None]],
    options: ReportOptions,
    counted: int,
) -> tuple[Participation, dict[str, str]]:
    """Participation and the language -> cell mapping (small languages merged, rule 5)."""
    lang, minimum = options.language, options.min_closed
    started = sum(r.started for r in rows)
    completed = sum(r.completed for r in rows)
    final = sum(r.final for r in rows)

    by_lang_started: dict[str, int] = defaultdict(int)
    by_lang_completed: dict[str, int] = defaultdict(int)
    for r in rows:
        by_lang_started[r.language] += r.started
        by_lang_completed[r.language] += r.completed
    mapping = merge_small(by_lang_started, minimum, OTHER)
    lang_started: dict[str, int] = defaultdict(int)
    lang_completed: dict[str, int] = defaultdict(int)
    for code, cell in mapping.items():
        lang_started[cell] += by_lang_started[code]
        lang_completed[cell] += by_lang_completed[code]
    order = sorted(lang_started, key=lambda k: (k == OTHER, -lang_started[k], k))
    languages = _participation_breakdown(
        [(k, _language_cell_label(lang, k), None) for k in order],
        lang_started,
        lang_completed,
        minimum,
    )

    group_started: dict[str, int] = defaultdict(int)
    group_completed: dict[str, int] = defaultdict(int)
    for r in rows:
        group_started[str(r.group_key)] += r.started
        group_completed[str(r.group_key)] += r.completed
    group_cells = list(groups)
    if group_started.get(NO_GROUP) and groups:
        group_cells.append((NO_GROUP, t(lang, labels.NO_GROUP), None))
    by_group = _participation_breakdown(group_cells, group_started, group_completed, minimum)

    expected = rnd.expected
    return (
        Participation(
            expected=expected,
            started=started,
            completed=completed,
            final=final,
            counted=counted,
            started_rate=round(started / expected, 4) if expected else None,
            completed_rate=round(completed / expected, 4) if expected else None,
            by_language=languages,
            by_group=by_group,
        ),
        mapping,
    )


def _participation_breakdown(
    cells: list[tuple[str, str, int | None]],
    started: Mapping[str, int],
    completed: Mapping[str, int],
    minimum: int,
) -> ParticipationBreakdown:
    sizes = {key: started.get(key, 0) for key, _, _ in cells}
    hidden = suppress(sizes, minimum)
    out = []
    for key, label, expected in cells:
        if key in hidden:
            out.append(ParticipationCell(key=key, label=label, shown=False, expected=expected))
        else:
            out.append(
                ParticipationCell(
                    key=key,
                    label=label,
                    shown=True,
                    started=sizes[key],
                    completed=completed.get(key, 0),
                    expected=expected,
                )
            )
    together = sum(sizes[k] for k in hidden) if hidden else None
    return ParticipationBreakdown(cells=out, hidden_together=together)


def _language_cell_label(language: str, key: str) -> str:
    if key == OTHER:
        return t(language, labels.OTHER_LANGUAGES)
    return labels.language_label(language, key)


# ---- statements and themes -----------------------------------------------------------------


def _statements(flow: Flow, figures: Mapping[str, Figure], language: str) -> list[Statement]:
    out = []
    for q in closed_questions(flow):
        options = [Option(id=o.id, label=o.text) for o in q.options]
        if q.type == QuestionType.YESNO:
            options = [
                Option(id=v, label=t(language, labels.YES_NO_LABELS[v])) for v in ("yes", "no")
            ]
        out.append(
            Statement(
                question_id=q.id,
                type=q.type.value,
                theme_id=q.theme,
                text=q.text,
                options=options,
                figure=figures[q.id],
            )
        )
    return out


def _by_strength(ids: Iterable[str], figures: Mapping[str, Figure]) -> list[str]:
    """Strongest first; statements without a shown mean last, in flow order."""
    ids = list(ids)
    return sorted(
        ids,
        key=lambda q: (figures[q].mean is None, -(figures[q].mean or 0.0), ids.index(q)),
    )


def _themes(flow: Flow, figures: Mapping[str, Figure], minimum: int) -> list[Theme]:
    out = []
    for theme in flow.themes:
        items = [q.id for q in scale_questions(flow, theme.id)]
        if not items:
            continue
        out.append(
            Theme(
                theme_id=theme.id,
                title=theme.title,
                stars=list(theme.stars),
                goals=list(theme.goals),
                matrix=list(theme.matrix),
                tip=theme.tip,
                statements=_by_strength(items, figures),
                statements_shown=sum(1 for q in items if figures[q].shown),
                figure=pool((figures[q] for q in items), minimum),
            )
        )
    return out


def _highlights(flow: Flow, figures: Mapping[str, Figure]) -> Highlights:
    ranked = [
        q
        for q in _by_strength((q.id for q in scale_questions(flow)), figures)
        if figures[q].mean is not None
    ]
    strengths = ranked[:HIGHLIGHTS]
    concerns = [q for q in reversed(ranked) if q not in strengths][:HIGHLIGHTS]
    return Highlights(strengths=strengths, concerns=concerns)


def _frameworks(flow: Flow, figures: Mapping[str, Figure], options: ReportOptions) -> Frameworks:
    lang, minimum = options.language, options.min_closed

    def item(key: str, label: str, themes: list[str]) -> FrameworkItem:
        members = [figures[q.id] for th in themes for q in scale_questions(flow, th)]
        return FrameworkItem(key=key, label=label, themes=themes, figure=pool(members, minimum))

    return Frameworks(
        stars=[
            item(str(s), labels.star_label(lang, s), [th.id for th in flow.themes if s in th.stars])
            for s in labels.STARS
        ],
        goals=[
            item(str(g), labels.goal_label(lang, g), [th.id for th in flow.themes if g in th.goals])
            for g in labels.GOALS
        ],
        matrix=[
            item(c, labels.matrix_label(lang, c), [th.id for th in flow.themes if c in th.matrix])
            for c in MATRIX_CELLS
        ],
    )


def _tips(themes: list[Theme], language: str) -> list[Tip]:
    """The weakest themes by shown mean, each with reflection prompts (never a verdict)."""
    ranked = sorted(
        (th for th in themes if th.figure.mean is not None),
        key=lambda th: (th.figure.mean, themes.index(th)),
    )
    return [
        Tip(
            theme_id=th.theme_id,
            title=th.title,
            mean=th.figure.mean,
            tip=th.tip,
            reflections=[t(language, labels.STAR_REFLECTIONS[s]) for s in th.stars][
                :REFLECTIONS_PER_TIP
            ],
        )
        for th in ranked[:TIPS]
    ]


# ---- breakdowns (rule 3, 4, 5) ------------------------------------------------------------


async def _breakdown(
    store: ReportSource,
    rnd: Round,
    flow: Flow,
    dimension: queries.Dimension,
    overall: Mapping[str, Figure],
    cell_labels: Mapping[str, str],
    options: ReportOptions,
) -> Breakdown:
    assert dimension is not None
    if rnd.status != "closed":
        return Breakdown(dimension=dimension, available=False, cells=[], statements=[], themes=[])
    if await queries.left_since_close(store, rnd.id) > 0:
        return _withheld(dimension, "changed")
    minimum = options.min_closed
    sizes = await queries.counted(store, [rnd.id], dimension)
    raw = await raw_answers(store, [rnd.id], {rnd.id: flow}, dimension)
    by_cell = {cell: n for (_, cell), n in sizes.items()}
    mapping = (
        merge_small(by_cell, minimum, OTHER) if dimension == "language" else {k: k for k in by_cell}
    )
    merged: dict[str, dict[str, Raw]] = defaultdict(lambda: defaultdict(Raw))
    for (_, cell), questions in raw.items():
        for qid, answers in questions.items():
            merged[mapping.get(cell, OTHER)][qid].add(answers)
    present = {mapping[k] for k, n in by_cell.items() if n > 0}
    keys = [k for k in cell_labels if k in present]
    keys += sorted(
        (k for k in present if k not in keys),
        key=lambda k: (k == OTHER, -sum(by_cell[c] for c in by_cell if mapping[c] == k), k),
    )

    statements = []
    per_cell: dict[str, dict[str, Figure]] = {k: {} for k in keys}
    for q in closed_questions(flow):
        cell_answers = {k: merged[k].get(q.id) or Raw() for k in keys}
        hidden = set(keys) if not overall[q.id].shown else _suppress_cells(cell_answers, q, minimum)
        row = {}
        for k in keys:
            fig = Figure.hidden() if k in hidden else make_figure(cell_answers[k], minimum, q)
            row[k] = fig
            per_cell[k][q.id] = fig
        statements.append(BreakdownRow(id=q.id, figures=row))
    themes = [
        BreakdownRow(
            id=th.id,
            figures={
                k: pool((per_cell[k][q.id] for q in scale_questions(flow, th.id)), minimum)
                for k in keys
            },
        )
        for th in flow.themes
        if scale_questions(flow, th.id)
    ]
    cells = [
        BreakdownCell(key=k, label=cell_labels.get(k) or _language_cell_label(options.language, k))
        for k in keys
    ]
    return Breakdown(
        dimension=dimension, available=True, cells=cells, statements=statements, themes=themes
    )


async def _jointly_shown(store: Any, rnd: Round, minimum: int) -> bool:
    """Rule 10: may the language breakdown stand beside the class breakdown?

    Checked on the cells as they would be shown (small languages merged) and only when both
    breakdowns have at least two non-empty cells: one cell is no breakdown at all.
    """
    if rnd.status != "closed":
        return True
    cross = await queries.cross_counts(store, rnd.id)
    by_language: dict[str, int] = defaultdict(int)
    for (code, _), n in cross.items():
        by_language[code] += n
    mapping = merge_small(by_language, minimum, OTHER)
    merged: dict[tuple[str, str], int] = defaultdict(int)
    for (code, group), n in cross.items():
        merged[(mapping[code], group)] += n
    languages = {a for (a, _), n in merged.items() if n}
    groups = {b for (_, b), n in merged.items() if n}
    if len(languages) < 2 or len(groups) < 2:
        return True
    return jointly_shown(merged, minimum)


def _withheld(dimension: queries.Dimension, why: Literal["joint", "changed"]) -> Breakdown:
    assert dimension is not None
    return Breakdown(
        dimension=dimension, available=False, cells=[], statements=[], themes=[], withheld=why
    )


def _suppress_cells(cells: Mapping[str, Raw], question: Question, minimum: int) -> set[str]:
    """Rules 4 and 9 for one statement across the cells of a breakdown.

    A cell is sized by the basis of its numbers (faces given, for a scale) and must itself be
    releasable; the hidden cells, pooled, must hold the minimum and be releasable too, since a
    reader computes that pool as the total minus the shown cells.
    """
    basis = {k: release_basis(raw, question) for k, raw in cells.items()}
    # a cell with answers but no basis (only "don't know") is not empty: it counts as one
    sizes = {k: n or min(cells[k].n, 1) for k, (_, n) in basis.items()}
    unsafe = {k for k, (counts, n) in basis.items() if n and not releasable(counts, n, minimum)}

    def pool_ok(hidden: set[str]) -> bool:
        total = Raw()
        for k in hidden:
            total.add(cells[k])
        return releasable(*release_basis(total, question), minimum)

    return suppress(sizes, minimum, unsafe=unsafe, pool_ok=pool_ok)


def _difference(value: float | None, base: float | None) -> float | None:
    """A gap or a change between two shown means; nothing when either is hidden."""
    return None if value is None or base is None else round(value - base, 3)


# ---- parents beside team and pupils --------------------------------------------------------


def _latest(rounds: Iterable[Round]) -> Round | None:
    found = sorted(rounds, key=lambda r: (r.opens_at, r.id))
    return found[-1] if found else None


def _find_sides(
    rnd: Round, flow: Flow, school_rounds: list[Round], library: Mapping[str, Flow]
) -> tuple[Round, Flow, list[tuple[Round, Flow]]] | None:
    """The parents round and the latest mirrored team and pupil rounds of the same school."""
    known = [r for r in school_rounds if r.flow_id in library]
    if flow.audience == Audience.PARENTS:
        parents, parents_flow = rnd, flow
    else:
        targets = {q.mirror_of for q in flow.questions if q.mirror_of}
        found = _latest(
            r
            for r in known
            if library[r.flow_id].audience == Audience.PARENTS
            and targets & {q.id for q in library[r.flow_id].questions}
        )
        if found is None:
            return None
        parents, parents_flow = found, library[found.flow_id]
    parent_ids = {q.id for q in parents_flow.questions}
    sides = []
    for audience in (Audience.TEAM, Audience.PUPILS):
        if flow.audience == audience:
            sides.append((rnd, flow))
            continue
        side = _latest(
            r
            for r in known
            if library[r.flow_id].audience == audience
            and {q.mirror_of for q in library[r.flow_id].questions} & parent_ids
        )
        if side is not None:
            sides.append((side, library[side.flow_id]))
    return (parents, parents_flow, sides) if sides else None


async def _comparison(
    store: ReportSource,
    rnd: Round,
    flow: Flow,
    school_rounds: list[Round],
    library: Mapping[str, Flow],
    own: Mapping[str, Figure],
    options: ReportOptions,
) -> Comparison | None:
    found = _find_sides(rnd, flow, school_rounds, library)
    if found is None:
        return None
    parents, parents_flow, sides = found
    minimum = options.min_closed
    flows = {parents.id: parents_flow, **{r.id: f for r, f in sides}}
    raw = await raw_answers(store, list(flows), flows, None)
    finals: dict[int, int] = defaultdict(int)
    for (round_id, _), n in (await queries.counted(store, list(flows))).items():
        finals[round_id] += n

    def figures(round_id: int) -> dict[str, Figure]:
        if round_id == rnd.id:
            return dict(own)
        return figures_of(raw.get((round_id, ""), {}), flows[round_id], minimum)

    parent_figures = figures(parents.id)
    mirrored: dict[str, dict[str, Figure]] = {}  # audience -> parents' question id -> figure
    for side_round, side_flow in sides:
        side_figures = figures(side_round.id)
        mirrored[side_flow.audience.value] = {
            q.mirror_of: side_figures[q.id] for q in scale_questions(side_flow) if q.mirror_of
        }
    audiences = [f.audience.value for _, f in sides]

    def row(id_: str, text: str, theme_id: str | None, figs: dict[str, Figure]) -> ComparisonRow:
        gaps = {a: _difference(figs[a].mean, figs["parents"].mean) for a in audiences}
        return ComparisonRow(id=id_, text=text, theme_id=theme_id, figures=figs, gaps=gaps)

    statements = []
    for q in scale_questions(parents_flow):
        if not any(q.id in mirrored[a] for a in audiences):
            continue
        figs = {"parents": parent_figures[q.id]}
        figs.update({a: mirrored[a].get(q.id, Figure.hidden()) for a in audiences})
        statements.append(row(q.id, q.text, q.theme, figs))
    themes = []
    for theme in parents_flow.themes:
        items = [s for s in statements if s.theme_id == theme.id]
        if not items:
            continue
        figs = {"parents": pool((s.figures["parents"] for s in items), minimum)}
        figs.update({a: pool((s.figures[a] for s in items), minimum) for a in audiences})
        themes.append(row(theme.id, theme.title, theme.id, figs))
    sides_out = [
        Side(
            audience="parents",
            round_id=parents.id,
            flow_id=parents.flow_id,
            counted=finals[parents.id],
        )
    ] + [
        Side(
            audience=f.audience.value,
            round_id=r.id,
            flow_id=r.flow_id,
            counted=finals[r.id],
        )
        for r, f in sides
    ]
    return Comparison(sides=sides_out, statements=statements, themes=themes)


# ---- trend -----------------------------------------------------------------------------------


async def _trend(
    store: ReportSource,
    rnd: Round,
    flow: Flow,
    school_rounds: list[Round],
    own: Mapping[str, Figure],
    themes: list[Theme],
    options: ReportOptions,
) -> Trend | None:
    previous = _latest(
        r
        for r in school_rounds
        if r.flow_id == rnd.flow_id and (r.opens_at, r.id) < (rnd.opens_at, rnd.id)
    )
    if previous is None:
        return None
    minimum = options.min_closed
    raw = await raw_answers(store, [previous.id], {previous.id: flow}, None)
    before = figures_of(raw.get((previous.id, ""), {}), flow, minimum)
    rows = await queries.participation(store, [previous.id])

    def trend_row(id_: str, text: str, now: float | None, then: float | None) -> TrendRow:
        return TrendRow(id=id_, text=text, now=now, before=then, change=_difference(now, then))

    return Trend(
        previous_round_id=previous.id,
        previous_opens_at=previous.opens_at.isoformat(),
        previous_started=sum(r.started for r in rows),
        previous_completed=sum(r.completed for r in rows),
        previous_expected=previous.expected,
        themes=[
            trend_row(
                th.theme_id,
                th.title,
                th.figure.mean,
                pool((before[q.id] for q in scale_questions(flow, th.theme_id)), minimum).mean,
            )
            for th in themes
        ],
        statements=[
            trend_row(q.id, q.text, own[q.id].mean, before[q.id].mean)
            for q in scale_questions(flow)
        ],
    )


# ---- open answers ----------------------------------------------------------------------------


async def _open_answers(
    store: ReportSource,
    rnd: Round,
    flow: Flow,
    counted: int,
    named_languages: set[str],
    options: ReportOptions,
) -> list[OpenQuestion]:
    questions = [q for q in flow.questions if q.type == QuestionType.OPEN]
    if not questions:
        return []
    lang = options.language
    if not open_answers_shown(counted, options.min_open):
        return [OpenQuestion(question_id=q.id, text=q.text, shown=False) for q in questions]
    texts: dict[str, list[OpenText]] = defaultdict(list)
    for qid, text, code in await queries.open_texts(store, rnd.id):
        if code is not None and code not in named_languages:
            continue  # rule 8: its own script would name a language the report merged or hid
        named = code if code in named_languages else None
        label = labels.language_label(lang, named) if named else t(lang, labels.OTHER_LANGUAGE)
        texts[qid].append(OpenText(text=text, language=named, language_label=label))
    voices = await queries.voice_counts(store, rnd.id)
    file_ids = await queries.voice_file_ids(store, rnd.id) if options.voice_ids else None
    out = []
    for q in questions:
        found = sorted(
            texts.get(q.id, []), key=lambda o: (o.language is None, o.language or "", o.text)
        )
        out.append(
            OpenQuestion(
                question_id=q.id,
                text=q.text,
                shown=True,
                text_count=len(found),
                voice_count=voices.get(q.id, 0),
                texts=found,
                voice_file_ids=(file_ids or {}).get(q.id, []) if file_ids is not None else None,
            )
        )
    return out


# ---- the round report ------------------------------------------------------------------------


async def build_round_report(
    store: ReportSource,
    round_id: int,
    options: ReportOptions | None = None,
    *,
    flows: Mapping[str, Flow] | None = None,
) -> RoundReport:
    """One round of one school, every view, privacy rules applied (see `privacy`).

    `flows` maps flow ids to flows (default: the flows shipped in `bot/flows/`).
    """
    options = options or ReportOptions()
    library = flows if flows is not None else flow_library()
    rnd = await store.round(round_id)
    if rnd is None:
        raise NotFound(f"round {round_id}")
    flow = flow_of(library, rnd.flow_id)
    lang, minimum = options.language, options.min_closed
    school = (await queries.schools(store, [rnd.school_id]))[0]
    groups = await store.round_groups(rnd.id)
    group_cells = [(str(g.id), g.name, g.expected) for g in groups]

    counted = sum((await queries.counted(store, [rnd.id])).values())
    participation, language_cells = _participation(
        rnd, await queries.participation(store, [rnd.id]), group_cells, options, counted
    )
    raw = await raw_answers(store, [rnd.id], {rnd.id: flow}, None)
    figures = figures_of(raw.get((rnd.id, ""), {}), flow, minimum)
    themes = _themes(flow, figures, minimum)
    school_rounds = await store.rounds(rnd.school_id)

    {k: _language_cell_label(lang, k) for k in dict.fromkeys(language_cells.values())}
    group_labels = {key: name for key, name, _ in group_cells}
    group_labels[NO_GROUP] = t(lang, labels.NO_GROUP)
    named_languages = {code for code, cell in language_cells.items() if cell != OTHER}

    return RoundReport(
        language=lang,
        viewer=options.viewer,
        thresholds=Thresholds(min_closed=minimum, min_open=options.min_open),
        round=RoundInfo(
            id=rnd.id,
            school_id=rnd.school_id,
            school_name=school.name,
            flow_id=rnd.flow_id,
            flow_version=rnd.flow_version,
            flow_title=flow.title,
            audience=rnd.audience,
            topic=rnd.topic,
            status=rnd.status,
            opens_at=rnd.opens_at.isoformat(),
            closes_at=rnd.closes_at.isoformat() if rnd.closes_at else None,
            closed_at=rnd.closed_at.isoformat() if rnd.closed_at else None,
        ),
        participation=participation,
        statements=_statements(flow, figures, lang),
        themes=themes,
        highlights=_highlights(flow, figures),
        comparison=await _comparison(store, rnd, flow, school_rounds, library, figures, options),
        breakdowns={
            "language": await _breakdown(store, rnd, flow, "language", figures, {}, options)
            if await _jointly_shown(store, rnd, minimum)
            else _withheld("language", "joint"),
            "group": await _breakdown(store, rnd, flow, "group", figures, group_labels, options),
        },
        trend=await _trend(store, rnd, flow, school_rounds, figures, themes, options),
        frameworks=_frameworks(flow, figures, options),
        open_answers=await _open_answers(
            store, rnd, flow, participation.counted, named_languages, options
        ),
        tips=_tips(themes, lang),
    )
