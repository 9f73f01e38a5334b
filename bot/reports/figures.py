"""Figures from raw aggregates: the one place a count becomes a shown (or hidden) figure.

`raw_answers` turns the store's GROUP BY rows into `Raw` counts per (round, cell, question);
`make_figure` applies the minimum (privacy rule 1); `pool` adds up only shown figures (rule 6).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.errors import UnknownFlow
from bot.flow_model import DONT_KNOW, SCALE_VALUES, Flow, Question, QuestionType
from bot.reports import queries
from bot.reports.model import Figure
from bot.reports.privacy import releasable, shown
from bot.store.protocols import AggregateReads

CLOSED_TYPES = (QuestionType.SCALE, QuestionType.CHOICE, QuestionType.MULTI, QuestionType.YESNO)


@dataclass
class Raw:
    """Answers to one question in one cell, before any privacy rule."""

    counts: dict[str, int] = field(default_factory=dict)
    n: int = 0

    def add(self, other: Raw) -> None:
        for value, c in other.counts.items():
            self.counts[value] = self.counts.get(value, 0) + c
        self.n += other.n


RawTable = dict[tuple[int, str], dict[str, Raw]]  # (round id, cell) -> question id -> answers


def closed_questions(flow: Flow) -> list[Question]:
    return [q for q in flow.questions if q.type in CLOSED_TYPES]


def scale_questions(flow: Flow, theme_id: str | None = None) -> list[Question]:
    return [
        q
        for q in flow.questions
        if q.type == QuestionType.SCALE and (theme_id is None or q.theme == theme_id)
    ]


def release_basis(raw: Raw, question: Question) -> tuple[dict[str, int], int]:
    """(counts, n) that rule 9 judges: for a scale the faces given, else every answer."""
    if question.type == QuestionType.SCALE:
        faces = {v: raw.counts.get(v, 0) for v in SCALE_VALUES}
        return faces, sum(faces.values())
    return dict(raw.counts), raw.n


def make_figure(raw: Raw | None, minimum: int, question: Question) -> Figure:
    """A figure from raw answers: every number, or nothing (privacy rules 1 and 9).

    A figure is never half shown: when the mean of a scale would be hidden (fewer faces than the
    minimum) its face counts are hidden too, since the mean follows from them; and a
    distribution in which one value holds every answer is hidden whole (dominance).
    """
    if raw is None or not shown(raw.n, minimum):
        return Figure.hidden()
    if not releasable(*release_basis(raw, question), minimum):
        return Figure.hidden()
    counts = {v: raw.counts.get(v, 0) for v in question.allowed_values()}
    for value, c in raw.counts.items():
        counts.setdefault(value, c)  # a value of an older flow version stays visible
    figure = Figure(shown=True, n=raw.n, counts=counts)
    return _with_scale_stats(figure, minimum) if question.type == QuestionType.SCALE else figure


def _with_scale_stats(figure: Figure, minimum: int) -> Figure:
    counts = figure.counts or {}
    if not figure.n:
        return figure
    faces = {v: counts.get(v, 0) for v in SCALE_VALUES}
    given = sum(faces.values())
    mean = positive = None
    if given >= minimum:  # a mean over one or two faces would say little and mislead
        mean = round(sum(int(v) * c for v, c in faces.items()) / given, 3)
        positive = round((faces["4"] + faces["5"]) / given, 4)
    dontknow = round(counts.get(DONT_KNOW, 0) / figure.n, 4)
    return figure.model_copy(
        update={"mean": mean, "positive_share": positive, "dontknow_share": dontknow}
    )


def pool(figures: Iterable[Figure], minimum: int) -> Figure:
    """Pool shown scale figures (a theme, a star): hidden figures never enter (rule 6)."""
    total = Raw()
    for f in figures:
        if f.shown and f.counts is not None:
            total.add(Raw(dict(f.counts), f.n or 0))
    if not total.n:
        return Figure.hidden()
    faces = {v: total.counts.get(v, 0) for v in SCALE_VALUES}
    if not releasable(faces, sum(faces.values()), minimum):
        return Figure.hidden()  # rule 9 for the pool too (shown parts can still be unanimous)
    values = (*SCALE_VALUES, DONT_KNOW)
    counts = {v: total.counts.get(v, 0) for v in values}
    return _with_scale_stats(Figure(shown=True, n=total.n, counts=counts), minimum)


async def raw_answers(
    store: AggregateReads,
    round_ids: Sequence[int],
    flows: Mapping[int, Flow],
    dimension: queries.Dimension,
) -> RawTable:
    """Raw answers per (round, cell, question), from two GROUP BY queries."""
    table: RawTable = defaultdict(lambda: defaultdict(Raw))
    multi = {
        (rid, q.id)
        for rid, flow in flows.items()
        for q in flow.questions
        if q.type == QuestionType.MULTI
    }
    for row in await queries.value_counts(store, round_ids, dimension):
        raw = table[(row.round_id, row.cell)][row.question_id]
        raw.counts[row.value] = raw.counts.get(row.value, 0) + row.count
        if (row.round_id, row.question_id) not in multi:
            raw.n += row.count
    answered = await queries.multi_answered(store, round_ids, dimension)
    for (rid, cell, qid), n in answered.items():
        table[(rid, cell)][qid].n = n
    return table


def figures_of(raw: Mapping[str, Raw], flow: Flow, minimum: int) -> dict[str, Figure]:
    return {q.id: make_figure(raw.get(q.id), minimum, q) for q in closed_questions(flow)}


def flow_of(library: Mapping[str, Flow], flow_id: str) -> Flow:
    """The flow a round was made with; `UnknownFlow` when it is no longer shipped."""
    try:
        return library[flow_id]
    except KeyError:
        raise UnknownFlow(flow_id) from None
