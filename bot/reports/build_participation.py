"""A round's participation: started and completed, per language and per class (rules 3 and 5)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from bot.i18n import t
from bot.reports import labels, queries
from bot.reports.model import (
    Participation,
    ParticipationBreakdown,
    ParticipationCell,
    ReportOptions,
)
from bot.reports.privacy import merge_small, suppress
from bot.store.records import Round

OTHER = "_other"  # the cell of languages too small to name
NO_GROUP = "0"  # the cell of respondents who came in without a class link


# ---- participation -------------------------------------------------------------------------


def participation(
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
    languages = participation_breakdown(
        [(k, language_cell_label(lang, k), None) for k in order],
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
    by_group = participation_breakdown(group_cells, group_started, group_completed, minimum)

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


def participation_breakdown(
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


def language_cell_label(language: str, key: str) -> str:
    if key == OTHER:
        return t(language, labels.OTHER_LANGUAGES)
    return labels.language_label(language, key)
