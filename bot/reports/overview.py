"""Schools side by side and a centre's total, built from the same figures as a round report."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence

from bot.flow_model import Flow, Question, flow_library
from bot.reports import queries
from bot.reports.figures import (
    Raw,
    closed_questions,
    figures_of,
    flow_of,
    load_answers,
    make_figure,
    pool,
    release_basis,
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
from bot.reports.privacy import poolable, releasable
from bot.store.protocols import AggregateReads

DEFAULT_OVERVIEW_FLOW = "barometer-ouders"


async def build_overview(
    store: AggregateReads,
    school_ids: Sequence[int],
    options: ReportOptions | None = None,
    named: bool | Collection[int] = False,
    *,
    flow_id: str = DEFAULT_OVERVIEW_FLOW,
    flows: Mapping[str, Flow] | None = None,
) -> Overview:
    """The latest round of `flow_id` in each school, side by side and as one total.

    named=True (a brugfiguur's own schools): every school is listed by name. named=False (a
    coordinator): only schools that agreed (`schools.share_named`) are listed; all count in the
    total. named={school ids} (`bot.staff.named_schools`): exactly those, each grant deciding for
    its own scope. Schools are listed alphabetically, never ranked (privacy rule 7). When the
    total minus the listed schools would be one unlisted school, in any figure or count, no
    school is listed: schools that contribute are counted, not schools that started.
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
    found = await load_answers(store, dict.fromkeys(round_ids, flow))  # one pass, every school
    for (rid, _, _), n in found.counted_cells.items():
        final[rid] += n  # counted in the figures: whole released blocks (rule 2)
    raw = found.tables[None]
    per_round = {rid: figures_of(raw.get((rid, ""), {}), flow, minimum) for rid in round_ids}

    total_rows = []
    total_figures: dict[str, Figure] = {}
    contributing: set[int] = set()
    per_question: list[set[int]] = []  # rounds inside each total figure
    for q in closed_questions(flow):
        answers = {rid: raw.get((rid, ""), {}).get(q.id) or Raw() for rid in round_ids}
        unsafe = {rid for rid, a in answers.items() if not per_round[rid][q.id].shown}

        def pool_ok(rids: set[int], answers: dict[int, Raw] = answers, q: Question = q) -> bool:
            pooled = Raw()
            for rid in rids:
                pooled.add(answers[rid])
            return releasable(*release_basis(pooled, q), minimum)

        included = poolable(
            {rid: a.n for rid, a in answers.items()}, minimum, unsafe=unsafe, pool_ok=pool_ok
        )
        total = Raw()
        inside: set[int] = set()
        for rid in sorted(included):
            total.add(answers[rid])
            if answers[rid].n:
                contributing.add(rid)
                inside.add(rid)
        if make_figure(total, minimum, q).shown:
            per_question.append(inside)
        total_figures[q.id] = make_figure(total, minimum, q)
        total_rows.append(BreakdownRow(id=q.id, figures={"total": total_figures[q.id]}))

    def theme_figures(figures: Mapping[str, Figure]) -> dict[str, Figure]:
        return {
            th.id: pool((figures[q.id] for q in scale_questions(flow, th.id)), minimum)
            for th in flow.themes
            if scale_questions(flow, th.id)
        }

    total_themes = theme_figures(total_figures)
    if isinstance(named, bool):
        listed = [s for s in school_rows if named or s.share_named]
    else:
        listed = [s for s in school_rows if s.id in named]
    unlisted_rounds = {latest[s.id] for s in school_rows if s not in listed and s.id in latest}
    one_left = [
        len(unlisted_rounds & {rid for rid in round_ids if started.get(rid)}),
        len(unlisted_rounds & {rid for rid in round_ids if final.get(rid)}),
        *(len(unlisted_rounds & inside) for inside in per_question),
    ]
    if 1 in one_left:
        listed = []  # the total minus the listed schools would be one school (rule 7)
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
                counted=final[own] if own else 0,
                themes=theme_figures(per_round[own]) if own else {},
            )
        )
    expectations = [expected.get(rid) for rid in round_ids]
    return Overview(
        language=options.language,
        viewer=options.viewer,
        flow_id=flow_id,
        named=named if isinstance(named, bool) else {s.id for s in school_rows} <= set(named),
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
            counted=sum(final.values()),
            themes=[
                OverviewTheme(theme_id=th.id, title=th.title, figure=total_themes[th.id])
                for th in flow.themes
                if th.id in total_themes
            ],
            statements=total_rows,
        ),
        schools=schools,
    )
