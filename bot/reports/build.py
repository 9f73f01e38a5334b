"""Build a round's report model from the store's aggregates, applying `bot.reports.privacy` once.

Everything a reader sees later (chat text, charts, CSV, XLSX, PDF, JSON) is rendered from the
model built here, so the privacy rules are applied in one place: a figure that is hidden in the
model has no numbers left to render. Derived figures (themes, frameworks, gaps, trend) are pooled
only from figures that are shown (privacy rule 6).

By concern: `build_participation` (who took part, per language and class), `build_themes`
(statements, themes, highlights, frameworks, tips), `build_breakdowns` (figures per language and
per class), `build_compare` (parents beside team and pupils; this round beside the previous);
open answers and the assembly are here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from bot.errors import NotFound
from bot.flow_model import Flow, Question, QuestionType, fill_topic, flow_library
from bot.i18n import t
from bot.reports import build_breakdowns as breakdowns
from bot.reports import build_compare as compare
from bot.reports import build_participation as participation
from bot.reports import build_themes as themes
from bot.reports import labels, queries
from bot.reports.build_participation import NO_GROUP, OTHER
from bot.reports.figures import figures_of, flow_of, load_answers
from bot.reports.model import (
    OpenQuestion,
    OpenText,
    ReportOptions,
    RoundInfo,
    RoundReport,
    Thresholds,
)
from bot.reports.privacy import open_answers_shown
from bot.store.protocols import ReportSource
from bot.store.records import Round

# ---- open answers ----------------------------------------------------------------------------


def _asked(flow: Flow, rnd: Round, question: Question) -> str:
    """The question as the round asked it: its {topic} filled in with the round's topic."""
    return fill_topic(question.text, flow, rnd.topic, question, lambda _key, dutch: dutch)


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
        return [
            OpenQuestion(question_id=q.id, text=_asked(flow, rnd, q), shown=False)
            for q in questions
        ]
    texts: dict[str, list[OpenText]] = defaultdict(list)
    voices: dict[str, int] = defaultdict(int)
    file_ids: dict[str, list[str]] | None = defaultdict(list) if options.voice_ids else None
    label_of: dict[str | None, str] = {}
    asked = [q.id for q in questions]
    for qid, text, code, voice in await queries.open_answers(store, rnd.id, question_ids=asked):
        if voice is not None:
            voices[qid] += 1
            if file_ids is not None:
                file_ids[qid].append(voice)
        if text is None:
            continue
        if code is not None and code not in named_languages:
            continue  # rule 8: its own script would name a language the report merged or hid
        named = code if code in named_languages else None
        if named not in label_of:
            label_of[named] = (
                labels.language_label(lang, named) if named else t(lang, labels.OTHER_LANGUAGE)
            )
        texts[qid].append(OpenText(text=text, language=named, language_label=label_of[named]))
    if file_ids is not None:
        file_ids = {qid: sorted(found) for qid, found in file_ids.items()}
    out = []
    for q in questions:
        found = sorted(
            texts.get(q.id, []), key=lambda o: (o.language is None, o.language or "", o.text)
        )
        out.append(
            OpenQuestion(
                question_id=q.id,
                text=_asked(flow, rnd, q),
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
    if flows is None and rnd.flow_version != flow.version:
        flow = compare.round_flow(rnd, flow)  # an older round: the questions it asked
    lang, minimum = options.language, options.min_closed
    school = (await queries.schools(store, [rnd.school_id]))[0]
    groups = await store.round_groups(rnd.id)
    group_cells = [(str(g.id), g.name, g.expected) for g in groups]

    school_rounds = await store.rounds(rnd.school_id)
    sides = compare.find_sides(rnd, flow, school_rounds, library)
    previous = compare.previous_round(rnd, school_rounds)
    read = {**compare.side_flows(sides), rnd.id: flow}
    if previous is not None:
        read[previous.id] = flow
    closed = rnd.status == "closed"
    # one pass over the counted set: this round (with its breakdowns), its sides and the previous
    answers = await load_answers(store, read, [rnd.id] if closed else [])
    left = await queries.left_since_close(store, rnd.id) if closed else 0
    participation_rows = await queries.participation(
        store, [rnd.id] if previous is None else [rnd.id, previous.id]
    )

    counted = sum(answers.counted(rnd.id).values())
    taken_part, language_cells = participation.participation(
        rnd, [r for r in participation_rows if r.round_id == rnd.id], group_cells, options, counted
    )
    figures = figures_of(answers.whole(rnd.id), flow, minimum)
    theme_list = themes.themes(flow, figures, minimum)

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
        participation=taken_part,
        statements=themes.statements(flow, figures, lang),
        themes=theme_list,
        highlights=themes.highlights(flow, figures),
        comparison=compare.comparison(answers, rnd, sides, figures, options),
        breakdowns={
            "language": breakdowns.breakdown(
                answers, rnd, flow, "language", figures, {}, options, left_since_close=left
            )
            if breakdowns.jointly_shown_here(answers, rnd, minimum)
            else breakdowns.withheld("language", "joint"),
            "group": breakdowns.breakdown(
                answers, rnd, flow, "group", figures, group_labels, options, left_since_close=left
            ),
        },
        trend=compare.trend(
            answers, flow, previous, participation_rows, figures, theme_list, options
        ),
        frameworks=themes.frameworks(flow, figures, options),
        open_answers=await _open_answers(
            store, rnd, flow, taken_part.counted, named_languages, options
        ),
        tips=themes.tips(theme_list, lang),
    )
