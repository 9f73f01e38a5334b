"""This round beside others: parents beside team and pupils, and beside the previous round.

Gaps and changes are taken only between shown means (privacy rule 6).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.errors import UnknownFlow
from bot.flow_model import Audience, Flow, get_flow
from bot.reports import queries
from bot.reports.figures import HIDDEN, Answers, figures_of, pool, scale_questions
from bot.reports.model import (
    Comparison,
    ComparisonRow,
    Figure,
    ReportOptions,
    Side,
    Theme,
    Trend,
    TrendRow,
)
from bot.store.records import Round


def difference(value: float | None, base: float | None) -> float | None:
    """A gap or a change between two shown means; nothing when either is hidden."""
    return None if value is None or base is None else round(value - base, 3)


# ---- parents beside team and pupils --------------------------------------------------------


def latest(rounds: Iterable[Round]) -> Round | None:
    found = sorted(rounds, key=lambda r: (r.opens_at, r.id))
    return found[-1] if found else None


def find_sides(
    rnd: Round, flow: Flow, school_rounds: list[Round], library: Mapping[str, Flow]
) -> tuple[Round, Flow, list[tuple[Round, Flow]]] | None:
    """The parents round and the latest mirrored team and pupil rounds of the same school."""
    known = [r for r in school_rounds if r.flow_id in library]
    if flow.audience == Audience.PARENTS:
        parents, parents_flow = rnd, flow
    else:
        targets = {q.mirror_of for q in flow.questions if q.mirror_of}
        found = latest(
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
        side = latest(
            r
            for r in known
            if library[r.flow_id].audience == audience
            and {q.mirror_of for q in library[r.flow_id].questions} & parent_ids
        )
        if side is not None:
            sides.append((side, library[side.flow_id]))
    return (parents, parents_flow, sides) if sides else None


def side_flows(
    sides: tuple[Round, Flow, list[tuple[Round, Flow]]] | None,
) -> dict[int, Flow]:
    """{round id: flow} of the rounds a comparison reads (`find_sides`' result)."""
    if sides is None:
        return {}
    parents, parents_flow, others = sides
    return {parents.id: parents_flow, **{r.id: f for r, f in others}}


def comparison(
    answers: Answers,
    rnd: Round,
    found: tuple[Round, Flow, list[tuple[Round, Flow]]] | None,
    own: Mapping[str, Figure],
    options: ReportOptions,
) -> Comparison | None:
    """`found`: `find_sides(...)`; `answers` holds every round of `side_flows(found)`."""
    if found is None:
        return None
    parents, parents_flow, sides = found
    minimum = options.min_closed
    flows = side_flows(found)
    finals = {round_id: sum(answers.counted(round_id).values()) for round_id in flows}

    def figures(round_id: int) -> dict[str, Figure]:
        if round_id == rnd.id:
            return dict(own)
        return figures_of(answers.whole(round_id), flows[round_id], minimum)

    parent_figures = figures(parents.id)
    mirrored: dict[str, dict[str, Figure]] = {}  # audience -> parents' question id -> figure
    for side_round, side_flow in sides:
        side_figures = figures(side_round.id)
        mirrored[side_flow.audience.value] = {
            q.mirror_of: side_figures[q.id] for q in scale_questions(side_flow) if q.mirror_of
        }
    audiences = [f.audience.value for _, f in sides]

    def row(id_: str, text: str, theme_id: str | None, figs: dict[str, Figure]) -> ComparisonRow:
        gaps = {a: difference(figs[a].mean, figs["parents"].mean) for a in audiences}
        return ComparisonRow(id=id_, text=text, theme_id=theme_id, figures=figs, gaps=gaps)

    statements = []
    for q in scale_questions(parents_flow):
        if not any(q.id in mirrored[a] for a in audiences):
            continue
        figs = {"parents": parent_figures[q.id]}
        figs.update({a: mirrored[a].get(q.id, HIDDEN) for a in audiences})
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


def round_flow(rnd: Round, current: Flow) -> Flow:
    """The version of the flow a round was opened with (the current one when not archived)."""
    if rnd.flow_id != current.id or rnd.flow_version == current.version:
        return current
    try:
        return get_flow(rnd.flow_id, rnd.flow_version)
    except UnknownFlow:
        return current


def previous_round(rnd: Round, school_rounds: list[Round]) -> Round | None:
    """The school's latest round of the same flow before this one (the trend's base)."""
    return latest(
        r
        for r in school_rounds
        if r.flow_id == rnd.flow_id and (r.opens_at, r.id) < (rnd.opens_at, rnd.id)
    )


def trend(
    answers: Answers,
    flow: Flow,
    previous: Round | None,
    participation: list[queries.ParticipationRow],
    own: Mapping[str, Figure],
    themes: list[Theme],
    options: ReportOptions,
) -> Trend | None:
    """`answers` and `participation` hold the previous round (`previous_round(...)`)."""
    if previous is None:
        return None
    minimum = options.min_closed
    before = figures_of(answers.whole(previous.id), flow, minimum)
    rows = [r for r in participation if r.round_id == previous.id]
    # Another flow version: compare only the statements both rounds asked (issue 15).
    asked_then = {q.id for q in round_flow(previous, flow).questions}
    shared = [q for q in scale_questions(flow) if q.id in asked_then]

    def theme_mean(figures: Mapping[str, Figure], theme_id: str) -> float | None:
        return pool((figures[q.id] for q in shared if q.theme == theme_id), minimum).mean

    def trend_row(id_: str, text: str, now: float | None, then: float | None) -> TrendRow:
        return TrendRow(id=id_, text=text, now=now, before=then, change=difference(now, then))

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
                th.figure.mean
                if len(shared) == len(scale_questions(flow))
                else theme_mean(own, th.theme_id),
                theme_mean(before, th.theme_id),
            )
            for th in themes
        ],
        statements=[trend_row(q.id, q.text, own[q.id].mean, before[q.id].mean) for q in shared],
    )
