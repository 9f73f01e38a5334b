"""The flow inspector's checks, one small unit per kind of problem (goflow's `inspect/issues/`).

Each check has a one-line docstring saying what it finds, a severity, and `find`, which yields
``(where, message)`` pairs: ``where`` is a question id, a theme or topic id, a text's key or
"flow". Flow checks look at the whole flow; question checks at one question, in order, knowing
which questions came before it. `bot.flow_check` runs them all (`FLOW_CHECKS`, `QUESTION_CHECKS`,
`FINAL_CHECKS`, in that order) and turns what they find into `Issue`s.

A new kind of problem is a new class here, added to one of those tuples, with a case in
tests/test_flow_issues.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar

from bot.flow_model import (
    PLACEHOLDER,
    Flow,
    Question,
    QuestionType,
    question_key,
    translatable_items,
)
from bot.i18n import LANGUAGES, SOURCE_LANGUAGE, catalog, flow_context
from bot.limits import (
    MAX_BUTTON_LABEL_CHARS,
    MAX_BUTTONS_PER_ROW,
    MAX_BUTTONS_TOTAL,
    MAX_CALLBACK_DATA_BYTES,
    MAX_MESSAGE_CHARS,
    MAX_QUESTION_CHARS,
)

ERROR, WARNING = "error", "warning"  # Issue.severity
# The widest ids a live button can carry: round ids up to 10 million, versions up to 999.
WIDEST_ROUND_ID = 9_999_999
WIDEST_VERSION = 999
# Room the bot adds around a question (progress, hints, previous answer) in any language.
MESSAGE_OVERHEAD_CHARS = 1200
ALLOWED_PLACEHOLDERS = {"closing": {"feedback_when"}}
# A question text may name the round's topic: `render` fills {topic} in (flows with topics only).
TOPIC_SLOT_NAME = "topic"
PARENTS_BAROMETER = "barometer-ouders"  # the flow other flows may mirror
MISSING_SHOWN = 5  # untranslated keys named per language; the rest is "..."

Found = Iterator[tuple[str, str]]


@dataclass(frozen=True)
class Issue:
    """One problem of one flow file, where it is, and how bad (an error fails the check)."""

    file: str
    where: str  # question id, theme id or "flow"
    message: str
    severity: str = ERROR  # error | warning

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.severity}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return {
            "file": self.file,
            "where": self.where,
            "message": self.message,
            "severity": self.severity,
        }


@dataclass(frozen=True)
class Inspected:
    """What a check may look at: the flow, and every other flow it may refer to."""

    flow: Flow
    others: dict[str, Flow] = field(default_factory=dict)


class FlowCheck:
    """A check of a whole flow."""

    severity: ClassVar[str] = ERROR

    def find(self, inspected: Inspected) -> Found:
        raise NotImplementedError


class QuestionCheck:
    """A check of one question; `earlier` are the ids of the questions before it."""

    severity: ClassVar[str] = ERROR

    def find(self, inspected: Inspected, question: Question, earlier: list[str]) -> Found:
        raise NotImplementedError


def _duplicates(ids: list[str]) -> list[str]:
    return sorted({i for i in ids if ids.count(i) > 1})


# ---- the flow as a whole ---------------------------------------------------------------------


class DuplicateThemeId(FlowCheck):
    """Two themes share an id."""

    def find(self, inspected: Inspected) -> Found:
        for dup in _duplicates([t.id for t in inspected.flow.themes]):
            yield dup, "duplicate theme id"


class DuplicateTopicId(FlowCheck):
    """Two topics share an id."""

    def find(self, inspected: Inspected) -> Found:
        for dup in _duplicates([t.id for t in inspected.flow.topics]):
            yield dup, "duplicate topic id"


# ---- each question -------------------------------------------------------------------------


class UnknownTheme(QuestionCheck):
    """A question names a theme the flow does not have."""

    def find(self, inspected: Inspected, question: Question, earlier: list[str]) -> Found:
        if question.theme is not None and question.theme not in {
            t.id for t in inspected.flow.themes
        }:
            yield question.id, f"theme {question.theme!r} does not exist"


class SkipIfNotEarlier(QuestionCheck):
    """skip_if refers to a question that is not asked before this one."""

    def find(self, inspected: Inspected, question: Question, earlier: list[str]) -> Found:
        if question.skip_if is not None and question.skip_if.question not in earlier:
            yield (
                question.id,
                f"skip_if refers to {question.skip_if.question!r}, which is not an earlier question",
            )


class SkipIfValueNotAnswer(QuestionCheck):
    """skip_if waits for a value the earlier question cannot have as an answer."""

    def find(self, inspected: Inspected, question: Question, earlier: list[str]) -> Found:
        if question.skip_if is None or question.skip_if.question not in earlier:
            return
        target = inspected.flow.question(question.skip_if.question)
        allowed = set(target.allowed_values())
        for value in question.skip_if.any_of:
            if allowed and value not in allowed:
                yield question.id, f"skip_if value {value!r} is not an answer of {target.id}"


class MirrorNotInBarometer(QuestionCheck):
    """mirror_of names no scale question of the parents' barometer."""

    def find(self, inspected: Inspected, question: Question, earlier: list[str]) -> Found:
        parents = inspected.others.get(PARENTS_BAROMETER)
        if question.mirror_of is None or parents is None or inspected.flow.id == PARENTS_BAROMETER:
            return
        scales = {q.id for q in parents.questions if q.type == QuestionType.SCALE}
        if question.mirror_of not in scales:
            yield (
                question.id,
                f"mirror_of {question.mirror_of!r} is not a question of the parents' barometer",
            )


