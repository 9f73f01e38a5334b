"""Statements, themes, highlights, frameworks and tips of a round, from its shown figures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.flow_model import MATRIX_CELLS, Flow, QuestionType
from bot.i18n import t
from bot.reports import labels
from bot.reports.figures import closed_questions, pool, scale_questions
from bot.reports.model import (
    Figure,
    FrameworkItem,
    Frameworks,
    Highlights,
    Option,
    ReportOptions,
    Statement,
    Theme,
    Tip,
)

HIGHLIGHTS = 3  # strengths and concerns named in the summary
TIPS = 3  # weakest themes that get a reflection prompt
REFLECTIONS_PER_TIP = 2


# ---- statements and themes -----------------------------------------------------------------


def statements(flow: Flow, figures: Mapping[str, Figure], language: str) -> list[Statement]:
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


def by_strength(ids: Iterable[str], figures: Mapping[str, Figure]) -> list[str]:
    """Strongest first; statements without a shown mean last, in flow order."""
    ids = list(ids)
    return sorted(
        ids,
        key=lambda q: (figures[q].mean is None, -(figures[q].mean or 0.0), ids.index(q)),
    )


def themes(flow: Flow, figures: Mapping[str, Figure], minimum: int) -> list[Theme]:
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
                statements=by_strength(items, figures),
                statements_shown=sum(1 for q in items if figures[q].shown),
                figure=pool((figures[q] for q in items), minimum),
            )
        )
    return out


def highlights(flow: Flow, figures: Mapping[str, Figure]) -> Highlights:
    ranked = [
        q
        for q in by_strength((q.id for q in scale_questions(flow)), figures)
        if figures[q].mean is not None
    ]
    strengths = ranked[:HIGHLIGHTS]
    concerns = [q for q in reversed(ranked) if q not in strengths][:HIGHLIGHTS]
    return Highlights(strengths=strengths, concerns=concerns)


def frameworks(flow: Flow, figures: Mapping[str, Figure], options: ReportOptions) -> Frameworks:
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


def tips(themes: list[Theme], language: str) -> list[Tip]:
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
