"""Turn engine events into what a parent sees: message texts and inline keyboards.

Pure apart from building PTB markup objects: no sending, no storing. Every text comes from the
catalogs through `bot.i18n`, in the parent's language.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram._utils.types import JSONDict

from bot.engine import FACES, Answer, QuestionAsked
from bot.flow_model import (
    DONT_KNOW,
    NO,
    SCALE_VALUES,
    YES,
    Flow,
    Question,
    QuestionType,
    fill_topic,
    option_key,
    question_key,
)
from bot.i18n import (
    LANGUAGES,
    RTL_LANGUAGES,
    SOURCE_LANGUAGE,
    flow_text,
    format_date,
    language_name,
    t,
)
from bot.texts import parents as texts
from bot.tg import callbacks

FACE_LABELS = tuple(FACES[v] for v in SCALE_VALUES)
SHRUG = FACES[DONT_KNOW]


@dataclass(frozen=True)
class QuestionView:
    """Everything the Telegram layer needs to ask a question."""

    text: str
    keyboard: InlineKeyboardMarkup | None
    question: Question


@dataclass
class Context:
    """Who we are talking to and about which round."""

    language: str
    flow: Flow
    round_id: int
    can_listen: bool = False
    extra: dict[str, str] = field(default_factory=dict)
    legend: bool = False  # back after a pause: explain the faces again with the next scale question
    topic: str | None = None  # the round's topic id (a dialogue round), for the {topic} slot


# The faces explained: 1 = 😞 ... 5 = 😄, 🤷 don't know. The same words help after two unusable
# replies.
LEGEND = texts.REPAIR_SCALE


def legend_question(flow: Flow) -> str | None:
    """The flow's first scale question: the faces are explained there, before any other."""
    return next((q.id for q in flow.questions if q.type == QuestionType.SCALE), None)


def shows_legend(ctx: Context, question: Question) -> bool:
    """The legend goes with the first scale question, and with the first after a pause."""
    if question.type != QuestionType.SCALE:
        return False
    return ctx.legend or question.id == legend_question(ctx.flow)


def with_topic(ctx: Context, question: Question, text: str) -> str:
    """`text` with its {topic} slot filled in the parent's language (`fill_topic`)."""

    def words(key: str, dutch: str) -> str:
        return flow_text(ctx.language, ctx.flow.id, key, dutch)

    return fill_topic(text, ctx.flow, ctx.topic, question, words)


def question_text(ctx: Context, question: Question) -> str:
    text = flow_text(ctx.language, ctx.flow.id, question_key(question.id), question.text)
    return with_topic(ctx, question, text)


def option_text(ctx: Context, question: Question, option_id: str) -> str:
    option = next(o for o in question.options if o.id == option_id)
    return flow_text(ctx.language, ctx.flow.id, option_key(question.id, option.id), option.text)


def answer_label(ctx: Context, question: Question, answer: Answer) -> str:
    """How a given answer reads back to the parent ("🙂", "Ja", "Bus, Fiets")."""
    lang = ctx.language
    if answer.skipped:
        return t(lang, texts.SKIPPED)
    if answer.voice_file_id:
        return "🎤"
    if answer.text is not None:
        return answer.text if len(answer.text) <= 80 else answer.text[:79] + "…"
    if question.type == QuestionType.SCALE and answer.value is not None:
        if answer.value == DONT_KNOW:
            return f"{SHRUG} {t(lang, texts.DONT_KNOW)}"
        return FACES.get(answer.value, answer.value)
    if question.type == QuestionType.YESNO:
        return t(lang, texts.YES if answer.value == YES else texts.NO)
    values = answer.values or ((answer.value,) if answer.value else ())
    return ", ".join(option_text(ctx, question, v) for v in values)


def ask(ctx: Context, event: QuestionAsked, selection: list[str] | None = None) -> QuestionView:
    """The message for a question, with its buttons."""
    lang = ctx.language
    question = ctx.flow.question(event.question_id)
    lines = [
        t(lang, texts.PROGRESS, number=event.number, total=event.total),
        "",
        question_text(ctx, question),
    ]
    if question.type == QuestionType.OPEN:
        lines += ["", t(lang, texts.REPAIR_OPEN if event.repair else texts.OPEN_HINT)]
        lines += [] if event.repair else [t(lang, texts.VOICE_HEARD)]
    elif question.type == QuestionType.MULTI:
        lines += ["", t(lang, texts.MULTI_HINT)]
    elif event.repair:
        hint = LEGEND if question.type == QuestionType.SCALE else texts.REPAIR_CHOICE
        lines += ["", t(lang, hint)]
    elif shows_legend(ctx, question):
        lines += ["", t(lang, LEGEND)]
    if event.previous is not None and not event.previous.skipped:
        lines += [
            "",
            t(lang, texts.PREVIOUS_ANSWER, answer=answer_label(ctx, question, event.previous)),
        ]
    keyboard = keyboard_for(ctx, question, event, selection or [])
    return QuestionView("\n".join(lines), keyboard, question)


