"""Figures from raw aggregates: the one place a count becomes a shown (or hidden) figure.

`load_answers` turns the store's GROUP BY rows into `Raw` counts per (round, cell, question);
`make_figure` applies the minimum (privacy rule 1); `pool` adds up only shown figures (rule 6).
"""

from __future__ import annotations

import operator
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


FACE_WEIGHTS = tuple(int(v) for v in SCALE_VALUES)  # each face's value in a mean
RawTable = dict[tuple[int, str], dict[str, Raw]]  # (round id, cell) -> question id -> answers
HIDDEN = Figure.hidden()  # frozen: one instance serves every hidden figure


_SELECTIONS: dict[int, tuple[Flow, dict[tuple[str, str | None], list[Question]]]] = {}
_SELECTIONS_KEPT = 64  # flows whose selections are remembered (the library holds a dozen)


def _selection(flow: Flow, kind: str, theme_id: str | None) -> list[Question]:
    """The questions of a flow selected by kind and theme, computed once per flow (a report
    asks hundreds of times). Keyed by identity; the flow is held so its id stays its own."""
    held = _SELECTIONS.get(id(flow))
    if held is None or held[0] is not flow:
        if len(_SELECTIONS) >= _SELECTIONS_KEPT:
            _SELECTIONS.clear()
        held = _SELECTIONS[id(flow)] = (flow, {})
    found = held[1].get((kind, theme_id))
    if found is None:
        if kind == "closed":
            found = [q for q in flow.questions if q.type in CLOSED_TYPES]
        else:
            found = [
                q
                for q in flow.questions
                if q.type == QuestionType.SCALE and (theme_id is None or q.theme == theme_id)
            ]
        held[1][(kind, theme_id)] = found
    return found


def closed_questions(flow: Flow) -> list[Question]:
    return list(_selection(flow, "closed", None))


def scale_questions(flow: Flow, theme_id: str | None = None) -> list[Question]:
    return list(_selection(flow, "scale", theme_id))


def release_basis(raw: Raw, question: Question) -> tuple[dict[str, int], int]:
    """(counts, n) that rule 9 judges: for a scale the faces given, else every answer."""
    if question.type == QuestionType.SCALE:
        faces = {v: raw.counts.get(v, 0) for v in SCALE_VALUES}
        return faces, sum(faces.values())
    return dict(raw.counts), raw.n


def make_figure(
    raw: Raw | None,
    minimum: int,
    question: Question,
    basis: tuple[dict[str, int], int] | None = None,
) -> Figure:
    """A figure from raw answers: every number, or nothing (privacy rules 1 and 9).

    A figure is never half shown: when the mean of a scale would be hidden (fewer faces than the
    minimum) its face counts are hidden too, since the mean follows from them; and a
    distribution in which one value holds every answer is hidden whole (dominance).
    `basis`: `release_basis(raw, question)` when the caller has it already (a breakdown).
    """
    if raw is None or not shown(raw.n, minimum):
        return HIDDEN
    if not releasable(*(basis if basis is not None else release_basis(raw, question)), minimum):
        return HIDDEN
    counts = {v: raw.counts.get(v, 0) for v in question.allowed_values()}
    for value, c in raw.counts.items():
        counts.setdefault(value, c)  # a value of an older flow version stays visible
    if question.type == QuestionType.SCALE:
        return _scale_figure(raw.n, counts, minimum)
    return Figure(shown=True, n=raw.n, counts=counts)


def _scale_figure(n: int, counts: dict[str, int], minimum: int) -> Figure:
    """A shown scale figure with its mean and shares, built once (no copy per statistic)."""
    if not n:
        return Figure(shown=True, n=n, counts=counts)
    faces = [counts.get(v, 0) for v in SCALE_VALUES]
    given = sum(faces)
    mean = positive = None
    if given >= minimum:  # a mean over one or two faces would say little and mislead
        mean = round(sum(map(operator.mul, FACE_WEIGHTS, faces)) / given, 3)
        positive = round((counts.get("4", 0) + counts.get("5", 0)) / given, 4)
    dontknow = round(counts.get(DONT_KNOW, 0) / n, 4)
    return Figure(
        shown=True,
        n=n,
        counts=counts,
        mean=mean,
        positive_share=positive,
        dontknow_share=dontknow,
    )


POOLED_VALUES = (*SCALE_VALUES, DONT_KNOW)