class DuplicateOptionId(QuestionCheck):
    """Two options of one question share an id."""

    def find(self, inspected: Inspected, question: Question, earlier: list[str]) -> Found:
        for dup in _duplicates([o.id for o in question.options]):
            yield question.id, f"duplicate option id {dup!r}"


class ButtonDataTooLong(QuestionCheck):
    """An answer button's callback data could exceed Telegram's 64 bytes."""

    def find(self, inspected: Inspected, question: Question, earlier: list[str]) -> Found:
        for value in list(question.allowed_values()) or [""]:
            data = f"a|{WIDEST_ROUND_ID}|{WIDEST_VERSION}|{question.id}|{value}"
            size = len(data.encode())
            if size > MAX_CALLBACK_DATA_BYTES:
                yield (
                    question.id,
                    f"button data {size} bytes (over {MAX_CALLBACK_DATA_BYTES}): "
                    f"shorten the question id or option id {value!r}",
                )


class TooManyButtons(QuestionCheck):
    """The options and the tool buttons together exceed Telegram's keyboard."""

    def find(self, inspected: Inspected, question: Question, earlier: list[str]) -> Found:
        options = len(question.options)
        rows = 1 + options + 2  # options one per row, plus done and the tool row
        if rows > MAX_BUTTONS_TOTAL or options + 6 > MAX_BUTTONS_TOTAL:
            yield question.id, f"{options} options: over Telegram's {MAX_BUTTONS_TOTAL} buttons"


class ScaleOffRow(QuestionCheck):
    """The five faces of a scale do not fit one keyboard row."""

    def find(self, inspected: Inspected, question: Question, earlier: list[str]) -> Found:
        if question.type == QuestionType.SCALE and MAX_BUTTONS_PER_ROW < 5:
            yield question.id, "the scale does not fit one row"


class OptionLabelTooLong(QuestionCheck):
    """An option's label is longer than a phone shows on a button."""

    def find(self, inspected: Inspected, question: Question, earlier: list[str]) -> Found:
        for option in question.options:
            if len(option.text) > MAX_BUTTON_LABEL_CHARS:
                yield (
                    question.id,
                    f"option {option.id!r} label is {len(option.text)} characters; a phone "
                    f"shows about {MAX_BUTTON_LABEL_CHARS}",
                )


class RenderedMessageTooLong(QuestionCheck):
    """The question with what the bot adds around it would exceed one message."""

    def find(self, inspected: Inspected, question: Question, earlier: list[str]) -> Found:
        if len(question.text) + MESSAGE_OVERHEAD_CHARS > MAX_MESSAGE_CHARS:
            yield question.id, "the rendered message would be over 4096 characters"


class QuestionTooLong(QuestionCheck):
    """A question's text is longer than a parent reads comfortably."""

    def find(self, inspected: Inspected, question: Question, earlier: list[str]) -> Found:
        if len(question.text) > MAX_QUESTION_CHARS:
            yield (
                question.id,
                f"question text is {len(question.text)} characters; "
                f"keep it under {MAX_QUESTION_CHARS}",
            )