def question_action(
    round_id: int, version: int, question_id: str, kind: callbacks.QuestionAction
) -> callbacks.QuestionButton:
    return callbacks.QuestionButton(kind, round_id, version, question_id)


class Keyboard(InlineKeyboardMarkup):
    """An inline keyboard serialised once, when it is built: a question's keyboard is sent to
    every parent who reaches that question, and PTB's `to_dict` walks every button each time
    (issue 16). `to_dict` hands out a copy of the rows, so a caller may change what it gets."""

    __slots__ = ("_wire",)

    def __init__(self, inline_keyboard: Sequence[Sequence[InlineKeyboardButton]]) -> None:
        super().__init__(inline_keyboard)
        self._wire = super().to_dict()

    def to_dict(self, recursive: bool = True) -> JSONDict:
        if not recursive:
            return super().to_dict(recursive=False)
        return {
            key: [[dict(button) for button in row] for row in value]
            if key == "inline_keyboard"
            else value
            for key, value in self._wire.items()
        }


class Keyboards:
    """The question keyboards built so far, by everything a keyboard shows (`keyboard_for`);
    at `kept` the lot is dropped and built again as parents reach each question."""

    kept = 512  # a school's round: ~25 questions x its languages x (first / with ⬅️)
    enabled = True  # False: built every time (`bench/p1_levers.py` measures both)

    def __init__(self) -> None:
        self._built: dict[tuple[object, ...], tuple[Flow, InlineKeyboardMarkup | None]] = {}

    def get(
        self,
        ctx: Context,
        question: Question,
        event: QuestionAsked,
        selection: list[str],
    ) -> InlineKeyboardMarkup | None:
        if not self.enabled:  # as before issue 16: built, and serialised by PTB, every time
            return _build_keyboard(ctx, question, event, selection, InlineKeyboardMarkup)
        chosen = tuple(selection) if question.type == QuestionType.MULTI else ()
        key = (
            id(ctx.flow),  # the flow object itself is kept with it, so the id stays its own
            ctx.language,
            ctx.round_id,
            question.id,
            event.repair,
            event.can_go_back,
            ctx.can_listen,
            chosen,
        )
        found = self._built.get(key)
        if found is not None and found[0] is ctx.flow:
            return found[1]
        keyboard = _build_keyboard(ctx, question, event, selection)
        if len(self._built) >= self.kept:
            self._built.clear()
        self._built[key] = (ctx.flow, keyboard)
        return keyboard


KEYBOARDS = Keyboards()


def keyboard_for(
    ctx: Context, question: Question, event: QuestionAsked, selection: list[str]
) -> InlineKeyboardMarkup | None:
    """The question's buttons; None when there are none (an empty markup is refused)."""
    return KEYBOARDS.get(ctx, question, event, selection)


