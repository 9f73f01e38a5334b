"""Figures per language and per class: the small-group rules 3, 4, 5, 9 and 10 at work."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Literal

from bot.flow_model import Flow, Question
from bot.reports import queries
from bot.reports.build_participation import OTHER, language_cell_label
from bot.reports.figures import (
    HIDDEN,
    Answers,
    Raw,
    closed_questions,
    make_figure,
    pool,
    release_basis,
    scale_questions,
)
from bot.reports.model import (
    Breakdown,
    BreakdownCell,
    BreakdownRow,
    Figure,
    ReportOptions,
)
from bot.reports.privacy import jointly_shown, merge_small, releasable, suppress
from bot.store.records import Round

# ---- breakdowns (rule 3, 4, 5) ------------------------------------------------------------


def breakdown(
    answers: Answers,
    rnd: Round,
    flow: Flow,
    dimension: queries.Dimension,
    overall: Mapping[str, Figure],
    cell_labels: Mapping[str, str],
    options: ReportOptions,
    *,
    left_since_close: int,
) -> Breakdown:
    """`answers` holds this round's breakdowns (`load_answers(..., breakdown_rounds=[rnd.id])`);
    `left_since_close`: `queries.left_since_close` of the round."""
    assert dimension is not None
    if rnd.status != "closed":
        return Breakdown(dimension=dimension, available=False, cells=[], statements=[], themes=[])
    if left_since_close > 0:
        return withheld(dimension, "changed")
    minimum = options.min_closed
    by_cell = answers.counted(rnd.id, dimension)
    raw = answers.raw(rnd.id, dimension)
    mapping = (
        merge_small(by_cell, minimum, OTHER) if dimension == "language" else {k: k for k in by_cell}
    )
    sources: dict[str, list[dict[str, Raw]]] = defaultdict(list)
    for (_, cell), questions in raw.items():
        sources[mapping.get(cell, OTHER)].append(questions)
    merged: dict[str, dict[str, Raw]] = {}
    for target, parts in sources.items():
        if len(parts) == 1:  # a cell of its own: its answers as they are, read only below
            merged[target] = parts[0]
            continue
        together: dict[str, Raw] = defaultdict(Raw)
        for questions in parts:
            for qid, found in questions.items():
                together[qid].add(found)
        merged[target] = together
    present = {mapping[k] for k, n in by_cell.items() if n > 0}
    keys = [k for k in cell_labels if k in present]
    keys += sorted(
        (k for k in present if k not in keys),
        key=lambda k: (k == OTHER, -sum(by_cell[c] for c in by_cell if mapping[c] == k), k),
    )

    statements = []
    per_cell: dict[str, dict[str, Figure]] = {k: {} for k in keys}
    empty: dict[str, Raw] = {}
    for q in closed_questions(flow):
        cell_answers = {k: merged.get(k, empty).get(q.id) or Raw() for k in keys}
        if not overall[q.id].shown:
            hidden, basis = set(keys), {}
        else:
            basis = {k: release_basis(found, q) for k, found in cell_answers.items()}
            hidden = suppress_cells(cell_answers, q, minimum, basis)
        row = {}
        for k in keys:
            fig = HIDDEN if k in hidden else make_figure(cell_answers[k], minimum, q, basis[k])
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
        BreakdownCell(key=k, label=cell_labels.get(k) or language_cell_label(options.language, k))
        for k in keys
    ]
    return Breakdown(
        dimension=dimension, available=True, cells=cells, statements=statements, themes=themes
    )


def jointly_shown_here(answers: Answers, rnd: Round, minimum: int) -> bool:
    """Rule 10: may the language breakdown stand beside the class breakdown?

    Checked on the cells as they would be shown (small languages merged) and only when both
    breakdowns have at least two non-empty cells: one cell is no breakdown at all.
    """
    if rnd.status != "closed":
        return True
    cross = answers.cross(rnd.id)
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


def withheld(dimension: queries.Dimension, why: Literal["joint", "changed"]) -> Breakdown:
    assert dimension is not None
    return Breakdown(
        dimension=dimension, available=False, cells=[], statements=[], themes=[], withheld=why
    )


def suppress_cells(
    cells: Mapping[str, Raw],
    question: Question,
    minimum: int,
    basis: Mapping[str, tuple[dict[str, int], int]] | None = None,
) -> set[str]:
    """Rules 4 and 9 for one statement across the cells of a breakdown.

    A cell is sized by the basis of its numbers (faces given, for a scale) and must itself be
    releasable; the hidden cells, pooled, must hold the minimum and be releasable too, since a
    reader computes that pool as the total minus the shown cells. `basis`: each cell's
    `release_basis`, when the caller has it already.
    """
    if basis is None:
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