# ---- texts and translations ------------------------------------------------------------------


class UnknownPlaceholder(FlowCheck):
    """A text has a {placeholder} the bot does not fill in there."""

    def find(self, inspected: Inspected) -> Found:
        questions = {question_key(q.id) for q in inspected.flow.questions}
        for key, text in translatable_items(inspected.flow):
            allowed = ALLOWED_PLACEHOLDERS.get(key, set())
            if key in questions:
                allowed = allowed | {TOPIC_SLOT_NAME}
            for name in PLACEHOLDER.findall(text):
                if name not in allowed:
                    yield key, f"unknown placeholder {{{name}}}"


class TopicSlotWithoutTopics(FlowCheck):
    """A question has a {topic} slot, but the flow has no topics a round could name."""

    def find(self, inspected: Inspected) -> Found:
        if inspected.flow.topics:
            return
        for question in inspected.flow.questions:
            if TOPIC_SLOT_NAME in PLACEHOLDER.findall(question.text):
                yield (
                    question_key(question.id),
                    "{topic} in a flow without topics: add topics or take the slot out",
                )


class ClosingWithoutFeedbackMoment(FlowCheck):
    """The closing does not say when the school reports back (a warning)."""

    severity = WARNING

    def find(self, inspected: Inspected) -> Found:
        if "{feedback_when}" not in inspected.flow.closing:
            yield (
                "closing",
                "the closing should say when the school reports back: add {feedback_when}",
            )


def _translations(flow: Flow) -> Iterator[tuple[str, str, str, str | None]]:
    """(language, key, Dutch, translation or None) for every text, every other language."""
    items = translatable_items(flow)
    for language in LANGUAGES:
        if language == SOURCE_LANGUAGE:
            continue
        messages = catalog(language).messages
        for key, text in items:
            found = messages.get((flow_context(flow.id, key), text))
            yield language, key, text, found if isinstance(found, str) else None


class MissingTranslations(FlowCheck):
    """A language lacks translations of some texts (one issue per language)."""

    def find(self, inspected: Inspected) -> Found:
        flow = inspected.flow
        items = translatable_items(flow)
        for language in LANGUAGES:
            if language == SOURCE_LANGUAGE:
                continue
            messages = catalog(language).messages
            missing = [k for k, text in items if (flow_context(flow.id, k), text) not in messages]
            if missing:
                more = " ..." if len(missing) > MISSING_SHOWN else ""
                shown = ", ".join(missing[:MISSING_SHOWN]) + more
                yield "flow", f"{language}: {len(missing)} text(s) not translated: {shown}"


class TranslatedPlaceholders(FlowCheck):
    """A translation has other {placeholders} than its Dutch."""

    def find(self, inspected: Inspected) -> Found:
        for language, key, text, found in _translations(inspected.flow):
            if found is not None and set(PLACEHOLDER.findall(found)) != set(
                PLACEHOLDER.findall(text)
            ):
                yield key, f"{language}: placeholders differ from the Dutch"


class TranslationTooLong(FlowCheck):
    """A translation with what the bot adds around it would exceed one message."""

    def find(self, inspected: Inspected) -> Found:
        for language, key, _, found in _translations(inspected.flow):
            if found is not None and len(found) + MESSAGE_OVERHEAD_CHARS > MAX_MESSAGE_CHARS:
                yield key, f"{language}: translation too long for one message"


FLOW_CHECKS: tuple[FlowCheck, ...] = (DuplicateThemeId(), DuplicateTopicId())
QUESTION_CHECKS: tuple[QuestionCheck, ...] = (
    UnknownTheme(),
    SkipIfNotEarlier(),
    SkipIfValueNotAnswer(),
    MirrorNotInBarometer(),
    DuplicateOptionId(),
    ButtonDataTooLong(),
    TooManyButtons(),
    ScaleOffRow(),
    OptionLabelTooLong(),
    RenderedMessageTooLong(),
    QuestionTooLong(),
)
FINAL_CHECKS: tuple[FlowCheck, ...] = (
    UnknownPlaceholder(),
    TopicSlotWithoutTopics(),
    ClosingWithoutFeedbackMoment(),
    MissingTranslations(),
    TranslatedPlaceholders(),
    TranslationTooLong(),
)
