"""The button codec: every kind survives a round trip, the wire format is wave 1's byte for byte,
and forged or garbled data decodes to nothing (or to the refusal's family)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.limits import MAX_CALLBACK_DATA_BYTES
from bot.tg import callbacks
from bot.tg.callbacks import (
    CloseCancelled,
    CloseChoice,
    CloseConfirmed,
    DialogueButton,
    DialogueKind,
    FeedbackResult,
    FileFormat,
    ForgetButton,
    HoursChoice,
    HoursTyping,
    LanguageButton,
    PickFor,
    QuestionAction,
    QuestionButton,
    RecordingDecision,
    RemindersOn,
    ReportDetail,
    ReportFile,
    ReportOverview,
    ReportRound,
    ReportSchool,
    ReportView,
    ReportVoice,
    RoleChoice,
    RoundAction,
    RoundButton,
    SchoolChoice,
    StatusChoice,
    decode,
    encode,
)

ids = st.integers(min_value=0, max_value=10**12)
words = st.text(
    st.characters(codec="utf-8", exclude_characters="|", exclude_categories=("Cs",)),
    min_size=1,
    max_size=12,
)

buttons = st.one_of(
    st.builds(QuestionButton, st.just(QuestionAction.ANSWER), ids, ids, words, words),
    st.builds(
        QuestionButton,
        st.sampled_from([a for a in QuestionAction if a != QuestionAction.ANSWER]),
        ids,
        ids,
        words,
    ),
    st.builds(RoundButton, st.sampled_from(RoundAction), ids),
    st.builds(LanguageButton, words),
    st.builds(ForgetButton, st.booleans()),
    st.just(RemindersOn()),
    st.builds(SchoolChoice, st.sampled_from(PickFor), ids),
    st.builds(RoleChoice, ids, words),
    st.builds(StatusChoice, ids),
    st.builds(CloseChoice, ids),
    st.builds(CloseConfirmed, ids),
    st.builds(CloseCancelled, st.one_of(st.none(), ids)),
    st.builds(FeedbackResult, ids),
    st.builds(RecordingDecision, ids, st.booleans()),
    st.builds(
        HoursChoice, ids, st.one_of(st.none(), st.sampled_from(["07:30-19:00", "23:59-00:00"]))
    ),
    st.builds(HoursTyping, ids),
    st.builds(DialogueButton, st.sampled_from(DialogueKind), words, words, words),
    st.builds(ReportSchool, ids),
    st.builds(ReportRound, ids),
    st.builds(ReportDetail, ids, st.sampled_from(ReportView)),
    st.builds(ReportFile, ids, st.sampled_from(FileFormat)),
    st.builds(ReportVoice, ids),
    st.just(ReportOverview()),
)


@given(buttons)
def test_every_button_survives_a_round_trip(button: callbacks.Button) -> None:
    try:
        data = encode(button)
    except ValueError:  # over 64 bytes: never sent, so nothing to decode
        return
    assert len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
    assert decode(data) == button
    assert encode(decode(data)) == data  # type: ignore[arg-type]


@given(st.text(max_size=80))
def test_any_text_decodes_to_a_button_or_to_nothing_and_never_raises(data: str) -> None:
    button = decode(data)
    if button is not None:  # what it decodes to is a button we could have made
        assert decode(encode(button)) == button


# The wire format of wave 1, byte for byte: buttons already in chats keep working.
WIRE = [
    (QuestionButton(QuestionAction.ANSWER, 7, 1, "welkom_1", "4"), "a|7|1|welkom_1|4"),
    (QuestionButton(QuestionAction.DONE, 7, 1, "kinderen"), "d|7|1|kinderen"),
    (QuestionButton(QuestionAction.SKIP, 7, 2, "q"), "s|7|2|q"),
    (QuestionButton(QuestionAction.ORIGINAL, 7, 2, "q"), "o|7|2|q"),
    (QuestionButton(QuestionAction.HEAR, 7, 2, "q"), "h|7|2|q"),
    (RoundButton(RoundAction.BACK, 7), "b|7"),
    (RoundButton(RoundAction.RESUME, 7), "r|7"),
    (LanguageButton("ar"), "l|ar"),
    (LanguageButton("*"), "l|*"),
    (ForgetButton(True), "f|yes"),
    (ForgetButton(False), "f|no"),
    (RemindersOn(), "x|nr|on"),
    (SchoolChoice(PickFor.INVITE, 3), "x|sc|inv|3"),
    (SchoolChoice(PickFor.LAUNCH, 3), "x|sc|ron|3"),
    (SchoolChoice(PickFor.STATUS, 3), "x|sc|sta|3"),
    (SchoolChoice(PickFor.CLOSE, 3), "x|sc|slu|3"),
    (SchoolChoice(PickFor.FEEDBACK, 3), "x|sc|ter|3"),
    (RoleChoice(3, "team+"), "x|iv|3|team+"),
    (StatusChoice(9), "x|st|9"),
    (CloseChoice(9), "x|sl|9"),
    (CloseConfirmed(9), "x|sly|9"),
    (CloseCancelled(9), "x|sln|9"),
    (FeedbackResult(4), "x|fr|4"),
    (RecordingDecision(12, True), "x|rv|12|1"),
    (RecordingDecision(12, False), "x|rv|12|0"),
    (SchoolChoice(PickFor.RECORD, 3), "x|sc|opn|3"),
    (DialogueButton(DialogueKind.RECORD, "abcdef12", "language", "so"), "x|o|abcdef12|language|so"),
    (
        DialogueButton(DialogueKind.RONDE, "abcdef12", "flow", "dialoog"),
        "x|r|abcdef12|flow|dialoog",
    ),
    (DialogueButton(DialogueKind.FEEDBACK, "abcdef12", "stop"), "x|f|abcdef12|stop|-"),
    (ReportSchool(3), "rp|s|3"),
    (ReportRound(9), "rp|r|9"),
    (ReportDetail(9, ReportView.OPEN), "rp|v|9|open"),
    (ReportFile(9, FileFormat.CSV), "rp|f|9|csv"),
    (ReportVoice(9), "rp|vo|9"),
    (ReportOverview(), "rp|o"),
]


@pytest.mark.parametrize("button,data", WIRE, ids=[d for _, d in WIRE])
def test_the_wire_format_is_unchanged(button: callbacks.Button, data: str) -> None:
    assert encode(button) == data
    assert decode(data) == button


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "zzz",
        "x",
        "a|x|1|welkom_3|4",
        "a|1|1|welkom_3",
        "a|1|1|welkom_3|4|extra",
        "b|twee",
        "f|misschien",
        "l|",
        "d|1|x|welkom_3",
        "a|1|1|welkom_3|" + "9" * 60,  # over 64 bytes
        "x|zzz",
        "x|st|1|2|3|4|5",
        "x|st|²",  # a digit, but not ASCII
        "x|sc|xyz|1",
        "x|iv|x|admin",
        "x|nr|off",
        "x|r|abc|go",
        "x|rv|12|2",
        "x|rv|abc|1",
        "x|rv|12",
        "rp|v|1|nope",
        "rp|f|1|doc",
        "rp|r|x",
        "rp|s|1|2",
        "rp|zz|1",
    ],
)
def test_forged_or_garbled_data_is_no_button(data: str | None) -> None:
    assert decode(data) is None


def test_an_id_too_long_for_sqlite_is_id_zero_which_exists_nowhere() -> None:
    assert decode("x|st|99999999999999999999999") == StatusChoice(0)
    assert callbacks.as_id("0042") == 42
    assert callbacks.as_id("4a") is None


def test_a_field_with_the_separator_or_over_64_bytes_is_never_encoded() -> None:
    with pytest.raises(ValueError, match="holds"):
        encode(LanguageButton("a|b"))
    with pytest.raises(ValueError, match="64 bytes"):
        encode(QuestionButton(QuestionAction.ANSWER, 1, 1, "q" * 40, "v" * 40))


def test_routing_patterns_pick_one_kind_and_the_rest_of_a_family() -> None:
    assert callbacks.is_kind(StatusChoice)("x|st|9")
    assert not callbacks.is_kind(StatusChoice)("x|sl|9")
    assert not callbacks.is_kind(StatusChoice)(object())
    assert callbacks.has_prefix(callbacks.STAFF)("x|zzz")
    assert not callbacks.has_prefix(callbacks.STAFF)("x")
    assert callbacks.has_prefix(callbacks.REPORT)("rp|o|junk")