def pool(figures: Iterable[Figure], minimum: int) -> Figure:
    """Pool shown scale figures (a theme, a star): hidden figures never enter (rule 6)."""
    counts = dict.fromkeys(POOLED_VALUES, 0)
    n = 0
    for f in figures:
        if f.shown and f.counts is not None:
            for value, c in f.counts.items():
                if value in counts:
                    counts[value] += c
            n += f.n or 0
    if not n:
        return HIDDEN
    faces = {v: counts[v] for v in SCALE_VALUES}
    if not releasable(faces, sum(faces.values()), minimum):
        return HIDDEN  # rule 9 for the pool too (shown parts can still be unanimous)
    return _scale_figure(n, counts, minimum)


@dataclass
class Answers:
    """What the figures of some rounds rest on, from one `queries.answer_counts` query."""

    counted_cells: dict[tuple[int, str, str], int]  # (round, language, class key) -> respondents
    tables: dict[queries.Dimension, RawTable]  # None: the whole round; or per language or class

    def raw(self, round_id: int, dimension: queries.Dimension = None) -> RawTable:
        """{(round, cell): {question: Raw}} of one round (cell '' for the whole round)."""
        return {k: v for k, v in self.tables[dimension].items() if k[0] == round_id}

    def whole(self, round_id: int) -> dict[str, Raw]:
        return self.tables[None].get((round_id, ""), {})

    def counted(self, round_id: int, dimension: queries.Dimension = None) -> dict[str, int]:
        """{cell: counted respondents} of a round ({'': all} without a dimension)."""
        found: dict[str, int] = defaultdict(int)
        for (rid, language, group), n in self.counted_cells.items():
            if rid == round_id:
                found[{None: "", "language": language, "group": group}[dimension]] += n
        return dict(found)

    def cross(self, round_id: int) -> dict[tuple[str, str], int]:
        """{(language, class key): counted respondents in both} (privacy rule 10)."""
        return {(lang, g): n for (rid, lang, g), n in self.counted_cells.items() if rid == round_id}


async def load_answers(
    store: AggregateReads,
    flows: Mapping[int, Flow],
    breakdown_rounds: Sequence[int] = (),
) -> Answers:
    """The counted set and the raw answers of the rounds in `flows`, with breakdowns by
    language and class for `breakdown_rounds`. For a multiple-choice question `n` is the
    respondents who answered it; for any other, the answers given."""
    multi = {
        (rid, q.id)
        for rid, flow in flows.items()
        for q in flow.questions
        if q.type == QuestionType.MULTI
    }
    counted_cells: dict[tuple[int, str, str], int] = {}
    tables: dict[queries.Dimension, RawTable] = {
        None: defaultdict(lambda: defaultdict(Raw)),
        "language": defaultdict(lambda: defaultdict(Raw)),
        "group": defaultdict(lambda: defaultdict(Raw)),
    }
    by_kind = {"": tables[None], "language": tables["language"], "group": tables["group"]}
    answered = []
    # The rows come grouped by kind, round, cell and question: each table is looked up once per
    # run of rows, not once per row (a report folds thousands).
    here: tuple[str, int, str | None, str | None] | None = None
    raw = Raw()
    counts: dict[str, int] = raw.counts
    single = True
    for kind, rid, cell, group, qid, value, part, count in await queries.answer_counts(
        store, list(flows), breakdown_rounds, multi_questions={qid for _, qid in multi}
    ):
        if kind == queries.COUNTED:
            counted_cells[(rid, cell, group)] = count
            continue
        if (kind, rid, cell, qid) != here:
            here = (kind, rid, cell, qid)
            raw = by_kind[kind][(rid, cell)][qid]  # type: ignore[index]
            counts = raw.counts
            single = (rid, qid) not in multi
        if part == queries.PART_ANSWERED:
            answered.append((raw, count))
            continue
        value = value if isinstance(value, str) else str(value)
        counts[value] = counts.get(value, 0) + count
        if single and part == queries.PART_VALUE:
            raw.n += count
    for raw, n in answered:  # respondents who answered a multiple-choice question
        raw.n = n
    return Answers(counted_cells, tables)


def figures_of(raw: Mapping[str, Raw], flow: Flow, minimum: int) -> dict[str, Figure]:
    return {q.id: make_figure(raw.get(q.id), minimum, q) for q in closed_questions(flow)}


def flow_of(library: Mapping[str, Flow], flow_id: str) -> Flow:
    """The flow a round was made with; `UnknownFlow` when it is no longer shipped."""
    try:
        return library[flow_id]
    except KeyError:
        raise UnknownFlow(flow_id) from None
