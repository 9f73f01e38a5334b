"""Each check of the flow inspector on its own (bot/flow_issues.py): a small flow that has the
problem, the words of the issue, and a clean flow on which the check finds nothing.

The flows are small tables written in the test, in the spirit of pyxform's tests.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bot import flow_issues
from bot.flow_issues import (
    FINAL_CHECKS,
    FLOW_CHECKS,
    QUESTION_CHECKS,
    ButtonDataTooLong,
    ClosingWithoutFeedbackMoment,
    DuplicateOptionId,
    DuplicateThemeId,
    DuplicateTopicId,
    FlowCheck,
    Inspected,
    MirrorNotInBarometer,
    MissingTranslations,
    OptionLabelTooLong,
    QuestionCheck,
    QuestionTooLong,
    RenderedMessageTooLong,
    ScaleOffRow,
    SkipIfNotEarlier,
    SkipIfValueNotAnswer,
    TooManyButtons,
    TopicSlotWithoutTopics,
    TranslatedPlaceholders,
    TranslationTooLong,
    UnknownPlaceholder,
    UnknownTheme,
)
from bot.flow_model import Flow, flow_library
from bot.i18n import flow_context

SCALE = {"id": "schaal", "type": "scale", "text": "Een schaal."}
CHOICE = {
    "id": "keuze",
    "type": "choice",
    "text": "Kies.",
    "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}],
}
THEMES = [{"id": "thema", "title": "Thema"}]


def flow(*questions: dict[str, Any], **extra: Any) -> Flow:
    return Flow.model_validate({
        "id": "proef",
        "format": 1,
        "version": 1,
        "audience": "parents",
        "title": "Proef",
        "intro": "Intro.",
        "closing": "Bedankt! {feedback_when}",
        "questions": list(questions) or [SCALE],
        **extra,
    })  # fmt: skip


def found(check: FlowCheck | QuestionCheck, inspected: Inspected) -> list[tuple[str, str]]:
    if isinstance(check, FlowCheck):
        return list(check.find(inspected))
    pairs = []
    for number, question in enumerate(inspected.flow.questions):
        earlier = [q.id for q in inspected.flow.questions[:number]]
        pairs += check.find(inspected, question, earlier)
    return pairs


def choice(*options: tuple[str, str], qid: str = "keuze") -> dict[str, Any]:
    return {**CHOICE, "id": qid, "options": [{"id": i, "text": t} for i, t in options]}


TEAM_MIRROR = {**SCALE, "mirror_of": "bestaat_niet"}

CASES: list[tuple[FlowCheck | QuestionCheck, Flow, str, list[str]]] = [
    (
        DuplicateThemeId(),
        flow(themes=[*THEMES, *THEMES]),
        "thema",
        ["duplicate theme id"],
    ),
    (
        DuplicateTopicId(),
        flow(topics=[{"id": "t", "text": "T"}, {"id": "t", "text": "U"}]),
        "t",
        ["duplicate topic id"],
    ),
    (UnknownTheme(), flow({**SCALE, "theme": "nergens"}), "schaal", ["theme 'nergens'"]),
    (
        SkipIfNotEarlier(),
        flow(
            {**SCALE, "skip_if": {"question": "later", "any_of": ["1"]}}, {**SCALE, "id": "later"}
        ),
        "schaal",
        ["skip_if refers to 'later'", "not an earlier question"],
    ),
    (
        SkipIfValueNotAnswer(),
        flow(SCALE, {**SCALE, "id": "uren", "skip_if": {"question": "schaal", "any_of": ["7"]}}),
        "uren",
        ["skip_if value '7' is not an answer of schaal"],
    ),
    (
        MirrorNotInBarometer(),
        flow(TEAM_MIRROR, id="proef-team", audience="team"),
        "schaal",
        ["mirror_of 'bestaat_niet'", "parents' barometer"],
    ),
    (
        DuplicateOptionId(),
        flow(choice(("a", "A"), ("a", "B"))),
        "keuze",
        ["duplicate option id 'a'"],
    ),
    (
        ButtonDataTooLong(),
        flow(choice(("o" * 20, "A"), ("b", "B"), qid="q" * 32)),
        "q" * 32,
        ["button data 67 bytes (over 64)", "o" * 20],
    ),
    (
        TooManyButtons(),
        flow(choice(*[(f"o{i}", f"O{i}") for i in range(95)])),
        "keuze",
        ["95 options: over Telegram's 100 buttons"],
    ),
    (OptionLabelTooLong(), flow(choice(("a", "A" * 41), ("b", "B"))), "keuze", ["label is 41"]),
    (
        RenderedMessageTooLong(),
        flow({**SCALE, "text": "Zin. " * 600}),
        "schaal",
        ["over 4096 characters"],
    ),
    (QuestionTooLong(), flow({**SCALE, "text": "Zin. " * 130}), "schaal", ["keep it under 600"]),
    (
        UnknownPlaceholder(),
        flow({**SCALE, "text": "Hallo {naam}."}),
        "q.schaal",
        ["unknown placeholder {naam}"],
    ),
    (
        TopicSlotWithoutTopics(),
        flow({**SCALE, "text": "Het thema is: {topic}."}),
        "q.schaal",
        ["{topic} in a flow without topics"],
    ),
    (
        ClosingWithoutFeedbackMoment(),
        flow(closing="Bedankt!"),
        "closing",
        ["add {feedback_when}"],
    ),
    (MissingTranslations(), flow(), "flow", ["text(s) not translated: title, intro"]),
]


def others(inspected_flow: Flow) -> dict[str, Flow]:
    return {"barometer-ouders": flow_library()["barometer-ouders"], "proef": inspected_flow}


@pytest.mark.parametrize(
    "check,bad,where,words", CASES, ids=[type(case[0]).__name__ for case in CASES]
)
def test_each_check_finds_its_problem(
    check: FlowCheck | QuestionCheck, bad: Flow, where: str, words: list[str]
) -> None:
    issues = found(check, Inspected(bad, others(bad)))
    assert issues, type(check).__name__
    assert issues[0][0] == where
    for word in words:
        assert word in issues[0][1]


@pytest.mark.parametrize("check", [case[0] for case in CASES], ids=lambda c: type(c).__name__)
def test_each_check_finds_nothing_in_a_clean_flow(check: FlowCheck | QuestionCheck) -> None:
    shipped = flow_library()["barometer-ouders"]
    assert found(check, Inspected(shipped, others(shipped))) == []


def test_every_check_has_a_case_and_a_docstring() -> None:
    checks = [*FLOW_CHECKS, *QUESTION_CHECKS, *FINAL_CHECKS]
    tested = {type(case[0]) for case in CASES} | {
        ScaleOffRow,
        TranslatedPlaceholders,
        TranslationTooLong,
    }
    assert {type(c) for c in checks} == tested
    assert all((type(c).__doc__ or "").strip() for c in checks)


def test_only_the_missing_feedback_moment_is_a_warning() -> None:
    checks = [*FLOW_CHECKS, *QUESTION_CHECKS, *FINAL_CHECKS]
    warnings = [type(c) for c in checks if c.severity == flow_issues.WARNING]
    assert warnings == [ClosingWithoutFeedbackMoment]


def test_a_scale_that_does_not_fit_one_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flow_issues, "MAX_BUTTONS_PER_ROW", 4)
    assert found(ScaleOffRow(), Inspected(flow())) == [("schaal", "the scale does not fit one row")]
    assert found(ScaleOffRow(), Inspected(flow(CHOICE))) == []


def fake_catalogs(monkeypatch: pytest.MonkeyPatch, bad: Flow, key: str, text: str) -> None:
    """Every language translates `key` of `bad` as `text`."""
    dutch = dict(flow_issues.translatable_items(bad))[key]
    messages = {(flow_context(bad.id, key), dutch): text}
    monkeypatch.setattr(flow_issues, "catalog", lambda language: SimpleNamespace(messages=messages))


def test_a_translation_with_other_placeholders(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = flow()
    fake_catalogs(monkeypatch, bad, "closing", "Merci ! {quand}")
    issues = found(TranslatedPlaceholders(), Inspected(bad))
    assert issues and all(i == ("closing", i[1]) for i in issues)
    assert issues[0][1].endswith(": placeholders differ from the Dutch")
    assert found(TranslationTooLong(), Inspected(bad)) == []


def test_a_translation_too_long_for_one_message(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = flow()
    fake_catalogs(monkeypatch, bad, "intro", "Intro. " * 500)
    issues = found(TranslationTooLong(), Inspected(bad))
    assert issues and issues[0] == ("intro", issues[0][1])
    assert issues[0][1].endswith(": translation too long for one message")
    assert found(TranslatedPlaceholders(), Inspected(bad)) == []


# ---- the {topic} slot (issue 15) ---------------------------------------------------------------

TOPICS = [{"id": "huiswerk", "text": "Huiswerk"}]


def test_a_question_of_a_flow_with_topics_may_name_the_topic() -> None:
    good = flow({**SCALE, "text": "Het thema is: {topic}."}, topics=TOPICS)
    assert found(UnknownPlaceholder(), Inspected(good)) == []
    assert found(TopicSlotWithoutTopics(), Inspected(good)) == []
    shipped = flow_library()["dialoog"]
    assert "{topic}" in shipped.question("ervaring_thema").text
    assert found(TopicSlotWithoutTopics(), Inspected(shipped)) == []


def test_the_topic_slot_only_in_question_texts() -> None:
    elsewhere = flow(
        choice(("a", "Over {topic}"), ("b", "B")), intro="Over {topic}.", topics=TOPICS
    )
    assert sorted(where for where, _ in found(UnknownPlaceholder(), Inspected(elsewhere))) == [
        "intro",
        "q.keuze.a",
    ]


def test_a_translation_that_drops_the_topic_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    dialogue = flow({**SCALE, "text": "Het thema is: {topic}."}, topics=TOPICS)
    fake_catalogs(monkeypatch, dialogue, "q.schaal", "Quel est votre avis ?")
    issues = found(TranslatedPlaceholders(), Inspected(dialogue))
    assert issues and all(where == "q.schaal" for where, _ in issues)
    fake_catalogs(monkeypatch, dialogue, "q.schaal", "Le thème est : {topic}.")
    assert found(TranslatedPlaceholders(), Inspected(dialogue)) == []
