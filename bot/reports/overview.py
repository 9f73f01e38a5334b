"""Schools side by side and a centre's total, built from the same figures as a round report."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from bot.flow_model import Flow, flow_library
from bot.reports import queries
from bot.reports.figures import (
    Raw,
    closed_questions,
    figures_of,
    flow_of,
    make_figure,
    pool,
    raw_answers,
    scale_questions,
)
from bot.reports.model import (
    BreakdownRow,
    Figure,
    Overview,
    OverviewSchool,
    OverviewTheme,
    OverviewTotal,
    ReportOptions,
    Thresholds,
)
from bot.reports.privacy import poolable, released
from bot.store.protocols import AggregateReads

DEFAULT_OVERVIEW_FLOW = "barometer-ouders"


async def build_overview(
    store: AggregateReads,
    school_ids: Sequence[int],
    options: ReportOptions | None = None,
    named: bool = False,
    *,
    flow_id: str = DEFAULT_OVERVIEW_FLOW,
    flows: Mapping[str, Flow] | None = None,
) -> Overview:
    """The latest round of `flow_id` in each school, side by side and as one total.

    named=True (a brugfiguur's own schools): every school is listed by name. named=False (a
    coordinator): only schools that agreed (`schools.share_named`) are listed; all count in the
    total. Schools are listed alphabetically, never ranked (privacy rule 7).
    """
    options = options or ReportOptions()
    library = flows if flows is not None else flow_library()
    flow = flow_of(library, flow_id)
    minimum = options.min_closed
    school_rows = await queries.schools(store, school_ids)
    latest = await queries.latest_rounds(store, [s.id for s in school_rows], flow_id)
    round_ids = sorted(latest.values())
    expected = await queries.expected(store, round_ids)
    started: dict[int, int] = defaultdict(int)
    completed: dict[int, int] = defaultdict(int)
    final: dict[int, int] = defaultdict(int)
    for row in await queries.participation(store, round_ids):
        started[row.round_id] += row.started
        completed[row.round_id] += row.completed
        final[row.round_id] += row.final
    raw = await raw_answers(store, round_ids, dict.fromkeys(round_ids, flow), None)
    per_round = {rid: figures_of(raw.get((rid, ""), {}), flow, minimum) for rid in round_ids}

    total_rows = []
    total_figures: dict[str, Figure] = {}
    contributing: set[int] = set()
    for q in closed_questions(flow):
        answers = {rid: raw.get((rid, ""), {}).get(q.id) or Raw() for rid in round_ids}
        included = poolable({rid: a.n for rid, a in answers.items()}, minimum)
        total = Raw()
        for rid in sorted(included):
            total.add(answers[rid])
            if answers[rid].n:
                contributing.add(rid)
        total_figures[q.id] = make_figure(total, minimum, q)
        total_rows.append(BreakdownRow(id=q.id, figures={"total": total_figures[q.id]}))

    def theme_figures(figures: Mapping[str, Figure]) -> dict[str, Figure]:
        return {
            th.id: pool((figures[q.id] for q in scale_questions(flow, th.id)), minimum)
            for th in flow.themes
            if scale_questions(flow, th.id)
        }

    total_themes = theme_figures(total_figures)
    listed = [s for s in school_rows if named or s.share_named]
    others = [s for s in school_rows if s not in listed and started.get(latest.get(s.id, 0), 0)]
    if len(others) == 1:
        listed = []  # the total minus the named schools would be that one school (rule 7)
    schools = []
    for s in listed:
        own = latest.get(s.id)
        schools.append(
            OverviewSchool(
                school_id=s.id,
                name=s.name,
                round_id=own,
                expected=expected.get(own) if own else None,
                started=started[own] if own else 0,
                completed=completed[own] if own else 0,
                counted=released(final[own]) if own else 0,
                themes=theme_figures(per_round[own]) if own else {},
            )
        )
    expectations = [expected.get(rid) for rid in round_ids]
    return Overview(
        language=options.language,
        viewer=options.viewer,
        flow_id=flow_id,
        named=named,
        thresholds=Thresholds(min_closed=minimum, min_open=options.min_open),
        total=OverviewTotal(
            schools=len(school_rows),
            schools_with_round=len(round_ids),
            schools_in_figures=len(contributing),
            expected=sum(e for e in expectations if e)
            if all(expectations) and expectations
            else None,
            started=sum(started.values()),
            completed=sum(completed.values()),
            counted=sum(released(f) for f in final.values()),
            themes=[
                OverviewTheme(theme_id=th.id, title=th.title, figure=total_themes[th.id])
                for th in flow.themes
                if th.id in total_themes
            ],
            statements=total_rows,
        ),
        schools=schools,
    )