def _build_keyboard(
    ctx: Context,
    question: Question,
    event: QuestionAsked,
    selection: list[str],
    markup: type[InlineKeyboardMarkup] = Keyboard,
) -> InlineKeyboardMarkup | None:
    lang, rid, ver, qid = ctx.language, ctx.round_id, ctx.flow.version, question.id
    rows: list[list[InlineKeyboardButton]] = []

    def button(label: str, data: callbacks.Button) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=callbacks.encode(data))

    answer = functools.partial(
        callbacks.QuestionButton, callbacks.QuestionAction.ANSWER, rid, ver, qid
    )
    action = functools.partial(question_action, rid, ver, qid)

    match question.type:
        case QuestionType.SCALE:
            faces = [
                button(f"{v} {face}" if event.repair else face, answer(v))
                for v, face in zip(SCALE_VALUES, FACE_LABELS, strict=True)
            ]
            rows.append(faces)
            rows.append(
                [
                    button(
                        f"{SHRUG} {t(lang, texts.DONT_KNOW)}",
                        answer(DONT_KNOW),
                    )
                ]
            )
        case QuestionType.YESNO:
            rows.append(
                [
                    button(f"👍 {t(lang, texts.YES)}", answer(YES)),
                    button(f"👎 {t(lang, texts.NO)}", answer(NO)),
                ]
            )
        case QuestionType.CHOICE | QuestionType.MULTI:
            for number, option in enumerate(question.options, start=1):
                label = option_text(ctx, question, option.id)
                if question.type == QuestionType.MULTI:
                    label = f"{'☑️' if option.id in selection else '⬜'} {label}"
                elif event.repair:
                    label = f"{number}. {label}"
                rows.append([button(label, answer(option.id))])
            if question.type == QuestionType.MULTI:
                rows.append(
                    [
                        button(
                            f"✅ {t(lang, texts.DONE)}",
                            action(callbacks.QuestionAction.DONE),
                        )
                    ]
                )
        case _:
            pass

    tools: list[InlineKeyboardButton] = []
    if event.can_go_back:
        back = "➡️" if lang in RTL_LANGUAGES else "⬅️"  # "back" points against the reading direction
        tools.append(
            button(
                f"{back} {t(lang, texts.BACK)}",
                callbacks.RoundButton(callbacks.RoundAction.BACK, rid),
            )
        )
    if has_skip_button(question, repair=event.repair):
        tools.append(button(f"⏭️ {t(lang, texts.SKIP)}", action(callbacks.QuestionAction.SKIP)))
    if lang != SOURCE_LANGUAGE:
        tools.append(button("🇳🇱 NL", action(callbacks.QuestionAction.ORIGINAL)))
    if ctx.can_listen:
        tools.append(button(f"🔊 {t(lang, texts.LISTEN)}", action(callbacks.QuestionAction.HEAR)))
    if tools:
        rows.append(tools)
    return markup(rows) if rows else None


def has_skip_button(question: Question, *, repair: bool) -> bool:
    """A ⏭️ button shows on optional questions, and on any but a face question once repaired
    (a face question offers 🤷 instead)."""
    return question.optional or (repair and question.type != QuestionType.SCALE)


def answered(ctx: Context, view_text: str, question: Question, answer: Answer) -> str:
    """The question message once answered: its buttons go, the answer shows."""
    label = answer_label(ctx, question, answer)
    return f"{view_text}\n\n✅ {t(ctx.language, texts.CHOSEN, answer=label)}"


def dutch_original(ctx: Context, question: Question) -> str:
    dutch = Context(SOURCE_LANGUAGE, ctx.flow, ctx.round_id, topic=ctx.topic)
    lines = [t(ctx.language, texts.DUTCH_ORIGINAL_IS), "", question_text(dutch, question)]
    lines += [f"• {o.text}" for o in question.options]
    return "\n".join(lines)


def feedback_when(language: str, closes_at: datetime | None) -> str:
    if closes_at is None:
        return t(language, texts.FEEDBACK_SOON)
    return t(language, texts.FEEDBACK_AFTER, date=format_date(language, closes_at.date()))


def language_menu(suggested: str | None) -> tuple[str, InlineKeyboardMarkup]:
    """Every language by its own name in its own script; the suggested one first, alone."""
    rows: list[list[InlineKeyboardButton]] = []
    names = [(code, language_name(code)) for code in LANGUAGES]
    if suggested:
        rows.append(
            [
                InlineKeyboardButton(
                    f"✅ {language_name(suggested)}",
                    callback_data=callbacks.encode(callbacks.LanguageButton(suggested)),
                )
            ]
        )
    pairs = [
        InlineKeyboardButton(name, callback_data=callbacks.encode(callbacks.LanguageButton(code)))
        for code, name in names
        if code != suggested
    ]
    rows += [pairs[i : i + 3] for i in range(0, len(pairs), 3)]
    prompt = t(suggested or SOURCE_LANGUAGE, texts.CHOOSE_LANGUAGE)
    if suggested and suggested != SOURCE_LANGUAGE:
        prompt = f"{prompt}\n{t(SOURCE_LANGUAGE, texts.CHOOSE_LANGUAGE)}"
    return prompt, InlineKeyboardMarkup(rows)


def resume_menu(language: str, round_id: int) -> InlineKeyboardMarkup:
    """ "Verder": pick up the questions after a pause."""
    resume = callbacks.RoundButton(callbacks.RoundAction.RESUME, round_id)
    label = f"▶️ {t(language, texts.CONTINUE)}"
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=callbacks.encode(resume))]]
    )


def forget_menu(language: str) -> InlineKeyboardMarkup:
    """/vergeet: delete everything, or keep it."""
    yes = callbacks.encode(callbacks.ForgetButton(confirmed=True))
    no = callbacks.encode(callbacks.ForgetButton(confirmed=False))
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(f"🗑️ {t(language, texts.FORGET_YES)}", callback_data=yes)],
            [InlineKeyboardButton(t(language, texts.FORGET_NO), callback_data=no)],
        ]
    )
